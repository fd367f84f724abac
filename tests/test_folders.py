"""Checks never write to DATEV: folder names (Rechnungsordner, Kassenbücher) come from the
settings file, from a per-client cache that transfers fill (they create a job anyway), or from
the user's favourite; unknown folders are an ``info``, not one error per row.

A sandbox with the control endpoint stands in for DATEV: ``GET /_sandbox/jobs`` shows every
job any command created.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.config import sandbox_endpoints
from workbench.sandbox import start_sandbox
from workbench.transfer.auth import Session, login
from workbench.transfer.client import DatevClient

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture
def sandbox(monkeypatch):
    with start_sandbox(control=True) as running:
        monkeypatch.setenv("WORKBENCH_SANDBOX_URL", running.url)
        yield running


def jobs(sandbox) -> list[dict]:
    return httpx.get(f"{sandbox.url}/_sandbox/jobs").json()


def findings(*args) -> list[dict]:
    result = invoke("check", *args, "--format", "json")
    assert result.exit_code in (0, 1, 2), result.stderr
    return json.loads(result.stdout)


def test_check_preview_and_map_create_no_datev_job(sandbox, tmp_path):
    receipts = SAMPLES / "receipts_juston_booking_detail.csv"
    findings("receipts", receipts, "--client", "455148-1")
    findings("receipts", SAMPLES / "receipts_canonical.csv", "--client", "455148-2")
    findings("invoices", SAMPLES / "invoices_crmplus.xlsx", "--client", "455148-1")
    preview = invoke("preview", "receipts", receipts, "--client", "455148-1", "--rows", "3")
    assert preview.exit_code in (0, 1, 2), preview.stderr
    mapped = invoke(
        "map",
        "receipts",
        receipts,
        "--client",
        "455148-1",
        "--to",
        "xml",
        "--out",
        tmp_path / "xml",
    )
    assert mapped.exit_code in (0, 1, 2), mapped.stderr
    assert jobs(sandbox) == []


def test_check_needs_no_rights_for_datev_transfers(sandbox):
    """455148-3 has no Rechnungsdatenservice: creating a job there answers 403, which a
    read-only check must never run into."""
    found = findings("receipts", SAMPLES / "receipts_canonical.json", "--client", "455148-3")
    assert "fiscal_year.not_created" in {f["rule"] for f in found}
    assert jobs(sandbox) == []


def test_unknown_folders_are_one_info_per_beleg_art_not_an_error_per_row(sandbox):
    found = findings("receipts", SAMPLES / "receipts_juston_kasse.csv", "--client", "455148-1")
    folder = [f for f in found if f["rule"].startswith("document_types.")]
    assert [(f["rule"], f["severity"]) for f in folder] == [
        ("document_types.folder_unknown", "info")
    ]
    assert "Kasse" in folder[0]["message"] and folder[0]["row"] == 2


def test_folders_come_from_the_settings_file(sandbox, tmp_path, monkeypatch):
    (tmp_path / "home").mkdir()
    config = tmp_path / "workbench.toml"
    config.write_text('[clients."455148-1".folders]\nKasse = "Hauptkasse"\n', encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    found = findings("receipts", SAMPLES / "receipts_juston_kasse.csv", "--client", "455148-1")
    assert not [f for f in found if f["rule"].startswith("document_types.")]


def test_a_transfer_fills_the_folder_cache_and_the_next_check_knows(sandbox):
    """455148-2's Rechnungsausgang has no folder in DATEV (seed): the transfer learns it when
    DATEV refuses the job, and from then on the check says so for every outgoing item."""
    canonical = SAMPLES / "receipts_canonical.csv"
    before = findings("receipts", canonical, "--client", "455148-2")
    assert not [f for f in before if f["rule"] == "document_types.no_folder"]
    transfer = invoke(
        "transfer",
        "receipts",
        canonical,
        "--client",
        "455148-2",
        "--yes",
        "--month",
        "2026-01",
        "--document-kind",
        "Rechnungsausgang",
    )
    assert transfer.exit_code != 0
    assert [job["import_type"] for job in jobs(sandbox)] == []  # DATEV refused to create it
    after = findings("receipts", canonical, "--client", "455148-2")
    no_folder = [f for f in after if f["rule"] == "document_types.no_folder"]
    assert no_folder and all(f["severity"] == "error" for f in no_folder)
    incoming = invoke(
        "transfer",
        "receipts",
        canonical,
        "--client",
        "455148-2",
        "--yes",
        "--month",
        "2026-01",
        "--document-kind",
        "Rechnungseingang",
    )
    assert "Transferiert" in incoming.stdout, incoming.stderr
    assert {job["import_type"] for job in jobs(sandbox)} == {"accountsPayableLedgerImport"}
    last = findings("receipts", canonical, "--client", "455148-2")
    unknown = [f for f in last if f["rule"] == "document_types.folder_unknown"]
    assert "Rechnungseingang" not in " ".join(f["message"] for f in unknown)


def test_first_transfer_files_to_the_cash_book_datev_offers(sandbox, _isolated_home):
    """455148-1's cash books are "Hauptkasse" and "Filiale Fürth": with nothing known yet the
    package says "Kasse"; DATEV's answer to the job puts it into "Hauptkasse" before the upload."""
    result = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
        "--month",
        "2026-01",
    )
    assert "Transferiert" in result.stdout, result.stderr
    from workbench.transfer.ledger import Ledger

    ledger = Ledger(_isolated_home / "ledger.sqlite")
    [transfer] = ledger.transfers(client="455148-1")
    document = (Path(transfer.package_path) / "document.xml").read_bytes()
    assert b'<property key="3" value="Hauptkasse"/>' in document
    assert "Ziel-Ordner von DATEV" in [entry["action"] for entry in ledger.audit_log(transfer.id)]
    ledger.close()


def test_fitting_the_folder_survives_a_crash_between_ledger_and_file(tmp_path, _isolated_home):
    from workbench.clients import remember_folders
    from workbench.datev.document_xml import ledger_block
    from workbench.transfer.folders import fit_package_folder
    from workbench.transfer.jobs import Upload, register
    from workbench.transfer.ledger import Ledger

    package = tmp_path / "paket"
    package.mkdir()
    block = ledger_block("cashLedger", "K.xml", "2026-01", "Kasse", [])
    (package / "document.xml").write_bytes(f"<archive>\n{block}\n</archive>".encode())
    (package / "K.xml").write_bytes(b"<LedgerImport/>")
    ledger = Ledger(tmp_path / "l.sqlite")
    upload = Upload(channel="dxso", path=package, month="2026-01", document_kind="Kasse", items=())
    transfer = register(ledger, client="455148-1", kind="receipts", upload=upload)
    (_isolated_home / "cache" / "folders").mkdir(parents=True)
    (_isolated_home / "cache" / "folders" / "455148-1.json").write_text(
        json.dumps({"Kasse": ["Hauptkasse"]}), encoding="utf-8"
    )
    original = (package / "document.xml").read_bytes()
    assert fit_package_folder(ledger, transfer) == "Hauptkasse"
    fitted = (package / "document.xml").read_bytes()
    (package / "document.xml").write_bytes(original)  # as if the process died before replacing
    assert fit_package_folder(ledger, transfer) == "Hauptkasse"
    assert (package / "document.xml").read_bytes() == fitted
    assert fit_package_folder(ledger, transfer) is None  # fitted: nothing more to do
    remember_folders("455148-1", "Kasse", ["Filiale Fürth"], home=_isolated_home)
    chosen = fitted.replace(b"Hauptkasse", b"Tageskasse")  # a favourite stays as chosen
    (package / "document.xml").write_bytes(chosen)
    assert fit_package_folder(ledger, transfer) is None
    ledger.close()


# -- receipts -> EXTF (Buchungsdatenservice), issue 13 item 4 ---------------------------------


def test_map_receipts_to_extf_writes_a_buchungsstapel_the_sandbox_imports(sandbox, tmp_path):
    """The canonical sample belongs to 455148-2 (Sachkontenlänge 5): its Buchungsstapel import.
    For 455148-1 (length 4) every row of it is blocked (six-digit Debitoren are no accounts
    there), and the command says so instead of writing an empty file."""
    from workbench.datev import read_extf

    wrong = invoke(
        "map",
        "receipts",
        SAMPLES / "receipts_canonical.csv",
        "--client",
        "455148-1",
        "--to",
        "extf",
        "--out",
        tmp_path / "none",
    )
    assert wrong.exit_code == 2 and "Keine Datei geschrieben" in wrong.stdout, wrong.stderr
    out = tmp_path / "extf"
    mapped = invoke(
        "map",
        "receipts",
        SAMPLES / "receipts_canonical.csv",
        "--client",
        "455148-2",
        "--to",
        "extf",
        "--out",
        out,
    )
    assert mapped.exit_code in (1, 2), mapped.stderr  # rows with findings are blocked
    files = sorted(out.glob("EXTF_Buchungsstapel_*.csv"))
    assert files and jobs(sandbox) == []
    frame = read_extf(files[0]).frame
    assert {
        "Umsatz (ohne Soll/Haben-Kz)",
        "Konto",
        "Gegenkonto (ohne BU-Schlüssel)",
        "Belegfeld 1",
        "Buchungstext",
    } <= set(frame.columns)
    with _datev(sandbox) as datev:
        for path in files:
            datev.upload_extf("455148-2", path.name, path.read_bytes())
    sandbox.state.clock.freeze()
    sandbox.state.clock.advance(10)
    imported = [job for job in jobs(sandbox) if job["api"] == "extf"]
    assert len(imported) == len(files) and {j["state"] for j in imported} == {"succeeded"}


def test_transfer_receipts_to_extf_sends_bookings_and_their_belegbilder(sandbox):
    result = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_expense.csv",
        "--client",
        "455148-1",
        "--to",
        "extf",
        "--yes",
        "--month",
        "2026-01",
    )
    assert "Transferiert" in result.stdout, result.stderr
    from workbench.datev import read_extf

    sent = jobs(sandbox)
    assert [job["api"] for job in sent] == ["extf"]
    [row] = sandbox.state.store.query("SELECT content FROM extf_jobs")
    links = read_extf(bytes(row["content"])).frame["Beleglink"].drop_nulls()
    stored = {
        r["document_id"] for r in sandbox.state.store.query("SELECT document_id FROM documents")
    }
    assert links.len() and stored, "the Belegbilder go to the Belegbilderservice"
    assert {
        link.split('"')[1] for link in links
    } <= stored  # every Beleglink leads to its Belegbild
    again = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_expense.csv",
        "--client",
        "455148-1",
        "--to",
        "extf",
        "--yes",
        "--month",
        "2026-01",
    )
    assert "Nichts zu übertragen" in again.stdout, again.stderr


@contextmanager
def _datev(sandbox):
    """The production DATEV client, logged in to the sandbox through the PKCE flow."""
    endpoints = sandbox_endpoints(sandbox.url)
    with DatevClient(endpoints, client_id="workbench-sandbox") as datev:
        tokens = login(
            datev,
            client_secret="sandbox-secret",
            authorize_url=endpoints["authorize"],
            open_browser=datev.approve_in_sandbox,
            offline=True,
        )
        datev.tokens = Session(datev, client_secret="sandbox-secret", tokens=tokens)
        yield datev
