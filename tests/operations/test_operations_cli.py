"""The operations commands through the CLI (real clock), ``schedule serve`` on APScheduler,
delivery by e-mail over real SMTP, and two ``run-due`` at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading

import httpx
import pytest
from typer.testing import CliRunner
from unattended import CLIENT, POS_MAPPING, SAMPLES, extf_jobs, start_test_smtp, write_day

from workbench.cli import app
from workbench.config import load_settings
from workbench.datev.extf import read_extf
from workbench.operations import ScheduleStore, new_schedule, run_due
from workbench.operations.periods import BERLIN

runner = CliRunner()
TODAY = dt.date.today()
#: The month before last: due for a monthly schedule whatever day it is today.
EARLIER = (TODAY.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
LAST = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def invoke(*args, **kwargs):
    return runner.invoke(app, [str(arg) for arg in args], **kwargs)


def exports(folder) -> None:
    for month in (EARLIER, LAST):
        for day in (2, 16):
            write_day(folder, month.replace(day=day))


def test_schedule_add_list_run_due_go_live_remove(tmp_path, datev):
    exports(tmp_path / "kasse")
    added = invoke(
        "schedule", "add", "kasse", "--client", CLIENT, "--kind", "pos",
        "--source", tmp_path / "kasse" / "*.csv", "--pos-mapping", POS_MAPPING,
        "--every", "monthly", "--from", f"{EARLIER:%Y-%m}",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "Testmodus" in added.stdout
    listed = json.loads(invoke("schedule", "list", "--format", "json").stdout)
    assert [(s["name"], s["mode"], s["every"], s["at"]) for s in listed] == [
        ("kasse", "test", "monthly", "04:00")
    ]
    due = invoke("schedule", "run-due")
    assert due.exit_code == 0, due.stderr
    assert due.stdout.count("erledigt") == 2 and "Test" in due.stdout
    assert extf_jobs(datev) == []  # test mode: DATEV got nothing
    tests = load_settings().home / "test" / "kasse"
    assert sorted(p.name for p in tests.iterdir()) == [f"{EARLIER:%Y-%m}", f"{LAST:%Y-%m}"]
    assert "Nichts fällig" in invoke("schedule", "run-due").stdout  # never twice
    live = invoke("schedule", "go-live", "kasse")
    assert live.exit_code == 0 and "backfill" in live.stdout
    listed = json.loads(invoke("schedule", "list", "--format", "json").stdout)
    assert listed[0]["mode"] == "live" and listed[0]["live_from"] == f"{TODAY:%Y-%m}-01"
    assert invoke("schedule", "remove", "kasse").exit_code == 0
    assert invoke("schedule", "list").stdout.startswith("Noch keine")
    gone = invoke("schedule", "go-live", "kasse")
    assert gone.exit_code == 3 and "gibt es nicht" in gone.stderr


def test_bad_schedule_options_exit_3_with_one_line(tmp_path):
    result = invoke(
        "schedule", "add", "x", "--client", "455148", "--kind", "pos", "--source", "*.csv"
    )
    assert result.exit_code == 3
    assert "Beraternummer-Mandantennummer" in result.stderr
    assert "Traceback" not in result.stderr


def test_backfill_cli_summary_and_declined_retransfer_exits_4(tmp_path, datev):
    exports(tmp_path / "kasse")
    args = (
        "backfill", "--client", CLIENT, "--kind", "pos", "--source", tmp_path / "kasse" / "*.csv",
        "--from", f"{EARLIER:%Y-%m}", "--to", f"{LAST:%Y-%m}", "--pos-mapping", POS_MAPPING,
    )  # fmt: skip
    first = invoke(*args)
    assert first.exit_code == 0, first.stderr
    assert "2 Übertragung(en) gesendet" in first.stdout
    assert len(extf_jobs(datev)) == 2
    declined = invoke(*args, "--mode", "all", input="n\n")
    assert declined.exit_code == 4
    assert "erneut" in declined.stderr
    assert len(extf_jobs(datev)) == 2


def test_map_transfer_and_report_with_test(tmp_path, datev):
    pos = SAMPLES / "pos_lightspeed.csv"
    common = ("--client", CLIENT, "--pos-mapping", POS_MAPPING)
    mapped = invoke("map", "pos", pos, *common, "--to", "extf", "--test")
    assert mapped.exit_code in (0, 1, 2), mapped.stderr
    folder = load_settings().home / "test" / f"map_{CLIENT}"
    files = sorted(folder.glob("EXTF_*.csv"))
    assert files and all(read_extf(f).header.label.startswith("Testdatei") for f in files)
    assert (folder / "TESTDATEI.txt").is_file()
    transferred = invoke("transfer", "pos", pos, *common, "--test")
    assert "nichts an DATEV übertragen" in transferred.stdout, transferred.stderr
    assert extf_jobs(datev) == []
    from workbench.pipeline.connection import connect

    with connect() as connection:
        assert connection.ledger.transfers() == []
    out = tmp_path / "bericht.html"
    report = invoke(
        "report", "--client", CLIENT, "--period", "2026-01", "--source",
        f"pos={pos}:lightspeed", "--pos-mapping", POS_MAPPING, "--transfer", "--test",
        "--out", out,
    )  # fmt: skip
    assert report.exit_code in (0, 1, 2), report.stderr
    page = out.read_text(encoding="utf-8")
    assert "Testdatei" in page and "nichts wurde an DATEV übertragen" in page
    assert extf_jobs(datev) == []


def test_email_delivery_sends_the_extf_file_as_attachment(tmp_path, datev, monkeypatch):
    smtp = start_test_smtp(tmp_path / "smtp", monkeypatch)
    try:
        write_day(tmp_path / "kasse", dt.date(2026, 1, 5))
        schedule = new_schedule(
            name="kasse-mail", client=CLIENT, kind="pos", deliver="email",
            mail_to="inhaber@restaurant.example", sources=[str(tmp_path / "kasse" / "*.csv")],
            pos_mapping=POS_MAPPING, now=dt.datetime(2026, 1, 5, 10, tzinfo=BERLIN),
        )  # fmt: skip
        with ScheduleStore(load_settings().ledger_path) as store:
            store.add(schedule)
            store.go_live("kasse-mail", live_from=dt.date(2026, 1, 5))
        due = run_due(now=dt.datetime(2026, 1, 6, 4, 5, tzinfo=BERLIN))
        [outcome] = due.outcomes
        assert outcome.status == "done", outcome.error
        assert outcome.mailed_to == "inhaber@restaurant.example"
        [message] = smtp.inbox.messages
        assert message["To"] == "inhaber@restaurant.example"
        assert "05.01.2026" in message["Subject"]
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename().startswith("EXTF_")
        extf = read_extf(attachment.get_payload(decode=True))  # the bytes as written (cp1252)
        assert not extf.header.label.startswith("Testdatei")
        assert extf_jobs(datev) == []  # e-mail, not DATEV's API
        assert run_due(now=dt.datetime(2026, 1, 6, 12, tzinfo=BERLIN)).outcomes == []
        assert len(smtp.inbox.messages) == 1  # never twice
    finally:
        smtp.stop()


def test_two_run_due_at_once_send_each_period_once(tmp_path, datev):
    exports(tmp_path / "kasse")
    schedule = new_schedule(
        name="kasse", client=CLIENT, kind="pos", every="monthly",
        sources=[str(tmp_path / "kasse" / "*.csv")], pos_mapping=POS_MAPPING,
        first_month=f"{EARLIER:%Y-%m}",
    )  # fmt: skip
    with ScheduleStore(load_settings().ledger_path) as store:
        store.add(schedule)
        store.go_live("kasse", live_from=EARLIER)
    httpx.post(f"{datev.url}/_sandbox/faults", json={"latency": 0.2}).raise_for_status()
    command = [sys.executable, "-m", "workbench", "schedule", "run-due"]
    both = [
        subprocess.Popen(
            command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    months = [f"{job['days'][0]:%Y-%m}" for job in extf_jobs(datev)]
    assert months == [f"{EARLIER:%Y-%m}", f"{LAST:%Y-%m}"]  # each period once, oldest first
    text = "".join(out.decode() + err.decode() for out, err in outputs)
    assert "läuft bereits" in text or "Nichts fällig" in text


def test_serve_runs_the_same_code_on_apscheduler(tmp_path, datev):
    from apscheduler.schedulers.background import BackgroundScheduler

    from workbench.operations.serve import CATCH_UP_MINUTES, build_scheduler

    exports(tmp_path / "kasse")
    schedule = new_schedule(
        name="kasse", client=CLIENT, kind="pos", every="monthly", at="05:30",
        sources=[str(tmp_path / "kasse" / "*.csv")], pos_mapping=POS_MAPPING,
        first_month=f"{LAST:%Y-%m}",
    )  # fmt: skip
    with ScheduleStore(load_settings().ledger_path) as store:
        store.add(schedule)
    ran = threading.Event()
    seen = []

    def on_run(due) -> None:
        seen.append(due)
        ran.set()

    now = dt.datetime(2026, 1, 6, 12, tzinfo=BERLIN)
    scheduler = build_scheduler(
        load_settings(), on_run=on_run, scheduler=BackgroundScheduler(), now=now
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"tagesabschluss-0530", "nachholen"}
    close = jobs["tagesabschluss-0530"].trigger.get_next_fire_time(None, now)
    assert close == dt.datetime(2026, 1, 7, 5, 30, tzinfo=BERLIN)
    catch_up = jobs["nachholen"].trigger.get_next_fire_time(now, now)
    assert catch_up - now == dt.timedelta(minutes=CATCH_UP_MINUTES)
    scheduler.start()
    try:
        assert ran.wait(timeout=120), "the start-up tick did not run"
    finally:
        scheduler.shutdown(wait=True)
    [outcome] = seen[0].outcomes
    assert (outcome.period.key, outcome.status, outcome.mode) == (f"{LAST:%Y-%m}", "done", "test")


@pytest.mark.parametrize("args", [("schedule",), ("schedule", "run-due", "--help")])
def test_help(args):
    assert invoke(*args).exit_code in (0, 2)


def test_backfill_with_blocked_rows_names_them_and_exits_2(tmp_path, datev):
    """Tour 28 #1: rows blocked by an error are left out of the month's transfer; the backfill
    says which (as ``transfer`` does) and exits 2 (errors found), not 0."""
    (tmp_path / "kasse").mkdir()
    (tmp_path / "kasse" / "pos.csv").write_bytes((SAMPLES / "pos_lightspeed.csv").read_bytes())
    result = invoke(
        "backfill", "--client", CLIENT, "--kind", "pos", "--source", tmp_path / "kasse" / "*.csv",
        "--from", "2026-01", "--to", "2026-01", "--pos-mapping", POS_MAPPING, "--yes",
    )  # fmt: skip
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "1 Übertragung(en) gesendet" in result.stdout
    assert "Nicht übernommen – Januar 2026 (6)" in result.stdout
    assert "31.02.2026" in result.stdout and "pos.unbalanced" in result.stdout


def test_schedules_and_their_test_report_speak_german(tmp_path, datev):
    """Tour 28 #5: "monthly um 04:00", "daily 04:00", Schwere "error", Quellart "pos"."""
    (tmp_path / "kasse").mkdir()
    (tmp_path / "kasse" / "pos.csv").write_bytes((SAMPLES / "pos_lightspeed.csv").read_bytes())
    added = invoke(
        "schedule", "add", "kasse", "--client", CLIENT, "--kind", "pos",
        "--source", tmp_path / "kasse" / "*.csv", "--pos-mapping", POS_MAPPING,
        "--every", "monthly", "--from", "2026-01",
    )  # fmt: skip
    assert "monatlich um 04:00" in added.stdout, added.stdout
    assert "monatlich 04:00" in invoke("schedule", "list").stdout
    assert invoke("schedule", "run-due").exit_code == 2  # the sample has errors
    report = (load_settings().home / "test" / "kasse" / "2026-01" / "bericht.html").read_text(
        encoding="utf-8"
    )
    assert "<td>Fehler</td>" in report and "<td>error</td>" not in report
    assert "Kassenumsätze" in report and "<td>pos</td>" not in report
    assert "Wert nicht lesbar (field.unparseable)" in report
