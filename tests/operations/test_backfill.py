"""Historical backfill against the sandbox (issue 18, "Done means"): 12 months run twice → the
second run sends nothing; killed in month 6 → the next run resumes at month 6; ``--mode all``
re-sends only after the re-transfer confirmation."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest
from unattended import CLIENT, POS_MAPPING, extf_jobs, write_day

from workbench.config import load_settings
from workbench.operations import backfill
from workbench.operations.backfill import BackfillCancelled

MONTHS = [f"2025-{month:02d}" for month in range(1, 13)]


def exports(folder) -> None:
    """Three business days in every month of 2025."""
    for month in range(1, 13):
        for day in (3, 14, 27):
            write_day(folder, dt.date(2025, month, day), food=f"{100 + month},{day:02d}")


def months_at_datev(sandbox) -> list[str]:
    return [f"{job['days'][0]:%Y-%m}" for job in extf_jobs(sandbox)]


def run_backfill(tmp_path, **options):
    return backfill(
        client=CLIENT,
        kind="pos",
        sources=[str(tmp_path / "kasse" / "*.csv")],
        first="2025-01",
        last="2025-12",
        pos_mapping=POS_MAPPING,
        **options,
    )


def test_twelve_months_twice_the_second_run_sends_nothing(tmp_path, datev):
    exports(tmp_path / "kasse")
    first = run_backfill(tmp_path)
    assert [(o.period.key, o.status) for o in first.outcomes] == [(m, "done") for m in MONTHS]
    assert months_at_datev(datev) == MONTHS  # one transfer per month, oldest first
    assert all(len(o.transfers) == 1 for o in first.outcomes)
    second = run_backfill(tmp_path)
    assert [o.status for o in second.outcomes] == ["skipped"] * 12
    assert months_at_datev(datev) == MONTHS  # nothing sent again


def test_mode_all_sends_again_only_when_confirmed(tmp_path, datev):
    exports(tmp_path / "kasse")
    backfill(
        client=CLIENT,
        kind="pos",
        sources=[str(tmp_path / "kasse" / "*.csv")],
        first="2025-03",
        last="2025-04",
        pos_mapping=POS_MAPPING,
    )
    asked = []
    with pytest.raises(BackfillCancelled):
        backfill(
            client=CLIENT,
            kind="pos",
            sources=[str(tmp_path / "kasse" / "*.csv")],
            first="2025-03",
            last="2025-04",
            mode="all",
            pos_mapping=POS_MAPPING,
            confirm=lambda months: asked.append(months) or False,
        )
    assert asked == [["2025-03", "2025-04"]]
    assert months_at_datev(datev) == ["2025-03", "2025-04"]
    again = backfill(
        client=CLIENT,
        kind="pos",
        sources=[str(tmp_path / "kasse" / "*.csv")],
        first="2025-03",
        last="2025-04",
        mode="all",
        pos_mapping=POS_MAPPING,
        confirm=lambda months: True,
    )
    assert [o.status for o in again.outcomes] == ["done", "done"], [o.error for o in again.outcomes]
    assert months_at_datev(datev) == ["2025-03", "2025-04", "2025-03", "2025-04"]


def _running_period(ledger_path) -> str | None:
    if not ledger_path.exists():
        return None
    try:
        with sqlite3.connect(ledger_path, timeout=1) as db:
            row = db.execute(
                "SELECT period FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.OperationalError:  # the table is not there yet
        return None
    return row[0] if row else None


def test_killed_in_month_six_resumes_at_month_six(tmp_path, datev):
    exports(tmp_path / "kasse")
    # Every DATEV request takes a while, so month 6 is still under way when it is killed.
    httpx.post(f"{datev.url}/_sandbox/faults", json={"latency": 0.3}).raise_for_status()
    command = [
        sys.executable, "-m", "workbench", "backfill", "--client", CLIENT, "--kind", "pos",
        "--source", str(tmp_path / "kasse" / "*.csv"), "--from", "2025-01", "--to", "2025-12",
        "--pos-mapping", str(POS_MAPPING),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    ledger_path = load_settings().ledger_path
    deadline = time.monotonic() + 300
    try:
        while _running_period(ledger_path) != "2025-06":
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "month 6 never started"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        process.stderr.close()
    httpx.post(f"{datev.url}/_sandbox/faults", json={"clear": True}).raise_for_status()
    before = months_at_datev(datev)
    assert before[:5] == MONTHS[:5] and len(before) <= 6  # killed within month 6

    resumed = run_backfill(tmp_path)
    statuses = [o.status for o in resumed.outcomes]
    assert statuses[:5] == ["skipped"] * 5  # months 1-5 are not touched again
    assert statuses[6:] == ["done"] * 6
    # Month 6 runs again, unless its file had reached DATEV just before the kill.
    assert statuses[5] == ("skipped" if len(before) == 6 else "done")
    assert months_at_datev(datev) == MONTHS  # every month exactly once
    from workbench.operations import ScheduleStore

    with ScheduleStore(ledger_path) as store:
        june = [run.status for run in store.runs() if run.period == "2025-06"]
    assert june[0] == "interrupted"


def test_a_month_that_sent_nothing_is_sent_once_its_rows_are_fixed(tmp_path, datev):
    """Tour 28 #23: every row of January blocked, nothing sent; after the source is fixed, the
    next backfill skipped January as "bereits übertragen" and never sent it."""
    folder = tmp_path / "kasse"
    day = write_day(folder, dt.date(2025, 1, 3))
    good = day.read_text(encoding="utf-8")
    day.write_text(good.replace("03.01.2025", "3l.01.2025"), encoding="utf-8")  # no date
    options = {"first": "2025-01", "last": "2025-01"}
    broken = backfill(client=CLIENT, kind="pos", sources=[str(folder / "*.csv")],
                      pos_mapping=POS_MAPPING, **options)  # fmt: skip
    assert [o.transfers for o in broken.outcomes] == [()] and broken.outcomes[0].blocked
    day.write_text(good, encoding="utf-8")
    fixed = backfill(client=CLIENT, kind="pos", sources=[str(folder / "*.csv")],
                     pos_mapping=POS_MAPPING, **options)  # fmt: skip
    assert [(o.status, len(o.transfers)) for o in fixed.outcomes] == [("done", 1)]
    assert months_at_datev(datev) == ["2025-01"]


def test_a_transfer_interrupted_in_a_month_is_resumed_by_the_next_backfill(
    tmp_path, datev, monkeypatch
):
    """Tour 28 #23, second part: a backfill killed after January's transfer was registered
    left it "Vorbereitet zur Übertragung"; the next backfill listed January as "bereits
    übertragen" and nothing ever sent it (unless a later month's transfer happened to)."""
    from workbench.transfer import jobs

    exports(tmp_path / "kasse")
    options = {"first": "2025-01", "last": "2025-01"}
    sources = [str(tmp_path / "kasse" / "*.csv")]

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies right after registering the transfer

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "send_transfer", killed)
        with pytest.raises(KeyboardInterrupt):
            backfill(client=CLIENT, kind="pos", sources=sources, pos_mapping=POS_MAPPING,
                     **options)  # fmt: skip
    assert months_at_datev(datev) == []
    again = backfill(client=CLIENT, kind="pos", sources=sources, pos_mapping=POS_MAPPING,
                     **options)  # fmt: skip
    [january] = again.outcomes
    assert (january.status, len(january.transfers)) == ("done", 1), january
    assert "fortgesetzt" in (january.error or "")
    assert months_at_datev(datev) == ["2025-01"]  # sent once, by the resume
