"""Issue 15, item 8: the Excel Prüfbericht, read back with openpyxl: sheets, formats, colours,
and formula-like cells stored as text (never as formulas)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from workbench.checks import check_sources
from workbench.checks.excel_report import write_check_report
from workbench.cli import app
from workbench.clients import ClientSettings
from workbench.sources import load_invoices, load_receipts

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BOOKING = SAMPLES / "receipts_juston_booking_detail.csv"
SETTINGS = ClientSettings(
    "455148-1", account_length=4, fiscal_years=((dt.date(2026, 1, 1), dt.date(2026, 12, 31)),)
)
HEADER = "InvoiceNo;BookingDate;AccountName;Amount;AccountNo;Description\n"
FORMULAS = [
    '=HYPERLINK("http://example.invalid","Rechnung")',
    "+49 89 1234567",
    "-2+3",
    "@SUM(A1:A9)",
]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    result = runner.invoke(
        app,
        ["check", "receipts", str(BOOKING), "--client", "455148-1", "--period", "01/2026",
         "--format", "xlsx", "--out", str(tmp_path_factory.mktemp("xlsx") / "pruef.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert "Prüfbericht:" in result.stdout
    path = Path(result.stdout.split("Prüfbericht:")[1].split()[0])
    return load_workbook(path)


runner = CliRunner()


def test_sheets_are_summary_findings_and_one_per_source(book):
    assert book.sheetnames == ["Zusammenfassung", "Befunde", BOOKING.stem]


def test_summary_names_client_period_and_counts_per_file_and_rule(book):
    sheet = book["Zusammenfassung"]
    labels = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=7)}
    assert labels["Mandant"] == "455148-1"
    assert labels["Zeitraum"] == "Januar 2026"
    assert labels["Zeilen geprüft"] == 99
    assert labels["Zeilen anderer Monate (nicht geprüft)"] == 201
    created = sheet.cell(row=4, column=2)
    assert isinstance(created.value, dt.datetime) and created.number_format == "DD.MM.YYYY HH:MM"
    header = [c.value for c in sheet[9]]
    assert header == ["Datei", "Zeilen", "Regel", "Titel", "Fehler", "Warnungen", "Hinweise",
                      "Gesamt"]  # fmt: skip
    assert sheet.freeze_panes == "A10"
    rules = {row[2].value: row for row in sheet.iter_rows(min_row=10)}
    assert rules["period.other_months"][6].value == 1
    assert rules["attachment.missing"][3].value == "Belegbild fehlt"
    assert rules["attachment.missing"][4].fill.fgColor.rgb.endswith("FFC7CE")  # errors red
    assert rules["encoding.mojibake"][5].fill.fgColor.rgb.endswith("FFEB9C")  # warnings amber


def test_findings_sheet_has_filters_frozen_header_and_severity_colours(book):
    sheet = book["Befunde"]
    header = [c.value for c in sheet[1]]
    assert header[:8] == ["Schwere", "Datei", "Blatt", "Zeile", "Spalte", "Wert", "Meldung",
                          "Vorschlag"]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:K")
    first = list(sheet[2])
    assert first[0].value == "Fehler"
    assert first[0].fill.fgColor.rgb.endswith("FFC7CE")
    assert first[3].number_format == "0" and isinstance(first[3].value, int)
    severities = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert severities == sorted(severities, key=["Fehler", "Warnung", "Hinweis"].index)
    fills = {row[0].value: row[0].fill.fgColor.rgb for row in sheet.iter_rows(min_row=2)}
    assert fills["Hinweis"].endswith("DDEBF7")


def test_source_sheet_shows_the_month_as_written_with_typed_amounts_and_dates(book):
    sheet = book[BOOKING.stem]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Zeile", "Id", "AccountingDocument", "InvoiceNo"]
    assert sheet.max_row == 1 + 99  # the rows of January 2026 (and the two without a date)
    amount = header.index("Amount")
    booked = header.index("BookingDate")
    [first] = sheet.iter_rows(min_row=2, max_row=2)
    assert first[0].value == 2
    assert first[amount].value == pytest.approx(90.07)
    assert first[amount].number_format == "#,##0.00"
    assert first[booked].value == dt.datetime(2026, 1, 2)
    assert first[booked].number_format == "DD.MM.YYYY"
    assert first[header.index("AccountNo")].data_type == "s"  # account numbers stay text


def test_offending_cells_are_coloured_with_the_message_as_comment(book):
    sheet = book[BOOKING.stem]
    coloured = [
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if c.fill is not None and c.fill.fgColor.rgb.endswith("FFC7CE")
    ]
    assert coloured
    assert all(c.comment is not None and "Fehler (" in c.comment.text for c in coloured)


def test_formula_like_cells_are_text(tmp_path):
    source = tmp_path / "belege.csv"
    lines = [f"R-{n};02.01.2026;{text};10,00;8400;{text}" for n, text in enumerate(FORMULAS)]
    source.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_receipts(source, profile="juston")
    findings = check_sources(loaded, settings=SETTINGS)
    path = write_check_report(
        tmp_path / "p.xlsx", findings=findings, loaded=loaded, files=[source], client="455148-1"
    )
    book = load_workbook(path)
    sheet = book["belege"]
    header = [c.value for c in sheet[1]]
    names = [row[header.index("AccountName")] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in names] == FORMULAS
    assert all(c.data_type == "s" for c in names)  # text, never a formula
    # formula-like ones also stay text when edited; a phone number is data (spreadsheets.py)
    assert [c.quotePrefix for c in names] == [True, False, True, True]
    assert "<f>" not in worksheet_xml(path)  # not a single formula in the whole workbook


def worksheet_xml(path: Path) -> str:
    """All worksheet XML of an xlsx as one text."""
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        return "".join(archive.read(name).decode("utf-8") for name in names)


def test_an_excel_source_gets_one_sheet_per_loaded_sheet(tmp_path):
    source = SAMPLES / "invoices_crmplus.xlsx"
    loaded = load_invoices(source, profile="crmplus")
    path = write_check_report(
        tmp_path / "p.xlsx",
        findings=check_sources(loaded, settings=SETTINGS),
        loaded=loaded,
        files=[source],
    )
    names = load_workbook(path, read_only=True).sheetnames
    assert names == ["Zusammenfassung", "Befunde", "invoices_crmplus Rechnungen",
                     "invoices_crmplus Positionen"]  # fmt: skip


def test_control_characters_are_shown_not_dropped(tmp_path):
    source = tmp_path / "belege.csv"
    source.write_text(HEADER + "R-1;02.01.2026;Müller\x07GmbH;10,00;8400;x\n", encoding="utf-8")
    loaded = load_receipts(source, profile="juston")
    path = write_check_report(
        tmp_path / "p.xlsx", findings=check_sources(loaded, settings=SETTINGS), loaded=loaded,
        files=[source],
    )  # fmt: skip
    sheet = load_workbook(path)["belege"]
    assert sheet.cell(row=2, column=4).value == "Müller[U+0007]GmbH"


def test_an_e_invoices_findings_colour_its_row_whichever_xml_line_they_name(tmp_path):
    """E-invoice findings name the line of an XML element (BR-DE-19 the IBAN's line 61, the due
    date's line 7), the invoice's row is its root line: the cell of the element they name is
    coloured on the invoice's row, with the message as a comment."""
    sources = [SAMPLES / "einvoice_RE-2026-0111_br-de-19.xml",
               SAMPLES / "einvoice_RE-2026-0113_due-before-issue.xml"]  # fmt: skip
    result = runner.invoke(
        app,
        ["check", "invoices", *map(str, sources), "--client", "455148-1", "--format", "xlsx",
         "--out", str(tmp_path / "p.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    book = load_workbook(tmp_path / "p.xlsx")
    expected = {
        "einvoice_RE-2026-0111_br-de-19": (
            "/Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
            "xrechnung.BR-DE-19",
        ),
        "einvoice_RE-2026-0113_due-befor": ("/Invoice/cbc:DueDate", "einvoice.due_before_issue"),
    }
    for title, (xpath, rule) in expected.items():
        sheet = book[title]
        headers = [cell.value for cell in sheet[1]]
        cell = sheet.cell(row=2, column=headers.index(xpath) + 1)
        assert cell.fill.fgColor.rgb.endswith("FFEB9C"), (title, cell.fill.fgColor.rgb)
        assert rule in cell.comment.text
