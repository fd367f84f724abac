"""Every DATEV error the sandbox offers, seen through the transfer layer, and faults survived."""

import contextlib

import polars as pl
import pytest
from receipts_fixture import receipt_records
from transfer_helpers import transfer_records

from workbench.errors import DatevApiError
from workbench.transfer import jobs
from workbench.transfer.backmap import backmap_findings
from workbench.transfer.ledger import Ledger
from workbench.transfer.status import refresh_status


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


def test_403_without_the_service_names_the_rights_to_check(
    sandbox, client, session, ledger, tmp_path
):
    with pytest.raises(DatevApiError, match="Rechteverwaltung online") as caught:
        transfer_records(
            ledger,
            client,
            client="455148-3",
            records=receipt_records(month="2025-02", prefix="R"),
            out_dir=tmp_path / "out",
        )
    assert caught.value.status == 403
    assert ledger.transfers()[0].local_status == "Fehlgeschlagen"


def test_file_over_20_mb_is_refused_with_dco01016(sandbox, client, session):
    job = client.create_dxso_job(
        "455148-1", import_type="accountsPayableLedgerImport", accounting_month="2026-12"
    )
    with pytest.raises(DatevApiError, match=r"#DCO01016 Die Datei ist größer als 20 MB") as caught:
        client.upload_dxso_file(
            "455148-1",
            job["id"],
            "scan.pdf",
            b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024 + 1),
            "application/pdf",
        )
    assert caught.value.status == 400
    client.delete_dxso_job("455148-1", job["id"])


def test_intruder_alert_comes_back_to_the_row_with_the_character(
    sandbox, client, session, ledger, tmp_path
):
    records = receipt_records(month="2026-08", prefix="IA", documents=2).with_columns(
        pl.when(pl.col("item_id") == "IA-2-1")
        .then(pl.lit("Zahlung\u00a0bar"))
        .otherwise(pl.col("bookingText"))
        .alias("bookingText")
    )
    [transfer] = transfer_records(
        ledger, client, client="455148-1", records=records, out_dir=tmp_path / "out"
    )
    sandbox.state.clock.advance(60)
    assert refresh_status(ledger, client, transfer.id, confirm=True).datev_status == "4"
    findings = backmap_findings(ledger, transfer.id)
    intruder = findings.filter(pl.col("message").str.contains("Intruder Alert"))
    assert set(intruder["item_id"]) == {"IA-2-1", "IA-2-2"}  # the whole Beleg IA-2
    assert intruder["message"].str.contains("U\\+00A0").all()


def test_missing_fiscal_year_is_refused_when_the_transfer_is_created(
    sandbox, client, session, ledger, tmp_path
):
    # 455148-1 has fiscal years 2024-2026; a cash job for 2027 cannot be created (cash books
    # never create a fiscal year automatically).
    records = receipt_records(month="2027-01", kind="Kasse", prefix="FY", documents=1).drop(
        "customerName", "customerCity"
    )
    with pytest.raises(DatevApiError, match="#DCO01002") as refused:
        transfer_records(
            ledger,
            client,
            client="455148-1",
            records=records,
            out_dir=tmp_path / "out",
            folders={"Kasse": "Hauptkasse"},
        )
    # No job was created, so none was deleted: the message says so (no "Job None" for a user)
    message = str(refused.value)
    assert "None" not in message
    assert "kein Job angelegt" in message and "retransfer" in message


def test_5xx_429_and_dropped_connections_are_survived_without_duplicates(
    sandbox, client, session, ledger, tmp_path, caplog
):
    caplog.set_level("WARNING", logger="workbench.transfer.client")
    records = receipt_records(month="2026-09", prefix="FLT", documents=6)
    sandbox.state.faults.update(
        {"5xx": 0.2, "429": 0.2, "drop": 0.08, "retry_after": 0, "seed": 11}
    )
    try:
        # An unclear upload may end the first run: the ledger knows where it stopped.
        with contextlib.suppress(DatevApiError):
            transfer_records(
                ledger, client, client="455148-1", records=records, out_dir=tmp_path / "out"
            )
        for _ in range(30):
            [transfer] = ledger.transfers()
            if transfer.local_status == "Transferiert":
                break
            try:
                jobs.send_transfer(ledger, client, transfer.id)
            except DatevApiError:
                continue
    finally:
        sandbox.state.faults.clear()
    [transfer] = ledger.transfers()
    assert transfer.local_status == "Transferiert"
    assert ("HTTP 429" in caplog.text and "HTTP 503" in caplog.text) or "HTTP 500" in caplog.text
    with sandbox.state.store.transaction() as conn:
        names = sorted(
            row[0]
            for row in conn.execute(
                "SELECT name FROM dxso_files WHERE job_id = ?", (transfer.job_id,)
            )
        )
    assert names == sorted([f"FLT-{n}.xml" for n in range(1, 7)] + ["document.xml"])
    sandbox.state.clock.advance(60)
    assert refresh_status(ledger, client, transfer.id, confirm=True).datev_status == "2"


def test_datevconnect_says_why_a_posting_was_refused():
    """DATEVconnect's additional_messages are the reasons; the message shows them."""
    import json

    from workbench.transfer.datev_errors import describe_error

    reason = {"id": "DCO40001", "severity": "error", "description": "time_units muss eine "
              "positive ganze Zahl sein."}  # fmt: skip
    body = json.dumps({"error": "BadRequest", "error_description": "The request is invalid.",
                       "additional_messages": [reason]})  # fmt: skip
    message, code, _ = describe_error(400, body.encode(), what="Auslage buchen")
    assert code == "BadRequest"
    assert "time_units muss eine positive ganze Zahl sein" in message


@pytest.mark.parametrize(
    ("status", "title", "said"),
    [
        (503, "Service Unavailable", "vorübergehend nicht erreichbar"),
        (500, "Internal Server Error", "Interner Fehler bei DATEV"),
        (429, "Too Many Requests", "zu viele Anfragen"),
    ],
)
def test_an_english_title_from_datev_comes_with_what_it_means(status, title, said):
    """Tour 29 #12: a 503 read "HTTP 503. Service Unavailable. Request-Id: …", DATEV's English
    title where the German line says what it means and what to do."""
    import json

    from workbench.transfer.datev_errors import describe_error

    body = json.dumps({"title": title, "request_id": "r-1"}).encode()
    message, _, _ = describe_error(status, body, what="Datei hochladen")
    assert message.startswith(f"Datei hochladen: HTTP {status}. {title}. "), message
    assert said in message and message.endswith("Request-Id: r-1."), message
