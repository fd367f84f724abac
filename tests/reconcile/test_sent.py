"""What the ledger says was sent: transfers that count, items sent twice, files that changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from workbench.datev.extf import ExtfHeader
from workbench.errors import WorkbenchError
from workbench.pipeline.package import package_bookings
from workbench.reconcile.sent import sent_bookings
from workbench.transfer.jobs import register
from workbench.transfer.ledger import Ledger

CLIENT = "455148-1"
JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def bookings(*numbers: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [10.0 * n for n in numbers],
            "Soll/Haben-Kennzeichen": "S",
            "Konto": "10000",
            "Gegenkonto (ohne BU-Schlüssel)": "8400",
            "Belegdatum": [dt.date(2026, 1, n) for n in numbers],
            "Belegfeld 1": [f"R-{n}" for n in numbers],
            "item_id": [f"I{n}" for n in numbers],
            "source_file": "rechnungen.csv",
            "source_row": [n + 1 for n in numbers],
        }
    )


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    yield ledger
    ledger.close()


def send(ledger: Ledger, tmp_path, frame: pl.DataFrame, status: str = "succeeded"):
    """Package and register like a transfer, then record DATEV's answer (no HTTP needed)."""
    header = ExtfHeader(
        consultant_number=455148,
        client_number=1,
        fiscal_year_start=JANUARY[0],
        date_from=JANUARY[0],
        date_to=JANUARY[1],
    )
    [upload], _ = package_bookings(
        frame, header=header, client=CLIENT, out_dir=tmp_path, ledger=ledger
    )
    transfer = register(ledger, client=CLIENT, kind="invoices", upload=upload)
    ledger.update(transfer.id, action="test", local_status="Transferiert", datev_status=status)
    return transfer


def sent(ledger: Ledger) -> pl.DataFrame:
    return sent_bookings(ledger, CLIENT, start=JANUARY[0], end=JANUARY[1], account_length=4)


def test_sent_bookings_carry_their_source_rows(ledger, tmp_path):
    transfer = send(ledger, tmp_path, bookings(3, 4))
    rows = sent(ledger).select(
        "belegfeld1", "debit", "credit", "cents", "source_row", "transfer_id"
    )
    assert rows.rows() == [
        ("R-3", "10000", "8400", 3000, 4, transfer.id),
        ("R-4", "10000", "8400", 4000, 5, transfer.id),
    ]


@pytest.mark.parametrize(("status", "counts"), [("failed", False), ("pending", True)])
def test_a_transfer_datev_refused_was_not_sent_for_the_abgleich(ledger, tmp_path, status, counts):
    send(ledger, tmp_path, bookings(3), status=status)
    assert sent(ledger).height == (1 if counts else 0)


def test_an_item_sent_again_counts_once_from_its_newest_transfer(ledger, tmp_path):
    first = send(ledger, tmp_path, bookings(3, 4))
    ledger.update(first.id, action="test", local_status="Fehlgeschlagen")  # frees its items
    again = send(ledger, tmp_path, bookings(3, 4))
    ledger.update(first.id, action="test", local_status="Transferiert", datev_status="4")
    assert set(sent(ledger)["transfer_id"]) == {again.id}
    assert sent(ledger).height == 2


def test_a_changed_or_missing_file_stops_the_abgleich(ledger, tmp_path):
    transfer = send(ledger, tmp_path, bookings(3))
    path = Path(transfer.package_path)
    path.write_bytes(path.read_bytes().replace(b"30,00", b"31,00"))
    with pytest.raises(WorkbenchError, match="nach dem Senden verändert"):
        sent(ledger)
    path.unlink()
    with pytest.raises(WorkbenchError, match="nicht mehr lesbar"):
        sent(ledger)
