"""check_sources on loaded files: loader findings, file encoding, settings, suites, positions."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from workbench.checks import check_sources, exit_code
from workbench.sources import load_invoices, load_receipts

HEADER = (
    "document_id,item_id,document_kind,date,amount,currency_code,account_no,invoice_id,"
    "booking_text\n"
)


def test_receipts_file(write, settings, tmp_path):
    path = write(
        "belege.csv",
        HEADER
        + "B1,I1,Rechnungseingang,2026-01-05,119.00,EUR,3300,R-1,Mehl Type 550\n"
        + "B2,I2,Rechnungseingang,2026-02-30,50.00,EUR,33000,,Brötchen\n",
        "cp1252",
    )
    result = load_receipts(path)
    configured = replace(settings, configured_account_length=5)
    findings = check_sources(result, settings=configured, period="2026-01", folder=tmp_path)
    rows = set(findings.select("source", "row", "rule").rows())
    assert rows == {
        (None, None, "account.configured_length_mismatch"),
        ("belege.csv", None, "encoding.non_utf8"),
        ("belege.csv", 3, "account.length_mismatch"),
        ("belege.csv", 3, "field.unparseable"),  # 30 February: the loader's finding only
        ("belege.csv", 3, "field.required"),  # the missing invoice id
    }
    required = findings.filter(pl.col("rule") == "field.required")
    # not date (unparseable) nor the Buchungsmonat derived from it
    assert required["column"].to_list() == ["invoice_id"]
    length = findings.filter(pl.col("rule") == "account.length_mismatch").row(0, named=True)
    assert (length["item_id"], length["source_column"]) == ("I2", "account_no")
    assert exit_code(findings) == 2


def test_invoices_without_positions(write, settings):
    invoices = write(
        "rechnungen.csv",
        "invoice_kind,invoice_id,date,party_name,zip,city,country,currency_code,"
        "net,tax_amount,gross,attachment,terms\n"
        "Rechnung,RE-1,2026-01-05,Bäckerei,90402,Nürnberg,DE,EUR,100.00,19.00,119.00,RE-1.pdf,AGB\n"
        "Rechnung,RE-2,2026-01-06,Bäckerei,90402,Nürnberg,DE,EUR,100.00,19.00,119.00,RE-2.pdf,AGB\n",
    )
    positions = write(
        "positionen.csv",
        "invoice_id,position,name,tax,net,tax_amount,gross\nRE-1,1,Brot,19,100.00,19.00,119.00\n",
    )
    result = load_invoices([invoices, positions])
    findings = check_sources(result, settings=settings, period="2026-01")
    assert findings.select("source", "row", "column", "rule").rows() == [
        ("rechnungen.csv", 3, "positions", "field.required")
    ]


def test_findings_name_the_excel_sheet(settings):
    """CRM+'s workbook has an invoice sheet and a positions sheet with overlapping row numbers:
    every finding says which sheet its row is on (ARCHITECTURE §4.2 ``sheet``)."""
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    result = load_invoices(samples / "invoices_crmplus.xlsx", profile="crmplus")
    findings = check_sources(result, settings=settings, period=("2026-01", "2026-03"))
    by_sheet = findings.group_by("sheet").agg(pl.col("rule").unique())
    sheets = set(by_sheet["sheet"].to_list())
    assert {"Rechnungen", "Positionen"} <= sheets
    loader = findings.filter(pl.col("rule") == "field.unparseable")
    assert loader["sheet"].null_count() == 0
    assert findings.filter(pl.col("sheet").is_null())["row"].null_count() == (
        findings.filter(pl.col("sheet").is_null()).height
    )  # only file- and settings-level findings have no sheet
    assert findings.columns[:3] == ["source", "sheet", "row"]


def test_csv_findings_have_no_sheet(write, settings):
    path = write("belege.csv", HEADER + "B1,I1,Rechnungseingang,2026-01-05,0,EUR,3300,R-1,x\n")
    findings = check_sources(load_receipts(path), settings=settings, period="2026-01")
    assert findings.height and findings["sheet"].null_count() == findings.height
