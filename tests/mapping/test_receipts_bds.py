"""Receipt items → Buchungsstapel bookings (issue 13, item 4): accounts, sides, the row gate."""

import datetime as dt

import polars as pl
from mapping_helpers import assert_accounted

from workbench.datev.extf import ExtfHeader, validate_bookings
from workbench.mapping import map_receipts
from workbench.mapping.receipts_bds import belegbild_guid, map_receipts_bds
from workbench.sources import load_receipts

KASSE = (  # like the mapping tests' Kasse file (conftest.py), which tests cannot import by name
    "document_id,item_id,document_kind,date,amount,account_no,tax,invoice_id,booking_text,"
    "cost_category_id\n"
    "K1,K1-1,Kasse,2026-01-02,-50.00,4650,19,K1,Bewirtung Kunde,100\n"
    "K1,K1-2,Kasse,2026-01-02,-20.50,4650,7,K1,Bewirtung Getränke,100\n"
    "K2,K2-1,Kasse,2026-01-03,300.00,1000,,K2,Bareinlage,\n"
    "K3,K3-1,Kasse,2026-01-04,-10.00,4930,19,K3,,\n"
)


def _by_invoice(mapped) -> dict[str, dict]:
    return {row["Belegfeld 1"]: row for row in mapped.records.iter_rows(named=True)}


def test_invoices_book_the_business_partner_against_the_sachkonto(receipts):
    juston, _ = receipts
    mapped = map_receipts_bds(juston, client="455148-1", account_length=4)
    assert mapped.target == "extf"
    bookings = _by_invoice(mapped)
    outgoing = bookings["R-2026-001"]
    assert (outgoing["Umsatz (ohne Soll/Haben-Kz)"], outgoing["Soll/Haben-Kennzeichen"]) == (
        1234.56,
        "S",  # an outgoing invoice debits the Debitor
    )
    assert (outgoing["Konto"], outgoing["Gegenkonto (ohne BU-Schlüssel)"]) == ("10001", "4400")
    assert (outgoing["Belegdatum"], outgoing["Leistungsdatum"]) == (
        dt.date(2026, 1, 31),
        dt.date(2026, 1, 30),
    )
    assert outgoing["WKZ Umsatz"] == "EUR"
    assert set(bookings) == {"R-2026-001", "R-2026-004"}
    header = ExtfHeader(
        consultant_number=455148,
        client_number=1,
        fiscal_year_start=dt.date(2026, 1, 1),
        account_length=4,
    )
    assert validate_bookings(mapped.records, header).is_empty()
    assert_accounted(mapped, 6)


def test_an_invoice_without_its_debitor_or_kreditor_is_blocked_with_a_finding(receipts):
    """The Expense file has no PayeeAccountNo: the LedgerImport takes the items, a
    Buchungsstapel cannot book them (Konto is the Kreditor)."""
    juston, _ = receipts
    assert {"ER-17", "ER-18"} <= set(map_receipts(juston).records["invoiceId"])
    mapped = map_receipts_bds(juston, client="455148-1")
    blocked = mapped.blocked.filter(pl.col("source_file") == "ex.csv")
    assert blocked["source_row"].to_list() == [2, 3]
    assert blocked["rules"].to_list() == [["field.required"], ["field.required"]]
    found = mapped.findings.filter(pl.col("rule") == "field.required")
    assert set(found["column"]) == {"party_account_no"}  # the file has no such column
    assert "Geschäftspartner-Konto (Debitor/Kreditor)" in found["message"][0]
    assert found["message"][0].startswith("ex.csv, Zeile 2: Belegposition")


def test_kasse_books_the_cash_account_and_needs_one(receipts):
    _, kasse = receipts
    mapped = map_receipts_bds(kasse, client="455148-1", cash_account="1000")
    rows = mapped.records.select(
        "Belegfeld 1", "Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "Konto"
    ).rows()
    assert rows == [
        ("K1", 50.0, "H", "1000"),  # cash out credits the cash account
        ("K1", 20.5, "H", "1000"),
        ("K2", 300.0, "S", "1000"),  # cash in debits it
        ("K3", 10.0, "H", "1000"),
    ]
    assert_accounted(mapped, 4)
    without = map_receipts_bds(kasse, client="455148-1", cash_account=None)
    assert without.records.is_empty()
    assert "cash_account in den Einstellungen" in without.blocked["message"][0]
    assert_accounted(without, 4)


def test_the_ledger_imports_one_date_per_beleg_rule_is_not_the_buchungsstapels(write):
    """A Kassenbeleg whose items have two dates is refused by the LedgerImport (one consolidate,
    one date) but books fine: each booking has its own Belegdatum."""
    two_dates = KASSE.replace("K1,K1-2,Kasse,2026-01-02", "K1,K1-2,Kasse,2026-01-05")
    loaded = load_receipts(write("kasse.csv", two_dates), profile="canonical")
    xml = map_receipts(loaded)
    assert xml.blocked["rules"].to_list()[:2] == [["receipts.document_inconsistent"]] * 2
    extf = map_receipts_bds(loaded, cash_account="1000")
    assert extf.blocked.is_empty() and extf.records.height == 4


def test_a_beleg_with_one_blocked_item_is_blocked_whole(write):
    bad = KASSE.replace("K1,K1-2,Kasse,2026-01-02,-20.50,4650", "K1,K1-2,Kasse,2026-01-02,-20.50,")
    loaded = load_receipts(write("kasse.csv", bad), profile="canonical")
    mapped = map_receipts_bds(loaded, cash_account="1000")
    reasons = dict(zip(mapped.blocked["item_id"], mapped.blocked["rules"].to_list(), strict=True))
    assert reasons == {"K1-2": ["field.required"], "K1-1": ["transfer.document_blocked"]}
    assert mapped.records["Belegfeld 1"].to_list() == ["K2", "K3"]


def test_beleglinks_name_a_guid_the_transfer_uploads_the_belegbild_under(write, tmp_path):
    pdf = tmp_path / "k1.pdf"  # an attachment is a path as given: here an absolute one
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    text = KASSE.replace("cost_category_id\n", "cost_category_id,attachment\n", 1)
    text = text.replace(",100\n", f",100,{pdf}\n").replace(",\n", ",,\n")
    loaded = load_receipts(write("kasse.csv", text), profile="canonical")
    mapped = map_receipts_bds(loaded, client="455148-1", cash_account="1000")
    guid = belegbild_guid("455148-1", "K1", str(pdf))
    assert guid == belegbild_guid("455148-1", "K1", "elsewhere/k1.pdf")  # the file name counts
    assert guid != belegbild_guid("455148-2", "K1", str(pdf))
    assert mapped.records["Beleglink"].to_list() == [f'BEDI "{guid}"'] * 2 + [None, None]
    assert mapped.attachments.rows() == [(guid, str(pdf), "Kasse")]
