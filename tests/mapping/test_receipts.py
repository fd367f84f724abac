"""Receipt items → LedgerImport records: field table, blocking, skipping, counts, packages."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapping_helpers import assert_accounted, finding, findings

from workbench.datev.ledger_xml import ELEMENT_ORDER, read_ledger_xml, validate_ledger_records
from workbench.datev.package import DOCUMENT_KINDS, build_packages
from workbench.mapping import map_receipts
from workbench.sources import LoadResult, canonical_schema


def assert_valid(records: pl.DataFrame):
    for kind, ledger in DOCUMENT_KINDS.items():
        part = records.filter(pl.col("document_kind") == kind)
        columns = [
            c
            for c in part.columns
            if c in ELEMENT_ORDER[ledger]
            or c in ("document_id", "document_kind", "accounting_month", "attachment", "client")
        ]
        assert validate_ledger_records(part.select(columns), ledger=ledger).is_empty()


def test_juston_booking_detail_and_expense_follow_seed_004(receipts):
    juston, _ = receipts
    mapped = map_receipts(juston, client="455148-1")
    by_invoice = {row["invoiceId"]: row for row in mapped.records.iter_rows(named=True)}
    outgoing = by_invoice["R-2026-001"]
    assert outgoing["document_kind"] == "Rechnungsausgang"
    assert (outgoing["customerName"], outgoing["customerCity"]) == (
        "Müller & Söhne GmbH",
        "Görlitz",
    )
    assert outgoing["supplierName"] is None
    assert (outgoing["amount"], outgoing["accountNo"], outgoing["tax"]) == (1234.56, "4400", 19.0)
    assert (outgoing["iban"], outgoing["swiftCode"], outgoing["vatId"]) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE123456789",
    )
    assert outgoing["deliveryDate"] == dt.date(2026, 1, 30)
    assert outgoing["bpAccountNo"] == "10001"
    assert outgoing["date"] == dt.date(2026, 1, 31)
    expense = by_invoice["ER-17"]
    assert expense["document_kind"] == "Rechnungseingang"
    assert (expense["supplierName"], expense["supplierCity"]) == ("Büro Schäfer", "Düsseldorf")
    assert expense["customerName"] is None
    assert (expense["internalInvoiceId"], expense["paidAt"]) == ("INT-1", dt.date(2026, 1, 10))
    assert (expense["iban"], expense["vatId"], expense["accountNo"]) == (
        "DE02120300000000202051",
        "DE987654321",
        "4930",
    )
    assert_valid(mapped.records)


def test_blocked_and_skipped_rows_are_listed_with_reasons(receipts):
    juston, _ = receipts
    mapped = map_receipts(juston)
    assert mapped.skipped.select("source_file", "source_row", "item_id").rows() == [
        ("bd.csv", 3, "R-2026-002-1")
    ]
    assert "block_transfer" in mapped.skipped["reason"][0]
    blocked = mapped.blocked.row(0, named=True)
    assert (blocked["source_file"], blocked["source_row"], blocked["rules"]) == (
        "bd.csv",
        4,
        ["field.unparseable"],
    )
    assert "zwölf" in blocked["message"]
    assert mapped.records.height == 4
    assert_accounted(mapped, 6)


def test_check_findings_block_rows_and_warnings_do_not(receipts):
    juston, _ = receipts
    given = findings(
        finding("ex.csv", 3, "account.length_mismatch", column="account_no"),
        finding("bd.csv", 5, "encoding.exotic_space", severity="warning", column="party_name"),
    )
    mapped = map_receipts(juston, findings=given)
    assert ("ex.csv", 3, ["account.length_mismatch"]) in mapped.blocked.select(
        "source_file", "source_row", "rules"
    ).rows()
    assert "R-2026-004" in mapped.records["invoiceId"].to_list()
    assert mapped.findings.filter(pl.col("rule") == "encoding.exotic_space").height == 1
    assert_accounted(mapped, 6)


def test_a_document_is_blocked_whole_unless_asked_otherwise(write):
    text = (
        "document_id,item_id,document_kind,date,amount,invoice_id,booking_text\n"
        "B1,B1-1,Rechnungseingang,2026-01-05,100.00,B1,Teil 1\n"
        "B1,B1-2,Rechnungseingang,2026-01-05,50.00,B1,Teil 2\n"
        "B2,B2-1,Rechnungseingang,2026-01-06,10.00,B2,Allein\n"
    )
    from workbench.sources import load_receipts

    result = load_receipts(write("r.csv", text))
    given = findings(finding("r.csv", 2, "field.required", column="account_no"))
    whole = map_receipts(result, findings=given)
    assert whole.blocked.select("source_row", "rules").rows() == [
        (2, ["field.required"]),
        (3, ["transfer.document_blocked"]),
    ]
    assert whole.records["document_id"].to_list() == ["B2"]
    sibling = whole.findings.filter(pl.col("rule") == "transfer.document_blocked").row(
        0, named=True
    )
    assert (sibling["row"], sibling["severity"]) == (3, "error") and "B1" in sibling["message"]
    partial = map_receipts(result, findings=given, whole_documents=False)
    assert partial.records["bookingText"].to_list() == ["Teil 2", "Allein"]
    assert_accounted(whole, 3)
    assert_accounted(partial, 3)


def test_items_of_one_document_must_agree_on_date(write):
    from workbench.sources import load_receipts

    text = (
        "document_id,document_kind,date,accounting_month,amount,invoice_id,booking_text\n"
        "K9,Kasse,2026-01-05,2026-01,10.00,K9,a\n"
        "K9,Kasse,2026-01-06,2026-01,12.00,K9,b\n"
        "K10,Kasse,2026-01-07,2026-01,5.00,K10,c\n"
    )
    mapped = map_receipts(load_receipts(write("k.csv", text)))
    assert mapped.blocked["rules"].to_list() == [["receipts.document_inconsistent"]] * 2
    assert "verschiedenen Belegdaten" in mapped.blocked["message"][0]
    assert mapped.records["document_id"].to_list() == ["K10"]
    assert_accounted(mapped, 3)


def test_kasse_goes_to_cash_ledger_and_invalid_values_become_findings(receipts):
    _, kasse = receipts
    mapped = map_receipts(kasse)
    assert set(mapped.records["document_kind"]) == {"Kasse"}
    assert mapped.records.filter(pl.col("document_id") == "K1")["amount"].to_list() == [
        -50.0,
        -20.5,
    ]
    for element in ("iban", "supplierName", "customerName", "bpAccountNo"):
        assert mapped.records[element].null_count() == mapped.records.height
    # K3 has no Buchungstext, which the cash book requires.
    blocked = mapped.blocked.row(0, named=True)
    assert (blocked["source_row"], blocked["rules"]) == (5, ["field.datev"])
    problem = mapped.findings.filter(pl.col("rule") == "field.datev").row(0, named=True)
    assert problem["column"] == "booking_text" and problem["source_column"] == "booking_text"
    assert "bookingText" in problem["message"] and "Pflichtfeld" in problem["message"]
    assert_valid(mapped.records)
    assert_accounted(mapped, 4)


def test_records_build_xsd_valid_packages(receipts, tmp_path):
    juston, kasse = receipts
    for result in (juston, kasse):
        mapped = map_receipts(result, client="455148-1")
        out = build_packages(
            mapped.records, out_dir=tmp_path / "out" / result.sources[0].file, validate=True
        )
        assert out.manifest.height == mapped.records.height
        kinds = {package.document_kind for package in out.packages}
        assert kinds == set(mapped.records["document_kind"])
        first = out.packages[0]
        ledger = read_ledger_xml(first.path / first.files[0])
        assert ledger.ledger == DOCUMENT_KINDS[first.document_kind]


def _frame(rows: list[dict]) -> pl.DataFrame:
    schema = canonical_schema("receipts")
    return pl.DataFrame(rows, schema=schema)


@st.composite
def receipt_rows(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for i in range(n):
        doc = draw(st.integers(min_value=0, max_value=6))
        kind = ("Rechnungseingang", "Rechnungsausgang", "Kasse")[doc % 3]
        rows.append(
            {
                "document_id": f"D{doc}",
                "item_id": f"D{doc}-{i}",
                "document_kind": kind,
                "date": dt.date(2026, 1, 1 + doc),
                "accounting_month": "2026-01",
                "amount": draw(st.sampled_from([0.0, 10.0, -3.5, 12.345, None])),
                "invoice_id": draw(st.sampled_from([f"D{doc}", "bad id", None])),
                "booking_text": draw(st.sampled_from(["Text", None])),
                "block_transfer": draw(st.booleans()),
                "source_file": "gen.csv",
                "source_row": i + 2,
            }
        )
    errors = draw(st.lists(st.integers(min_value=2, max_value=n + 1), max_size=4)) if n else []
    whole = draw(st.booleans())
    return rows, errors, whole


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(receipt_rows())
def test_every_row_is_mapped_blocked_or_skipped(case):
    rows, errors, whole = case
    frame = _frame(rows)
    result = LoadResult(kind="receipts", frame=frame, findings=findings(), sources=())
    given_findings = findings(*[finding("gen.csv", row, "field.required") for row in errors])
    mapped = map_receipts(result, findings=given_findings, whole_documents=whole)
    if frame.height:
        assert_accounted(mapped, frame.height)
    else:
        assert mapped.records.is_empty()
    assert mapped.lineage.height == mapped.records.height
    assert_valid(mapped.records)
    assert not set(mapped.skipped["index"]) & set(mapped.blocked["index"])
    assert set(mapped.skipped["index"]) == set(
        frame.with_row_index().filter("block_transfer")["index"]
    )


@pytest.mark.parametrize("variant", ["booking detail", "expense"])
def test_lineage_points_at_the_file_row(receipts, variant):
    juston, _ = receipts
    mapped = map_receipts(juston)
    file = "bd.csv" if variant == "booking detail" else "ex.csv"
    lineage = mapped.lineage.filter(pl.col("source_file") == file)
    first = lineage.row(0, named=True)
    assert first["source_row"] == 2
    assert mapped.records["invoiceId"][first["record"]] == (
        "R-2026-001" if file == "bd.csv" else "ER-17"
    )


def test_rows_without_beleg_or_beleg_art_are_blocked_not_dropped(write):
    from workbench.sources import load_receipts

    text = (
        "document_id,document_kind,date,amount,invoice_id\n"
        "B1,,2026-01-05,10.00,B1\n"
        ",Rechnungseingang,2026-01-05,10.00,B2\n"
        "B3,Rechnungseingang,2026-01-05,10.00,B3\n"
    )
    mapped = map_receipts(load_receipts(write("r.csv", text)))
    assert mapped.blocked.select("source_row", "rules").rows() == [
        (2, ["field.required"]),
        (3, ["field.required"]),
    ]
    missing = (
        mapped.findings.filter(pl.col("rule") == "field.required")
        .select("row", "column", "source_column")
        .sort("row")
    )
    assert missing.rows() == [
        (2, "document_kind", "document_kind"),
        (3, "document_id", "document_id"),
    ]
    assert mapped.records["document_id"].to_list() == ["B3"]
    assert_accounted(mapped, 3)


def test_missing_belegbild_found_by_the_checks_blocks_the_row_and_present_ones_travel(
    write, tmp_path
):
    from workbench.checks import check_sources
    from workbench.sources import load_receipts

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    text = (
        "document_id,document_kind,date,amount,invoice_id,attachment\n"
        f"B1,Rechnungseingang,2026-01-05,10.00,B1,{scan}\n"
        f"B2,Rechnungseingang,2026-01-05,10.00,B2,{tmp_path / 'fehlt.pdf'}\n"
    )
    loaded = load_receipts(write("r.csv", text))
    # The check stage looks at the disk (once); mapping acts on its error findings.
    checked = check_sources(loaded, settings=None, folder=tmp_path)
    checked = checked.filter(pl.col("rule").str.starts_with("attachment."))
    mapped = map_receipts(loaded, findings=checked, client="455148-1")
    assert mapped.blocked.select("source_row", "rules").rows() == [(3, ["attachment.missing"])]
    problem = checked.filter(pl.col("rule") == "attachment.missing").row(0, named=True)
    assert (problem["column"], problem["source_column"]) == ("attachment", "attachment")
    assert "fehlt.pdf" in problem["message"]
    result = build_packages(mapped.records, out_dir=tmp_path / "out")
    assert result.packages[0].files == ["B1.xml", "scan.pdf"]
    # Mapping does not run the rule again: without the check's findings both rows map.
    assert map_receipts(loaded, client="455148-1").records.height == 2
    assert_accounted(mapped, 2)


def test_a_row_in_no_place_or_two_places_is_a_bug_that_raises(receipts):
    import dataclasses

    from workbench.errors import WorkbenchError

    juston, _ = receipts
    mapped = map_receipts(juston)
    lost = dataclasses.replace(mapped, lineage=mapped.lineage.slice(1))
    with pytest.raises(WorkbenchError, match="Interner Fehler"):
        lost.verified()
    doubled = dataclasses.replace(mapped, skipped=pl.concat([mapped.skipped, mapped.skipped]))
    with pytest.raises(WorkbenchError, match="Interner Fehler"):
        doubled.verified()


def test_mapped_findings_keep_every_check_finding_when_whole_documents_are_blocked(tmp_path):
    from workbench.findings import findings_frame
    from workbench.mapping import map_receipts
    from workbench.sources import load_receipts

    path = tmp_path / "belege.csv"
    path.write_text(
        "document_id,item_id,document_kind,date,amount,account_no,tax,invoice_id,"
        "booking_text\n"
        "D1,D1-1,Rechnungseingang,2026-01-05,119.00,4400,19,R1,Ware\n"
        "D1,D1-2,Rechnungseingang,2026-01-05,59.50,4400,19,R1,Ware\n"
        "D2,D2-1,Rechnungseingang,2026-01-06,10.00,4400,19,R2,Ware\n",
        encoding="utf-8",
    )
    loaded = load_receipts(path)
    findings = findings_frame(
        [
            {
                "source": "belege.csv",
                "row": 2,
                "item_id": "D1-1",
                "column": "amount",
                "rule": "amount.gross_mismatch",
                "severity": "error",
                "message": "Fehler",
            },
            {
                "source": "belege.csv",
                "row": 4,
                "item_id": "D2-1",
                "column": "booking_text",
                "rule": "encoding.exotic_space",
                "severity": "warning",
                "message": "Warnung",
            },
        ]
    )
    mapped = map_receipts(loaded, findings=findings, client="455148-1")
    assert set(mapped.blocked["item_id"]) == {"D1-1", "D1-2"}  # the sibling goes with it
    rules = set(mapped.findings["rule"])
    assert {"amount.gross_mismatch", "encoding.exotic_space", "transfer.document_blocked"} <= rules
