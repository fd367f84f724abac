"""Preview: DATEV field, value as DATEV sees it, canonical and source column, file row, findings."""

import polars as pl
import pytest
from mapping_helpers import big_receipts, finding, findings

from workbench.mapping import PosMapping, map_invoices, map_pos, map_receipts, preview, preview_wide
from workbench.mapping.preview import PREVIEW_SCHEMA


def line(frame: pl.DataFrame, record: int, field: str) -> dict:
    return frame.filter((pl.col("record") == record) & (pl.col("field") == field)).row(
        0, named=True
    )


def test_receipts_preview_names_source_column_and_row(receipts):
    juston, _ = receipts
    long = preview(map_receipts(juston))
    assert long.schema == PREVIEW_SCHEMA
    invoice = line(long, 0, "invoiceId")
    assert (
        invoice["value"],
        invoice["column"],
        invoice["source_column"],
        invoice["source_file"],
        invoice["source_row"],
    ) == ("R-2026-001", "invoice_id", "InvoiceNo", "bd.csv", 2)
    amount = line(long, 0, "amount")
    assert (amount["value"], amount["source_column"], amount["source_value"]) == (
        "1234.56",
        "Amount",
        "1234.56",
    )
    assert line(long, 0, "date")["source_column"] == "BookingDate"
    assert line(long, 0, "customerName")["source_column"] == "AccountName"
    expense = long.filter(pl.col("source_file") == "ex.csv")
    record = expense["record"][0]
    assert line(expense, record, "invoiceId")["source_column"] == "ReceiptNo"
    assert line(expense, record, "supplierName")["source_column"] == "PayeeName"
    assert line(expense, record, "internalInvoiceId")["source_column"] == "Name"
    assert line(expense, record, "amount")["source_column"] == "GrossAmount"


def test_preview_shows_findings_on_the_value(receipts):
    juston, _ = receipts
    given = findings(
        finding("bd.csv", 2, "encoding.exotic_space", severity="warning", column="party_name"),
        finding("bd.csv", 2, "field.vat_id", severity="info", column="party_name"),
    )
    long = preview(map_receipts(juston, findings=given))
    name = line(long, 0, "customerName")
    assert (name["rules"], name["severity"]) == (
        ["encoding.exotic_space", "field.vat_id"],
        "warning",
    )
    assert line(long, 0, "invoiceId")["rules"] == []


def test_pages_are_cut_from_the_records(receipts):
    juston, _ = receipts
    mapped = map_receipts(juston)
    pages = [preview(mapped, page=page, page_size=2) for page in range(3)]
    assert [sorted(set(page["record"])) for page in pages] == [[0, 1], [2, 3], []]
    assert pl.concat(pages).equals(preview(mapped, page_size=100))
    with pytest.raises(ValueError, match="page"):
        preview(mapped, page=-1)


def test_invoice_values_come_from_positions_where_there_are_any(crm_workbook):
    mapped = map_invoices(crm_workbook(), mode="rds", truncate_names=True)
    long = preview(mapped)
    amount = line(long, 1, "amount")
    assert (amount["column"], amount["source_column"], amount["source_row"], amount["value"]) == (
        "gross",
        "Produktposition(en): Positions-Brutto",
        3,
        "47.60",
    )
    header_amount = long.filter((pl.col("field") == "amount") & (pl.col("item_id") == "ER-5")).row(
        0, named=True
    )
    assert (header_amount["source_column"], header_amount["source_row"]) == ("Bruttobetrag", 4)
    assert line(long, 1, "invoiceId")["source_column"] == "Rechnungsnr."
    assert line(long, 1, "invoiceId")["source_row"] == 2


def test_extf_values_are_shown_as_in_the_file(crm_workbook):
    mapped = map_invoices(
        crm_workbook(), mode="bds", truncate_names=True, default_accounts={"Rechnung": "8400"}
    )
    long = preview(mapped)
    assert line(long, 0, "Umsatz (ohne Soll/Haben-Kz)")["value"] == "71,40"
    date = line(long, 0, "Belegdatum")
    assert (date["value"], date["source_column"], date["source_value"]) == (
        "1501",
        "Rechnungsdatum",
        "2026-01-15",
    )
    assert line(long, 0, "BU-Schlüssel")["source_column"] == "Produktposition(en): Steuer-Prozent"


def test_pos_records_summing_several_rows_name_the_first(pos_result):
    mapped = map_pos(
        pos_result,
        mapping=PosMapping(
            accounts={"Speisen": "8300", "Getränke": "8400", "EC-Karte": "1360", "Bar": "1000"},
            transit_account="1590",
            tip_account="1755",
            period="monthly",
        ),
    )
    long = preview(mapped)
    speisen = line(long, 0, "Umsatz (ohne Soll/Haben-Kz)")
    assert (
        speisen["value"],
        speisen["source_row"],
        speisen["source_rows"],
        speisen["source_column"],
    ) == ("1623,40", 2, 2, "Betrag brutto")


def test_wide_preview_puts_source_values_next_to_datev_values(receipts):
    juston, _ = receipts
    mapped = map_receipts(juston)
    wide = preview_wide(mapped, page_size=3)
    assert wide.height == 3
    assert wide.columns[:4] == ["record", "source_file", "source_row", "item_id"]
    first = wide.row(0, named=True)
    assert (
        first["invoiceId"],
        first["invoiceId [Quelle]"],
        first["accountNo"],
        first["accountNo [Quelle]"],
    ) == ("R-2026-001", "R-2026-001", "4400", "4400")
    assert first["source_row"] == 2


def test_one_page_deep_in_a_large_mapping_shows_its_own_records():
    # How long a page takes is measured in benchmarks/preview.py (against the mapping itself).
    n = 200_000
    mapped = map_receipts(big_receipts(n))
    assert mapped.records.height == n
    page = preview(mapped, page=3000, page_size=50)
    assert sorted(set(page["record"])) == list(range(150_000, 150_050))
    assert line(page, 150_000, "invoiceId")["source_row"] == 150_002


def test_findings_without_a_column_show_on_every_field_of_the_row(receipts):
    juston, _ = receipts
    given = findings(
        finding("bd.csv", 2, "duplicate.suspect", severity="info"),
        finding("bd.csv", 2, "field.vat_id", severity="warning", column="vat_id"),
    )
    long = preview(map_receipts(juston, findings=given)).filter(pl.col("record") == 0)
    assert set(long["severity"]) == {"info", "warning"}
    vat = line(long, 0, "vatId")
    assert (vat["rules"], vat["severity"]) == (["field.vat_id", "duplicate.suspect"], "warning")
    assert line(long, 0, "amount")["rules"] == ["duplicate.suspect"]


def test_excel_findings_stay_on_their_sheet(crm_workbook):
    # Row 3 is GS-7 in the invoices sheet and RE-1001 "Material" in the positions sheet.
    given = findings(
        finding(
            "crm.xlsx", 3, "encoding.nbsp", severity="warning", column="party_name", item_id="GS-7"
        ),
        finding(
            "crm.xlsx", 3, "amount.rounding", severity="info", column="gross", item_id="RE-1001"
        ),
    )
    long = preview(map_invoices(crm_workbook(), mode="rds", truncate_names=True, findings=given))
    material = long.filter(pl.col("record") == 1)
    assert line(material, 1, "amount")["rules"] == ["amount.rounding"]
    assert line(material, 1, "customerName")["rules"] == []
    gutschrift = long.filter(pl.col("item_id") == "GS-7")
    name = gutschrift.filter(pl.col("field") == "customerName").row(0, named=True)
    assert (name["rules"], name["severity"]) == (["encoding.nbsp"], "warning")
    assert gutschrift.filter(pl.col("field") == "amount")["rules"].to_list() == [[]]
