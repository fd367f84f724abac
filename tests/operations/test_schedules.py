"""Schedules with a frozen clock against the sandbox (issue 18, "Done means"): a daily POS
schedule with day close 04:00 over 10 simulated days with one day of DATEV outage; test mode
sends nothing; go-live sends; a period is never sent twice."""

from __future__ import annotations

import datetime as dt

import pytest
from unattended import CLIENT, POS_MAPPING, extf_jobs, outage, write_day

from workbench.config import load_settings
from workbench.errors import ConfigError
from workbench.operations import ScheduleStore, go_live, new_schedule, run_due
from workbench.operations.periods import BERLIN

FIRST = dt.date(2026, 1, 5)


def at(day: dt.date, hour: int = 4, minute: int = 5) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def add(tmp_path, name="kasse", **options) -> None:
    schedule = new_schedule(
        name=name,
        client=CLIENT,
        kind="pos",
        sources=[str(tmp_path / "kasse" / "*.csv")],
        pos_mapping=POS_MAPPING,
        now=at(FIRST, 10),
        **options,
    )
    with ScheduleStore(load_settings().ledger_path) as store:
        store.add(schedule)


def test_pos_schedule_takes_period_and_day_close_from_the_mapping(tmp_path):
    add(tmp_path)
    with ScheduleStore(load_settings().ledger_path) as store:
        [schedule] = store.schedules()
    assert (schedule.every, schedule.at, schedule.first) == ("daily", dt.time(4), FIRST)
    assert schedule.mode == "test" and schedule.deliver == "transfer"
    assert schedule.sources == (str(tmp_path / "kasse" / "*.csv"),)


def test_ten_days_with_one_day_of_outage_make_exactly_ten_transfers(tmp_path, datev):
    add(tmp_path)
    go_live("kasse", now=at(FIRST, 10))
    days = [FIRST + dt.timedelta(days=offset) for offset in range(10)]
    outage_morning = days[4] + dt.timedelta(days=1)
    periods_run = {}
    for day in days:
        write_day(tmp_path / "kasse", day)  # the export of the day, written in the evening
        morning = day + dt.timedelta(days=1)
        outage(datev, morning == outage_morning)
        try:
            due = run_due(now=at(morning))
        finally:
            outage(datev, False)
        periods_run[morning] = [(o.period.key, o.status) for o in due.outcomes]
    # The outage morning's period failed and was caught up (first) the next morning.
    assert periods_run[outage_morning] == [(days[4].isoformat(), "failed")]
    assert periods_run[outage_morning + dt.timedelta(days=1)] == [
        (days[4].isoformat(), "done"),
        (days[5].isoformat(), "done"),
    ]
    # DATEV's side: exactly ten EXTF files, one per business day, none twice.
    jobs = extf_jobs(datev)
    assert len(jobs) == 10
    assert [job["days"] for job in jobs] == [[day] for day in days]
    # Another run-due later sends nothing, and the ledger has one run per period done.
    assert run_due(now=at(days[-1] + dt.timedelta(days=1), 12)).outcomes == []
    assert len(extf_jobs(datev)) == 10
    with ScheduleStore(load_settings().ledger_path) as store:
        runs = store.runs()
    assert sorted(run.period for run in runs if run.status == "done") == [
        day.isoformat() for day in days
    ]
    failed = [run for run in runs if run.status == "failed"]
    assert [run.period for run in failed] == [days[4].isoformat()]
    assert "503" in (failed[0].error or "")  # what DATEV answered is kept with the run


def test_test_mode_sends_nothing_and_go_live_sends(tmp_path, datev):
    add(tmp_path)
    for offset in range(3):
        write_day(tmp_path / "kasse", FIRST + dt.timedelta(days=offset))
    due = run_due(now=at(FIRST + dt.timedelta(days=3), 10))
    assert [o.status for o in due.outcomes] == ["done"] * 3
    assert extf_jobs(datev) == []  # nothing reached DATEV
    home = load_settings().home
    folder = home / "test" / "kasse" / "2026-01-05"
    [extf] = folder.glob("EXTF_*.csv")
    assert "Testdatei" in (folder / "bericht.html").read_text(encoding="utf-8")
    assert (folder / "TESTDATEI.txt").is_file()
    from workbench.datev.extf import read_extf

    assert read_extf(extf).header.label.startswith("Testdatei")
    from workbench.pipeline.connection import connect

    with connect() as connection:
        assert connection.ledger.transfers(client=CLIENT) == []  # nothing marked transferred
    # Go-live on the 8th: the 8th is the first period sent; test runs do not count as sent.
    go_live("kasse", now=at(FIRST + dt.timedelta(days=3), 10))
    write_day(tmp_path / "kasse", FIRST + dt.timedelta(days=3))
    due = run_due(now=at(FIRST + dt.timedelta(days=4)))
    assert [(o.period.key, o.mode, o.status) for o in due.outcomes] == [
        ("2026-01-08", "live", "done")
    ]
    [job] = extf_jobs(datev)
    assert job["days"] == [FIRST + dt.timedelta(days=3)]
    assert not job["label"].startswith("Testdatei")


def test_a_missing_export_is_retried_not_skipped(tmp_path, datev):
    add(tmp_path)
    go_live("kasse", now=at(FIRST, 10))
    due = run_due(now=at(FIRST + dt.timedelta(days=1)))
    [failed] = due.outcomes
    assert failed.status == "failed" and "keine Quelldatei" in failed.error
    write_day(tmp_path / "kasse", FIRST)
    due = run_due(now=at(FIRST + dt.timedelta(days=1), 5))
    assert [(o.period.key, o.status) for o in due.outcomes] == [("2026-01-05", "done")]
    assert len(extf_jobs(datev)) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": "hourly"}, "--every"),
        ({"deliver": "fax"}, "--deliver"),
        ({"deliver": "email"}, "--mail-to"),
        ({"at": "4 Uhr"}, "HH:MM"),
        ({"first_month": "Januar"}, "JJJJ-MM"),
    ],
)
def test_bad_schedules_are_refused_with_one_german_line(tmp_path, options, message):
    with pytest.raises(ConfigError, match=message):
        add(tmp_path, **options)


def test_receipts_are_scheduled_per_booking_month_only(tmp_path):
    with pytest.raises(ConfigError, match="Buchungsmonat"):
        new_schedule(
            name="belege", client=CLIENT, kind="receipts", sources=["*.csv"], every="daily"
        )
    with ScheduleStore(load_settings().ledger_path) as store:
        store.add(new_schedule(name="belege", client=CLIENT, kind="receipts", sources=["*.csv"]))
        with pytest.raises(ConfigError, match="gibt es schon"):
            store.add(new_schedule(name="belege", client=CLIENT, kind="receipts", sources=["x"]))
        store.remove("belege")
        store.add(new_schedule(name="belege", client=CLIENT, kind="receipts", sources=["x"]))
        assert [s.sources for s in store.schedules()] == [(str(tmp_path.cwd() / "x"),)]


def test_a_transfer_interrupted_in_a_period_is_resumed_and_said_by_the_next_run(
    tmp_path, datev, monkeypatch
):
    """Tour 29 #2: run-due killed after the day's transfer was registered; the next run-due
    finished it silently ("Übertragungen 0"). As backfill: "fortgesetzt: Übertragung ID"."""
    from workbench.transfer import jobs

    add(tmp_path)
    go_live("kasse", now=at(FIRST, 10))
    write_day(tmp_path / "kasse", FIRST)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies right after registering the transfer

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "send_transfer", killed)
        with pytest.raises(KeyboardInterrupt):
            run_due(now=at(FIRST + dt.timedelta(days=1)))
    assert extf_jobs(datev) == []
    [day] = run_due(now=at(FIRST + dt.timedelta(days=1), 5)).outcomes
    assert (day.period.key, day.status) == (FIRST.isoformat(), "done"), day
    [resumed] = day.transfers
    assert f"fortgesetzt: Übertragung {resumed}" in (day.error or ""), day
    assert len(extf_jobs(datev)) == 1  # sent once, by the resume
