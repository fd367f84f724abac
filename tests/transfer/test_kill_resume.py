"""Kill the transferring process (SIGKILL) at each step; the next run resumes without duplicates."""

import subprocess
import sys
import textwrap

import pytest

from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger
from workbench.transfer.status import refresh_status

SCRIPT = textwrap.dedent("""
    import datetime as dt, os, signal, sys
    import polars as pl
    from pathlib import Path
    from workbench.config import sandbox_endpoints
    from workbench.pipeline.package import package_records
    from workbench.pipeline.send import send_uploads
    from workbench.transfer import jobs
    from workbench.transfer.auth import Session, login
    from workbench.transfer.client import DatevClient
    from workbench.transfer.ledger import Ledger

    url, ledger_path, out_dir, step, month = sys.argv[1:6]
    endpoints = sandbox_endpoints(url)
    client = DatevClient(endpoints, client_id="workbench-sandbox")
    tokens = login(client, client_secret="sandbox-secret", authorize_url=endpoints["authorize"],
                   open_browser=client.approve_in_sandbox)
    client.tokens = Session(client, client_secret="sandbox-secret", tokens=tokens)
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)
    if step == "after_create":
        jobs._upload_missing = lambda *a, **k: die()
    elif step == "mid_upload":
        real, seen = client.upload_dxso_file, []
        def upload(*args, **kwargs):
            real(*args, **kwargs)
            seen.append(1)
            if len(seen) == 2:
                die()
        client.upload_dxso_file = upload
    elif step == "after_finalise":
        real_finalize = client.finalize_dxso_job
        def finalize(*args, **kwargs):
            real_finalize(*args, **kwargs)
            die()
        client.finalize_dxso_job = finalize
    rows = [{"document_id": f"K{n}", "document_kind": "Rechnungsausgang", "accounting_month": month,
             "date": dt.date(int(month[:4]), int(month[5:]), n), "amount": 10.0 * n,
             "accountNo": "8400", "tax": 19.0, "currencyCode": "EUR", "invoiceId": f"K{n}",
             "bookingText": "Test", "customerName": "Kunde", "customerCity": "Köln",
             "item_id": f"K{n}-1", "source_file": "k.csv", "source_row": n + 1}
            for n in range(1, 4)]
    ledger = Ledger(Path(ledger_path))
    uploads = package_records(pl.DataFrame(rows), client="455148-1", out_dir=Path(out_dir),
                              ledger=ledger)
    send_uploads(ledger, client, uploads, client="455148-1", kind="receipts")
""")


@pytest.mark.parametrize(
    ("step", "month"),
    [("after_create", "2026-07"), ("mid_upload", "2026-08"), ("after_finalise", "2026-09")],
)
def test_killed_transfer_resumes_without_duplicate_uploads(
    sandbox, client, session, tmp_path, step, month
):
    ledger_path = tmp_path / "ledger.sqlite"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            sandbox.url,
            str(ledger_path),
            str(tmp_path / "out"),
            step,
            month,
        ],
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    ledger = Ledger(ledger_path)
    [interrupted] = ledger.in_progress("455148-1")
    resumed = jobs.send_dxso(ledger, client, interrupted.id)
    assert resumed.local_status == "Transferiert"
    with sandbox.state.store.transaction() as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM dxso_files WHERE job_id = ?", (resumed.job_id,)
            )
        ]
    assert sorted(names) == ["K1.xml", "K2.xml", "K3.xml", "document.xml"]
    sandbox.state.clock.advance(60)
    assert refresh_status(ledger, client, resumed.id, confirm=True).datev_status == "2"
    assert [item["item_id"] for item in ledger.items(resumed.id)] == ["K1-1", "K2-1", "K3-1"]


CLI_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from workbench.transfer.client import DatevClient

    real, seen = DatevClient.upload_dxso_file, []

    def upload(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(1)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    DatevClient.upload_dxso_file = upload
    from workbench.cli import app

    app(["transfer", "receipts", sys.argv[1], "--client", "455148-1", "--yes"])
""")


def test_a_transfer_killed_by_sigkill_is_called_interrupted_and_offered_for_resuming():
    """Tour 27, defect 8: after ``kill -9`` nothing runs; the next transfer says the transfer
    was interrupted (not "läuft bereits"), names the commands, and offers to resume it."""
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from workbench.cli import app

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    kasse = str(samples / "receipts_juston_kasse.csv")  # three months: three transfers
    killed = subprocess.run(
        [sys.executable, "-c", CLI_SCRIPT, kasse], capture_output=True, timeout=300
    )
    assert killed.returncode == -9, killed.stderr.decode()
    runner = CliRunner()
    [interrupted] = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert interrupted["local_status"] == "In Übertragung"
    identifier = interrupted["id"]

    refused = runner.invoke(app, ["transfer", "receipts", kasse, "--client", "455148-1", "--yes"])
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 3, said
    assert "läuft bereits" not in said
    assert f"Die Übertragung {identifier}" in said and "wurde unterbrochen" in said
    assert f"'workbench resume {identifier}'" in said
    assert f"'workbench delete {identifier}'" in said

    offered = runner.invoke(
        app, ["transfer", "receipts", kasse, "--client", "455148-1"], input="j\nj\n"
    )
    said = " ".join((offered.stdout + offered.stderr).split())
    assert "fortsetzen?" in said, said
    rows = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert {row["local_status"] for row in rows} == {"Transferiert"}, rows
    assert [row["month"] for row in rows] == ["2026-01", "2026-02", "2026-03"]
    assert next(row for row in rows if row["id"] == identifier)["month"] == "2026-01"
