"""Issue 14, "done means": kill the transferring process (SIGKILL) right after EVERY ledger write
of a dxso and of an EXTF transfer, then recover with one command (``resume`` of the interrupted
transfer, or the same ``transfer`` again) and prove: no duplicates at DATEV, no lost items, no
transfer "Transferiert" without files.

Each kill point gets a fresh ledger and only looks at the DATEV jobs created since it started
(the sandbox clock moves on between points, so earlier jobs are processed); the transferring
process is a real subprocess talking to the sandbox over loopback.
"""

import datetime as dt
import subprocess
import sys
import textwrap

import polars as pl
import pytest
from receipts_fixture import receipt_records
from sending import transfer_bookings, transfer_records

from workbench.datev.extf import ExtfHeader
from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger

SCRIPT = textwrap.dedent("""
    import datetime as dt, os, signal, sys
    import polars as pl
    from pathlib import Path
    sys.path.insert(0, sys.argv[6])
    from receipts_fixture import receipt_records
    from workbench.config import sandbox_endpoints
    from workbench.datev.extf import ExtfHeader
    from workbench.transfer import jobs
    from workbench.transfer.auth import Session, login
    from workbench.transfer.client import DatevClient, RetryPolicy
    from workbench.transfer.ledger import Ledger
    from sending import transfer_bookings, transfer_records

    url, ledger_path, out_dir, channel, kill_after = sys.argv[1:6]
    kill_after, writes = int(kill_after), [0]
    for name in ("create", "update", "add_files", "mark_upload_started", "mark_uploaded",
                 "reset_uploads", "log"):
        real = getattr(Ledger, name)
        def counted(self, *args, _real=real, **kwargs):
            result = _real(self, *args, **kwargs)
            writes[0] += 1
            if writes[0] == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        setattr(Ledger, name, counted)
    endpoints = sandbox_endpoints(url)
    client = DatevClient(endpoints, client_id="workbench-sandbox",
                         retry=RetryPolicy(attempts=5, backoff=0.01))
    tokens = login(client, client_secret="sandbox-secret", authorize_url=endpoints["authorize"],
                   open_browser=client.approve_in_sandbox, offline=True)
    client.tokens = Session(client, client_secret="sandbox-secret", tokens=tokens)
    ledger = Ledger(Path(ledger_path))
    if channel == "dxso":
        transfer_records(ledger, client, client="455148-1", records=receipt_records(),
                         out_dir=Path(out_dir))
    else:
        from test_crash_points import HEADER, bookings
        transfer_bookings(ledger, client, client="455148-1", bookings=bookings(), header=HEADER,
                          out_dir=Path(out_dir), kind="pos")
    print(writes[0])
""")

HEADER = ExtfHeader(
    consultant_number=455148,
    client_number=1,
    fiscal_year_start=dt.date(2026, 1, 1),
    account_length=4,
)


def bookings():
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [119.0, 59.5, 238.0],
            "Soll/Haben-Kennzeichen": ["S", "S", "S"],
            "Konto": ["1200", "1200", "1200"],
            "Gegenkonto (ohne BU-Schlüssel)": ["8400", "8400", "8300"],
            "Belegdatum": [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)],
            "Belegfeld 1": ["RE-1", "RE-2", "RE-3"],
            "Buchungstext": ["Brot", "Kuchen", "Torte"],
            "item_id": ["I1", "I2", "I3"],
            "source_file": ["pos.csv"] * 3,
            "source_row": [2, 3, 4],
        }
    )


def _run(sandbox, tmp_path, channel, kill_after):
    here = str(__import__("pathlib").Path(__file__).parent)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            sandbox.url,
            str(tmp_path / "ledger.sqlite"),
            str(tmp_path / "out"),
            channel,
            str(kill_after),
            here,
        ],
        capture_output=True,
        timeout=180,
        cwd=here,
    )


def _last(sandbox, table):
    rows = sandbox.state.store.query(f"SELECT COALESCE(MAX(rowid), 0) AS last FROM {table}")
    return rows[0]["last"]


def _dxso_files(sandbox, since):
    """(job, name) for every file DATEV holds in a job created since ``since`` and not deleted."""
    return [
        (row["job_id"], row["name"])
        for row in sandbox.state.store.query(
            "SELECT f.job_id, f.name FROM dxso_files f JOIN dxso_jobs j ON j.id = f.job_id "
            "WHERE j.deleted = 0 AND j.rowid > ?",
            (since,),
        )
    ]


def _open_jobs(sandbox, since):
    return [
        row["id"]
        for row in sandbox.state.store.query(
            "SELECT id FROM dxso_jobs WHERE deleted = 0 AND finalized_at IS NULL AND rowid > ?",
            (since,),
        )
    ]


def _extf_jobs(sandbox, since):
    return [
        row["id"]
        for row in sandbox.state.store.query("SELECT id FROM extf_jobs WHERE rowid > ?", (since,))
    ]


def _recover(ledger, client, sandbox, tmp_path, channel):
    """One command: resume the interrupted transfer if there is one, else run again."""
    for transfer in ledger.transfers():  # invariant after every kill
        assert not (
            transfer.local_status == "Transferiert"
            and ledger.items(transfer.id)
            and not ledger.files(transfer.id)
        ), transfer
    interrupted = ledger.in_progress("455148-1")
    if interrupted:
        assert len(interrupted) == 1
        return [jobs.send_transfer(ledger, client, interrupted[0].id)]
    if channel == "dxso":
        return transfer_records(
            ledger, client, client="455148-1", records=receipt_records(), out_dir=tmp_path / "again"
        )
    return transfer_bookings(
        ledger,
        client,
        client="455148-1",
        bookings=bookings(),
        header=HEADER,
        out_dir=tmp_path / "again",
        kind="pos",
    )


def _kill_points(sandbox, tmp_path, channel):
    clean = _run(sandbox, tmp_path / "clean", channel, 0)
    assert clean.returncode == 0, clean.stderr.decode()
    total = int(clean.stdout.decode().split()[-1])
    assert total >= (10 if channel == "dxso" else 4)
    return total


@pytest.mark.parametrize("channel", ["dxso", "extf"])
def test_kill_after_every_ledger_write_then_one_command_recovers(
    sandbox, client, session, tmp_path, channel
):
    total = _kill_points(sandbox, tmp_path, channel)
    expected_items = {"dxso": ["RE-1-1", "RE-1-2", "RE-2-1", "RE-2-2", "RE-3-1", "RE-3-2"],
                      "extf": ["I1", "I2", "I3"]}[channel]  # fmt: skip
    for kill_after in range(1, total + 1):
        sandbox.state.clock.advance(60)  # earlier jobs of the group are processed
        since = _last(sandbox, "dxso_jobs" if channel == "dxso" else "extf_jobs")
        folder = tmp_path / f"kill{kill_after}"
        killed = _run(sandbox, folder, channel, kill_after)
        assert killed.returncode == -9, (kill_after, killed.stderr.decode()[-2000:])
        ledger = Ledger(folder / "ledger.sqlite")
        recovered = _recover(ledger, client, sandbox, folder, channel)
        done = [t for t in ledger.transfers() if t.local_status == "Transferiert"]
        where = (kill_after, [(t.local_status, t.error) for t in ledger.transfers()])
        assert len(done) == 1, where
        # after the last write the transfer was complete: the re-run finds nothing to do
        assert [t.id for t in recovered] in ([done[0].id], []), where
        assert sorted(i["item_id"] for i in ledger.items(done[0].id)) == expected_items
        assert ledger.files(done[0].id) and all(f["uploaded_at"] for f in ledger.files(done[0].id))
        assert ledger.in_progress("455148-1") == []
        if channel == "dxso":
            files = _dxso_files(sandbox, since)
            names = sorted(name for job, name in files if job == done[0].job_id)
            assert names == ["RE-1.xml", "RE-2.xml", "RE-3.xml", "document.xml"], where
            # nothing else left at DATEV: no second job with files, no open job
            assert {job for job, _ in files} == {done[0].job_id}, (where, files)
            assert _open_jobs(sandbox, since) == [], where
        else:
            assert _extf_jobs(sandbox, since) == [done[0].job_id], where
        ledger.close()
