"""Corrections (Gutschrift, Storno) and the invoice they correct (issue 13, item 6).

A correction is a negative amount under its own number, as in DATEV's ARK/ERK samples; the
optional ``original_invoice_id`` goes where each format has room for it: the LedgerImport's
``information`` (Nachricht, which DATEV files under "Zusatzinformation"), the Buchungsstapel's
Zusatzinformation 1 (Art "Ursprungsrechnung"). Belegfeld 2 is not used: twelve characters
cannot hold a 36-character invoice number, and DATEV's OPOS reads a Fälligkeit there.
"""

import datetime as dt

import openpyxl
import polars as pl
from mapping_helpers import INVOICE_HEADERS, INVOICES, POSITION_HEADERS, POSITIONS

from workbench.datev.extf import ExtfHeader, read_extf, validate_bookings, write_extf
from workbench.mapping import map_invoices
from workbench.sources import load_invoices

CANONICAL = (
    "invoice_kind,invoice_id,original_invoice_id,date,party_name,currency_code,net,tax_amount,"
    "gross,account_no,party_account_no\n"
    "Rechnung,RE-1001,,2026-01-15,Praxis Özdemir,EUR,100.00,19.00,119.00,8400,10001\n"
    "Gutschrift,GS-7,RE-1001,2026-01-20,Praxis Özdemir,EUR,50.00,9.50,59.50,8400,10001\n"
    "Storno,ST-1,RE-2026-000000000000000000000001234,2026-01-21,Praxis Özdemir,EUR,100.00,"
    "19.00,119.00,8400,10001\n"
    "Storno,ST-2,,2026-01-22,Praxis Özdemir,EUR,10.00,1.90,11.90,8400,10001\n"
    "Rechnung,RE-1002,RE-1001,2026-01-23,Praxis Özdemir,EUR,50.00,9.50,59.50,8400,10001\n"
)


def _header() -> ExtfHeader:
    return ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=dt.date(2026, 1, 1),
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 1, 31),
    )


def _by_id(records: pl.DataFrame, column: str) -> dict[str, dict]:
    return {row[column]: row for row in records.iter_rows(named=True)}


def test_the_ledger_import_names_the_corrected_invoice_in_its_message(write):
    loaded = load_invoices(write("inv.csv", CANONICAL), profile="canonical")
    records = _by_id(map_invoices(loaded, mode="rds").records, "invoiceId")
    credit = records["GS-7"]
    assert (credit["amount"], credit["information"]) == (-59.5, "Gutschrift zu Rechnung RE-1001")
    assert records["ST-2"]["information"] == "Storno"  # no original given
    assert records["RE-1001"]["information"] is None
    assert records["RE-1002"]["information"] == "Bezug: Rechnung RE-1001"  # a corrected invoice
    long = records["ST-1"]["information"]
    assert long == "Storno zu Rechnung RE-2026-000000000000000000000001234"


def test_the_buchungsstapel_carries_the_corrected_invoice_as_zusatzinformation(write):
    loaded = load_invoices(write("inv.csv", CANONICAL), profile="canonical")
    bookings = map_invoices(loaded, mode="bds").records
    rows = _by_id(bookings, "Belegfeld 1")
    credit = rows["GS-7"]
    assert (credit["Umsatz (ohne Soll/Haben-Kz)"], credit["Soll/Haben-Kennzeichen"]) == (59.5, "H")
    assert (credit["Zusatzinformation - Art 1"], credit["Zusatzinformation- Inhalt 1"]) == (
        "Ursprungsrechnung",
        "RE-1001",
    )
    assert rows["ST-1"]["Zusatzinformation- Inhalt 1"] == "RE-2026-000000000000000000000001234"
    assert rows["ST-2"]["Zusatzinformation - Art 1"] is None
    assert rows["RE-1001"]["Zusatzinformation- Inhalt 1"] is None
    assert rows["RE-1002"]["Zusatzinformation- Inhalt 1"] == "RE-1001"
    assert validate_bookings(bookings, _header()).is_empty()
    back = read_extf(write_extf(bookings, _header())).frame
    assert back.filter(pl.col("Belegfeld 1") == "GS-7")[
        "Zusatzinformation- Inhalt 1"
    ].to_list() == ["RE-1001"]


def test_crm_plus_exports_name_the_original_invoice(tmp_path):
    """CRM+'s column name is an assumption (seed 001 lists none): "Ursprungsrechnung"."""
    path = tmp_path / "crm.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rechnungen"
    sheet.append([*INVOICE_HEADERS, "Ursprungsrechnung"])
    for row in INVOICES:
        sheet.append([*row, "RE-1001" if row[0] == "Gutschriften" else None])
    positions = workbook.create_sheet("Positionen")
    positions.append(POSITION_HEADERS)
    for row in POSITIONS:
        positions.append(row)
    workbook.save(path)
    loaded = load_invoices(path, profile="crmplus")
    originals = dict(
        zip(loaded.frame["invoice_id"], loaded.frame["original_invoice_id"], strict=True)
    )
    assert originals["GS-7"] == "RE-1001" and originals["RE-1001"] is None
