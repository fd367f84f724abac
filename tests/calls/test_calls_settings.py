"""Call settings (seed 000's "Anrufeinstellungen") come from the Kanzlei's settings file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.calls import CallSettings
from workbench.errors import ConfigError
from workbench.pipeline import check_run, load_run
from workbench.pipeline.connection import connect

FIXTURE = Path(__file__).parent / "data" / "calls_starface_fixture.csv"


def test_settings_table_is_read_and_checked():
    settings = CallSettings.from_table(
        {"ignore_inbound": True, "only_identified": True, "rounding": "15min"}
    )
    assert settings == CallSettings(ignore_inbound=True, only_identified=True, rounding="15min")
    assert CallSettings.from_table({}) == CallSettings()
    with pytest.raises(ConfigError, match=r"\[calls\].*'ignore_incoming'.*ignore_inbound"):
        CallSettings.from_table({"ignore_incoming": True})
    with pytest.raises(ConfigError, match=r"only_answered.*true oder false"):
        CallSettings.from_table({"only_answered": "ja"})


def test_the_kanzlei_settings_drive_the_billing(_isolated_home):
    (_isolated_home / "settings.toml").write_text(
        '[calls]\nignore_inbound = true\nignore_internal = false\nrounding = "15min"\n'
    )
    with connect() as connection:
        run = check_run(load_run("calls", [FIXTURE]), client=None, connection=connection)
    assert run.billing.settings == CallSettings(
        ignore_inbound=True, ignore_internal=False, rounding="15min"
    )
    lines = run.billing.lines
    inbound = lines.filter(pl.col("direction") == "inbound")
    assert inbound.height > 0 and set(inbound["status"]) == {"ignored"}
    billed = lines.filter(pl.col("status") == "billed")
    assert billed.height > 0
    assert all(minutes % 15 == 0 for minutes in billed["billed_minutes"])
