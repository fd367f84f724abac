"""``workbench check`` takes the client settings from a cache of the last fetch for at most a
day, says so (German, with the time of the fetch), fetches anew with ``--refresh`` or when the
cache is older, from another DATEV or broken; a transfer always fetches and re-checks.

DATEV is the sandbox (a real server on loopback); "DATEV changes the settings" is the sandbox's
seed changing under it: the Sachkontenlänge of 455148-1 goes from 4 to 5 digits.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.clients import cache_path
from workbench.config import load_settings
from workbench.german import BERLIN
from workbench.pipeline.connection import SETTINGS_MAX_AGE, connect
from workbench.sandbox import start_sandbox
from workbench.sandbox.seed import Seed

RECEIPTS = Path(__file__).resolve().parents[1] / "data" / "samples" / "receipts_canonical.csv"
CLIENT = "455148-1"
runner = CliRunner()


@pytest.fixture
def sandbox(monkeypatch):
    with start_sandbox() as running:
        monkeypatch.setenv("WORKBENCH_SANDBOX_URL", running.url)
        yield running


def change_account_length(sandbox, length: int) -> None:
    """DATEV's Sachkontenlänge of the client changes (what a Kanzlei may do any day)."""
    data = copy.deepcopy(sandbox.state.seed_data)
    for client in data["accounting_clients"]:
        if client["id"] == CLIENT:
            client["account_length"] = length
    sandbox.state.seed_data = data
    sandbox.state.seed = Seed(data)


def check(*options: str) -> tuple[list[dict], str]:
    """The findings (JSON) and the line that says which settings were used."""
    result = runner.invoke(
        app, ["check", "receipts", str(RECEIPTS), "--client", CLIENT, "--format", "json", *options]
    )
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout), result.stderr


def lengths(findings: list[dict]) -> set[str]:
    """What the findings expect of a Sachkonto's length (the settings they were made with)."""
    return {f["expected"] for f in findings if f["rule"] == "account.length_mismatch"}


def test_a_repeated_check_uses_the_cached_settings_and_says_from_when(sandbox):
    first, said = check()
    assert "Mandanteneinstellungen von DATEV, abgerufen am" in said
    assert "Zwischenspeicher" not in said
    change_account_length(sandbox, 5)
    again, said = check()
    assert again == first  # the settings of the first fetch, not DATEV's new ones
    assert "Mandanteneinstellungen aus dem Zwischenspeicher, von DATEV abgerufen am" in said
    assert "--refresh" in said
    fetched_at = json.loads(cache_path(CLIENT, home=load_settings().home).read_text())
    moment = datetime.fromisoformat(fetched_at["fetched_at"]).astimezone(BERLIN)
    assert f"am {moment:%d.%m.%Y} um {moment:%H:%M} Uhr" in said  # the fetch, German time


def test_refresh_fetches_the_changed_settings(sandbox):
    before, _ = check()
    change_account_length(sandbox, 5)
    refreshed, said = check("--refresh")
    assert "abgerufen am" in said and "Zwischenspeicher" not in said
    assert lengths(refreshed) != lengths(before)
    # the refreshed settings are the cache now
    assert check()[0] == refreshed


def test_settings_older_than_a_day_are_fetched_again(sandbox):
    before, _ = check()
    path = cache_path(CLIENT, home=load_settings().home)
    record = json.loads(path.read_text(encoding="utf-8"))
    old = datetime.now(UTC) - SETTINGS_MAX_AGE - timedelta(minutes=1)
    record["fetched_at"] = old.isoformat()
    path.write_text(json.dumps(record), encoding="utf-8")
    change_account_length(sandbox, 5)
    after, said = check()
    assert "Zwischenspeicher" not in said
    assert lengths(after) != lengths(before)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda record: {**record, "origin": "production https://datev.example"},  # other DATEV
        lambda record: {**record, "fetched_at": "gestern"},  # broken
        lambda record: {
            **record,
            "fetched_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        },  # from the future: the clock was wrong
    ],
)
def test_a_cache_of_another_datev_or_a_broken_one_is_fetched_again(sandbox, spoil):
    before, _ = check()
    path = cache_path(CLIENT, home=load_settings().home)
    path.write_text(json.dumps(spoil(json.loads(path.read_text(encoding="utf-8")))))
    change_account_length(sandbox, 5)
    after, said = check()
    assert "Zwischenspeicher" not in said
    assert lengths(after) != lengths(before)


def test_a_transfer_fetches_fresh_settings_and_checks_against_them(sandbox):
    before, _ = check()  # the cache is young
    change_account_length(sandbox, 5)
    with connect(settings_max_age=None) as connection:  # what transfer, map and the app use
        assert connection.client_settings(CLIENT).account_length == 5
        assert connection.settings_origin(CLIENT).cached is False
    change_account_length(sandbox, 6)
    cancelled = runner.invoke(
        app, ["transfer", "receipts", str(RECEIPTS), "--client", CLIENT], input="n\n"
    )
    assert cancelled.exit_code == 4, cancelled.output  # checked, then asked, then cancelled
    # the transfer's fresh fetch renewed the cache: the next check has DATEV's new settings
    after, said = check()
    assert "Zwischenspeicher" in said
    assert lengths(after) == lengths(check("--refresh")[0]) != lengths(before)


def test_a_cached_check_starts_no_sandbox(monkeypatch):
    """Without WORKBENCH_SANDBOX_URL the check starts the embedded sandbox only to fetch."""
    first, said = check()
    assert "abgerufen am" in said

    def refuse(**_kwargs):
        raise AssertionError("the embedded sandbox was started")

    monkeypatch.setattr("workbench.sandbox.start_sandbox", refuse)
    again, said = check()
    assert again == first
    assert "Zwischenspeicher" in said
