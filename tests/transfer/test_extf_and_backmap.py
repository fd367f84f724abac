"""EXTF transfers and DATEV's errors mapped back to source rows, against the sandbox."""

import datetime as dt
from dataclasses import replace

import polars as pl
import pytest
from receipts_fixture import receipt_records
from transfer_helpers import transfer_bookings, transfer_records

from workbench.datev.extf import ExtfHeader
from workbench.transfer.backmap import backmap_findings
from workbench.transfer.extf_jobs import send_extf
from workbench.transfer.ledger import Ledger
from workbench.transfer.status import refresh_status


def bookings(accounts=("1200", "1200", "1200")):
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [119.0, 59.5, 238.0],
            "Soll/Haben-Kennzeichen": ["S", "S", "S"],
            "Konto": list(accounts),
            "Gegenkonto (ohne BU-Schlüssel)": ["8400", "8400", "8300"],
            "Belegdatum": [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)],
            "Belegfeld 1": ["RE-1", "RE-2", "RE-3"],
            "Buchungstext": ["Brot", "Kuchen", "Torte"],
            "item_id": ["I1", "I2", "I3"],
            "source_file": ["pos.csv"] * 3,
            "source_row": [2, 3, 4],
        }
    )


HEADER = ExtfHeader(
    consultant_number=455148,
    client_number=1,
    fiscal_year_start=dt.date(2026, 1, 1),
    account_length=4,
)


def send(ledger, client, tmp_path, *, rows=None, header=HEADER):
    """The sample bookings (or ``rows``) of 455148-1 as one EXTF transfer (POS)."""
    return transfer_bookings(
        ledger,
        client,
        client="455148-1",
        bookings=bookings() if rows is None else rows,
        header=header,
        out_dir=tmp_path / "extf",
        kind="pos",
    )


def test_extf_transfer_succeeds(sandbox, client, session, tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    [transfer] = send(ledger, client, tmp_path)
    assert transfer.local_status == "Transferiert" and transfer.datev_status == "pending"
    assert [item["record_ref"].split("#")[1] for item in ledger.items(transfer.id)] == [
        "3",
        "4",
        "5",
    ]
    sandbox.state.clock.advance(60)
    result = refresh_status(ledger, client, transfer.id, confirm=True)
    assert result.datev_status == "succeeded"
    assert ledger.get(transfer.id).datev_status_text == "Fertig"
    assert backmap_findings(ledger, transfer.id).is_empty()


def test_extf_field_errors_point_at_the_source_row(sandbox, client, session, tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    bad = bookings(accounts=("1200", "120000", "1200"))  # 6 digits: too long for length 4
    # The writer checks accounts against the header's Sachkontenlänge (5 here: 6 digits fit);
    # the client's real length (4) is DATEV's verdict, which must come back to row 3.
    [transfer] = send(ledger, client, tmp_path, rows=bad, header=replace(HEADER, account_length=5))
    sandbox.state.clock.advance(60)
    assert refresh_status(ledger, client, transfer.id, confirm=True).datev_status == "failed"
    findings = backmap_findings(ledger, transfer.id, field_map={"Konto": "account_no"})
    row = findings.filter(pl.col("column") == "account_no").row(0, named=True)
    assert (row["source"], row["row"], row["item_id"]) == ("pos.csv", 3, "I2")
    assert "Zeile 4, Konto" in row["message"]


def test_extf_upload_interrupted_after_datev_accepted_it_is_not_repeated(
    sandbox, client, session, tmp_path, monkeypatch
):
    ledger = Ledger(tmp_path / "l.sqlite")
    real = client.upload_extf

    def upload_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(client, "upload_extf", upload_then_die)
    with pytest.raises(KeyboardInterrupt):
        send(ledger, client, tmp_path)
    monkeypatch.undo()
    [interrupted] = ledger.transfers()
    before = len(client.list_extf_jobs("455148-1"))
    resumed = send_extf(ledger, client, interrupted.id)
    assert resumed.job_id and resumed.local_status == "Transferiert"
    assert len(client.list_extf_jobs("455148-1")) == before


def test_dxso_protocol_errors_map_to_every_row_of_the_file(sandbox, client, session, tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    records = receipt_records(month="2026-10", kind="Kasse", prefix="KA", documents=2)
    records = records.drop("customerName", "customerCity")
    [transfer] = transfer_records(
        ledger,
        client,
        client="455148-1",
        records=records,
        out_dir=tmp_path / "out",
        folders={"Kasse": "Kasse Nebenraum"},
    )  # no such cash book
    sandbox.state.clock.advance(60)
    status = refresh_status(ledger, client, transfer.id, confirm=True)
    assert status.datev_status == "3"
    findings = backmap_findings(ledger, transfer.id)
    assert set(findings["row"].to_list()) == set(records["source_row"].to_list())
    assert findings["message"].str.contains("Kassenbuch 'Kasse Nebenraum'").any()
    assert set(findings["item_id"].to_list()) == set(records["item_id"].to_list())


def test_extf_file_errors_without_affected_elements_reach_every_row(
    sandbox, client, session, tmp_path, monkeypatch
):
    """accounting_extf-files-3.0.1.json: ``affected_elements`` is optional; whole-file errors
    (1008833 no payload / encoding / 99999 postings, 1008836-1008838) come without it and
    concern every row of the file."""
    seeded = sandbox.state.seed.clients["455148-1"]
    monkeypatch.setattr(seeded, "services", [s for s in seeded.services if "Buchungs" not in s])
    ledger = Ledger(tmp_path / "l.sqlite")
    [transfer] = send(ledger, client, tmp_path)
    sandbox.state.clock.advance(60)
    assert refresh_status(ledger, client, transfer.id, confirm=True).datev_status == "failed"
    findings = backmap_findings(ledger, transfer.id)
    assert sorted(findings["item_id"].to_list()) == ["I1", "I2", "I3"]
    assert findings["message"].str.contains("Missing permission").all()
    assert findings["message"].str.contains("Please contact your tax consultant").all()
