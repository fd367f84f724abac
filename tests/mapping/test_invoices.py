"""CRM+ invoices → Rechnungsdatenservice 1.0 (Belegsatzdaten) and Buchungsdatenservice (EXTF)."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from mapping_helpers import INVOICES, POSITIONS, assert_accounted, finding, findings

from workbench.datev.extf import ExtfHeader, read_extf, validate_bookings, write_extf
from workbench.datev.ledger_xml import ELEMENT_ORDER, read_ledger_xml, validate_ledger_records
from workbench.datev.package import DOCUMENT_KINDS, build_packages
from workbench.mapping import map_invoices
from workbench.sources import LoadResult, canonical_schema


def header(category: int = 21) -> ExtfHeader:
    return ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=dt.date(2026, 1, 1),
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 1, 31),
        category=category,
        chart_of_accounts="03",
    )


def by_document(records: pl.DataFrame, document: str) -> pl.DataFrame:
    return records.filter(pl.col("document_id") == document)


def test_rds_one_consolidate_per_invoice_with_signs_and_ledgers(crm_workbook):
    mapped = map_invoices(crm_workbook(), mode="rds", truncate_names=True)
    records = mapped.records
    invoice = by_document(records, "RE-1001")
    assert invoice["amount"].to_list() == [71.4, 47.6]
    assert invoice["bookingText"].to_list() == ["Beratung", "Material"]
    assert set(invoice["document_kind"]) == {"Rechnungsausgang"}
    assert set(invoice["customerName"]) == {"Zahnarztpraxis Dr. Özdemir"}
    assert by_document(records, "GS-7")["amount"].to_list() == [-1190.0]
    assert by_document(records, "ST-1")["amount"].to_list() == [-119.0]
    assert by_document(records, "ST-1")["information"].to_list() == ["Storno"]
    incoming = by_document(records, "ER-5").row(0, named=True)
    assert (incoming["document_kind"], incoming["supplierName"], incoming["customerName"]) == (
        "Rechnungseingang",
        "Büro Schäfer",
        None,
    )
    assert (incoming["amount"], incoming["tax"]) == (53.5, 7.0)  # no positions: rate from tax/net
    # Booking proposals only where a Sachkonto is set.
    assert by_document(records, "RE-1002")["accountNo"].to_list() == [None]
    assert by_document(records, "RE-1001")["accountNo"].to_list() == ["8400", "8400"]
    assert len(by_document(records, "RE-1002")["customerName"][0]) == 50
    for kind, ledger in DOCUMENT_KINDS.items():
        part = records.filter(pl.col("document_kind") == kind)
        columns = [
            c
            for c in part.columns
            if c in ELEMENT_ORDER[ledger]
            or c in ("document_id", "document_kind", "accounting_month", "attachment")
        ]
        assert validate_ledger_records(part.select(columns), ledger=ledger).is_empty()
    assert_accounted(mapped, 5)


def test_rds_records_build_packages(crm_workbook, tmp_path):
    mapped = map_invoices(crm_workbook(), mode="rds", truncate_names=True, client="455148-1")
    result = build_packages(mapped.records, out_dir=tmp_path / "out", validate=True)
    assert sum(package.documents for package in result.packages) == 5
    receivable = next(p for p in result.packages if p.document_kind == "Rechnungsausgang")
    ledger = read_ledger_xml(receivable.path / "RE-1001.xml")
    assert ledger.consolidate["consolidatedAmount"] == "119.00"
    gutschrift = read_ledger_xml(receivable.path / "GS-7.xml")
    assert gutschrift.consolidate["consolidatedAmount"] == "-1190.00"


def test_long_names_are_blocked_unless_cut_at_50(crm_workbook):
    mapped = map_invoices(crm_workbook(), mode="rds")
    blocked = mapped.blocked.row(0, named=True)
    assert (blocked["item_id"], blocked["source_row"], blocked["rules"]) == (
        "RE-1002",
        5,
        ["field.datev"],
    )
    problem = mapped.findings.filter(pl.col("rule") == "field.datev").row(0, named=True)
    assert problem["source_column"] == "Organisation oder Kontakt"
    assert "customerName" in problem["message"] and "50" in problem["message"]
    assert "RE-1002" not in mapped.records["document_id"].to_list()
    assert_accounted(mapped, 5)


def test_kost_menge_from_position_quantity(crm_workbook):
    without = map_invoices(crm_workbook(), mode="rds", truncate_names=True)
    with_quantity = map_invoices(crm_workbook(), mode="rds", truncate_names=True, kost_menge=True)
    assert without.records["costAmount"].null_count() == without.records.height
    assert by_document(with_quantity.records, "RE-1001")["costAmount"].to_list() == [1.0, 2.0]


def test_positions_that_do_not_add_up_block_the_invoice(crm_workbook):
    positions = [POSITIONS[0], ["RE-1001", "Material", 19, 40, 7.6, 40.0, 2], POSITIONS[2]]
    mapped = map_invoices(crm_workbook(positions=positions), mode="rds", truncate_names=True)
    assert mapped.blocked.select("item_id", "rules").rows() == [
        ("RE-1001", ["amount.positions_sum"])
    ]
    message = mapped.findings.filter(pl.col("rule") == "amount.positions_sum")["message"][0]
    assert "ergeben brutto 111,40, der Beleg nennt 119,00" in message  # German, two decimals
    assert_accounted(mapped, 5)


def test_findings_on_positions_block_their_invoice_and_orphans_are_reported(crm_workbook):
    positions = [*POSITIONS, ["XX-9", "Waise", 19, 1, 0.19, 1.19, 1]]
    result = crm_workbook(positions=positions)
    # Row 3 of the positions sheet (RE-1001 "Material"); the invoices sheet's row 3 is GS-7.
    given = findings(finding("crm.xlsx", 3, "amount.decimals", column="gross", item_id="RE-1001"))
    mapped = map_invoices(result, mode="rds", truncate_names=True, findings=given)
    assert mapped.blocked.select("item_id", "rules").rows() == [("RE-1001", ["amount.decimals"])]
    assert "GS-7" in mapped.records["document_id"].to_list()
    orphan = mapped.findings.filter(pl.col("rule") == "invoice.orphan_position").row(0, named=True)
    assert (orphan["row"], orphan["severity"], orphan["source_column"]) == (
        5,
        "warning",
        "Rechnungsnr.",
    )
    assert_accounted(mapped, 5)


def test_duplicate_invoice_numbers_are_blocked(crm_workbook):
    invoices = [*INVOICES[:3], [*INVOICES[2][:1], "ER-5", *INVOICES[2][2:]]]
    mapped = map_invoices(crm_workbook(invoices=invoices), mode="rds")
    assert mapped.blocked.select("source_row", "rules").rows() == [
        (4, ["duplicate.invoice_id"]),
        (5, ["duplicate.invoice_id"]),
    ]
    assert_accounted(mapped, 4)


def test_bds_bookings_with_bu_codes_and_debit_credit(crm_workbook):
    mapped = map_invoices(
        crm_workbook(),
        mode="bds",
        truncate_names=True,
        kost_menge=True,
        default_accounts={"Rechnung": "8400"},
    )
    bookings = mapped.records
    assert validate_bookings(bookings, header()).is_empty()
    rows = {
        (r["Belegfeld 1"], r["Umsatz (ohne Soll/Haben-Kz)"]): r
        for r in bookings.iter_rows(named=True)
    }
    first = rows[("RE-1001", 71.4)]
    assert (
        first["Soll/Haben-Kennzeichen"],
        first["Konto"],
        first["Gegenkonto (ohne BU-Schlüssel)"],
        first["BU-Schlüssel"],
        first["KOST1 - Kostenstelle"],
        first["Kost-Menge"],
    ) == ("S", "10001", "8400", "3", "100", 1.0)
    assert rows[("GS-7", 1190.0)]["Soll/Haben-Kennzeichen"] == "H"
    assert rows[("ST-1", 119.0)]["Soll/Haben-Kennzeichen"] == "H"
    incoming = rows[("ER-5", 53.5)]
    assert (
        incoming["Soll/Haben-Kennzeichen"],
        incoming["Konto"],
        incoming["Gegenkonto (ohne BU-Schlüssel)"],
        incoming["BU-Schlüssel"],
    ) == ("H", "70001", "3400", "8")
    assert rows[("RE-1002", 11.9)]["Gegenkonto (ohne BU-Schlüssel)"] == "8400"  # default account
    data = write_extf(bookings, header())
    assert read_extf(data).frame.height == bookings.height
    assert_accounted(mapped, 5)


def test_bds_master_data_for_debitors_and_creditors(crm_workbook):
    mapped = map_invoices(
        crm_workbook(), mode="bds", truncate_names=True, default_accounts={"Rechnung": "8400"}
    )
    master = mapped.master_data
    assert master["Konto"].to_list() == ["10001", "10002", "70001", "10003"]
    assert (
        master.row(0, named=True)["Name (Adressattyp Unternehmen)"] == "Zahnarztpraxis Dr. Özdemir"
    )
    assert master.row(0, named=True)["Straße"] == "Hauptstr. 1"
    assert len(master.row(3, named=True)["Name (Adressattyp Unternehmen)"]) == 50
    stamm = ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=dt.date(2026, 1, 1),
        category=16,
    )
    assert validate_bookings(master, stamm).is_empty()
    assert read_extf(write_extf(master, stamm)).frame.height == 4


@pytest.mark.parametrize(
    ("change", "rule", "column"),
    [
        ({12: None}, "account.missing", "account_no"),  # no Sachkonto and no default
        ({13: None}, "account.missing", "party_account_no"),  # no Debitor
        ({10: "2,00"}, "tax.no_bu_code", "tax"),  # 20 %: no BU-Schlüssel in SKR03
    ],
)
def test_bds_blocks_invoices_that_cannot_become_a_booking(crm_workbook, change, rule, column):
    invoice = list(INVOICES[2])  # ER-5 has no positions
    for at, value in change.items():
        invoice[at] = value
    mapped = map_invoices(crm_workbook(invoices=[INVOICES[0], invoice]), mode="bds")
    assert mapped.blocked.select("item_id", "rules").rows() == [("ER-5", [rule])]
    problem = mapped.findings.filter(pl.col("rule") == rule).row(0, named=True)
    assert (problem["column"], problem["row"]) == (column, 3)
    assert mapped.records["Belegfeld 1"].unique().to_list() == ["RE-1001"]
    assert_accounted(mapped, 2)


def test_lineage_links_records_to_invoice_and_position_rows(crm_workbook):
    mapped = map_invoices(crm_workbook(), mode="rds", truncate_names=True)
    second = mapped.lineage.filter(pl.col("record") == 1).sort("role")
    assert second.select("role", "source_row", "item_id").rows() == [
        ("invoices", 2, "RE-1001"),
        ("positions", 3, "RE-1001"),
    ]


def test_invoices_without_kind_are_blocked(crm_workbook):
    invoice = [None, *INVOICES[2][1:]]
    mapped = map_invoices(crm_workbook(invoices=[INVOICES[0], invoice]), mode="rds")
    assert mapped.blocked.select("item_id", "rules").rows() == [("ER-5", ["field.required"])]
    problem = mapped.findings.filter(pl.col("rule") == "field.required").row(0, named=True)
    assert (problem["column"], problem["source_column"]) == ("invoice_kind", "Modul")
    assert_accounted(mapped, 2)


def test_rds_blocks_invoices_whose_belegbild_the_checks_found_missing(crm_workbook, tmp_path):
    from workbench.checks import check_sources

    invoice = [*INVOICES[2][:15], str(tmp_path / "ER-5.pdf")]
    loaded = crm_workbook(invoices=[INVOICES[0], invoice])
    found = check_sources(loaded, settings=None, folder=tmp_path)
    found = found.filter(pl.col("rule").str.starts_with("attachment."))
    rds = map_invoices(loaded, mode="rds", findings=found)
    assert rds.blocked.select("item_id", "rules").rows() == [("ER-5", ["attachment.missing"])]
    bds = map_invoices(crm_workbook(invoices=[INVOICES[0], invoice]), mode="bds")
    assert bds.blocked.is_empty()  # EXTF carries no Belegbilder


PARTY_DETAILS = (
    "invoice_kind,invoice_id,date,party_name,city,net,tax_amount,gross,vat_id,iban,due_date\n"
    "Eingangsrechnung,ER-10,2026-01-12,Musterlieferant,Musterort,1000.00,190.00,1190.00,"
    "DE111654321,DE38500700100087654321,2026-01-26\n"
    "Rechnung,RE-11,2026-01-12,Musterkunde,Musterort,100.00,19.00,119.00,"
    "DE111456789,DE33762500000121540061,2026-01-12\n"
    "Eingangsrechnung,ER-12,2026-01-20,Lieferant Zwei,Ort,100.00,19.00,119.00,,,2026-01-19\n"
)


def test_rds_carries_vat_id_iban_and_due_date_as_datevs_samples_do(write, tmp_path):
    """USt-IdNr., IBAN and Fälligkeit go to LedgerImport's vatId, iban and dueDate (DATEV's
    ER/AR Musterdaten carry all three); a due date before the invoice date is left out with a
    warning (XSD documentation of dueDate: it lies after the invoice date)."""
    from workbench.sources import load_invoices

    loaded = load_invoices(write("rechnungen.csv", PARTY_DETAILS), profile="canonical")
    mapped = map_invoices(loaded, mode="rds", client="455148-1")
    fields = ["vatId", "iban", "dueDate"]
    rows = {row["invoiceId"]: row for row in mapped.records.iter_rows(named=True)}
    assert [rows["ER-10"][name] for name in fields] == [
        "DE111654321", "DE38500700100087654321", dt.date(2026, 1, 26)
    ]  # fmt: skip
    assert [rows["RE-11"][name] for name in fields] == [
        "DE111456789", "DE33762500000121540061", dt.date(2026, 1, 12)
    ]  # fmt: skip
    assert [rows["ER-12"][name] for name in fields] == [None, None, None]
    late = mapped.findings.filter(pl.col("rule") == "field.due_date").row(0, named=True)
    assert (late["severity"], late["row"], late["column"], late["value"]) == (
        "warning", 4, "due_date", "2026-01-19"
    )  # fmt: skip
    assert "wird nicht an DATEV übertragen" in late["message"]
    assert_accounted(mapped, 3)
    result = build_packages(mapped.records, out_dir=tmp_path / "out", validate=True)
    payable = next(p for p in result.packages if p.document_kind == "Rechnungseingang")
    text = (payable.path / "ER-10.xml").read_text("utf-8")
    assert "<vatId>DE111654321</vatId>" in text and "<dueDate>2026-01-26</dueDate>" in text
    assert text.index("<vatId>") < text.index("<iban>") < text.index("<dueDate>")


def test_bds_finds_partner_accounts_by_vat_id_or_name_in_the_settings(write):
    """Without a Debitor/Kreditor in the source, the client's settings name it by the partner's
    USt-IdNr. or name; the source's own number wins. What is still missing says exactly what to
    configure."""
    from workbench.sources import load_invoices

    loaded = load_invoices(write("rechnungen.csv", PARTY_DETAILS), profile="canonical")
    mapped = map_invoices(
        loaded,
        mode="bds",
        client="455148-1",
        default_accounts={"Eingangsrechnung": "3400", "Rechnung": "8400"},
        party_accounts={"de 111 654 321": "70100", "Musterkunde": "10100", "DE111456789": "10200"},
    )
    konto = dict(mapped.records.select("Belegfeld 1", "Konto").iter_rows())
    assert konto == {"ER-10": "70100", "RE-11": "10200"}  # VAT id first (spaces, case ignored)
    assert mapped.blocked.select("item_id", "rules").rows() == [("ER-12", ["account.missing"])]
    missing = mapped.findings.filter(pl.col("rule") == "account.missing")["message"].item()
    assert '[clients."455148-1".party_accounts]' in missing
    assert '"Lieferant Zwei" = "<Konto>"' in missing
    by_name = map_invoices(
        loaded, mode="bds", client="455148-1", party_accounts={"Lieferant Zwei": "70200"}
    )
    sachkonto = by_name.findings.filter(
        (pl.col("rule") == "account.missing") & (pl.col("column") == "account_no")
    )
    assert sachkonto["item_id"].to_list() == ["ER-12"]
    assert '[clients."455148-1".default_accounts]' in sachkonto["message"].item()
    assert 'Eingangsrechnung = "<Sachkonto>"' in sachkonto["message"].item()


def test_the_sources_own_partner_account_wins_over_the_settings(crm_workbook):
    mapped = map_invoices(
        crm_workbook(),
        mode="bds",
        truncate_names=True,
        default_accounts={"Rechnung": "8400"},
        party_accounts={"Büro Schäfer": "79999"},
    )
    assert "79999" not in mapped.records["Konto"].to_list()


@st.composite
def invoice_sets(draw):
    invoices, positions = [], []
    for i in range(draw(st.integers(min_value=0, max_value=8))):
        number = draw(st.sampled_from([f"RE-{i}", "RE-0", None]))
        kind = draw(st.sampled_from(["Rechnung", "Eingangsrechnung", "Gutschrift", "Storno", None]))
        parts = draw(
            st.lists(
                st.tuples(
                    st.integers(min_value=1, max_value=90_000),
                    st.sampled_from([19.0, 7.0, 0.0, 16.0]),
                ),
                max_size=3,
            )
        )
        gross = (
            sum(c for c, _ in parts) / 100 if parts else draw(st.sampled_from([119.0, 0.0, 10.5]))
        )
        gross += draw(st.sampled_from([0.0, 0.0, 0.02]))
        invoices.append(
            {
                "invoice_kind": kind,
                "invoice_id": number,
                "date": dt.date(2026, 1, 10),
                "party_name": draw(st.sampled_from(["Kunde GmbH", "X" * 55])),
                "city": "Köln",
                "currency_code": "EUR",
                "net": 100.0,
                "tax_amount": 19.0,
                "gross": gross,
                "account_no": draw(st.sampled_from(["8400", None])),
                "party_account_no": "10001",
                "source_file": "inv.csv",
                "source_row": i + 2,
            }
        )
        for p, (cents, tax) in enumerate(parts):
            positions.append(
                {
                    "invoice_id": number,
                    "position": p + 1,
                    "name": f"Pos {p}",
                    "tax": tax,
                    "gross": cents / 100,
                    "quantity": 1.0,
                    "source_file": "pos.csv",
                    "source_row": len(positions) + 2,
                }
            )
    errors = (
        draw(st.lists(st.integers(min_value=2, max_value=len(invoices) + 1), max_size=2))
        if invoices
        else []
    )
    return invoices, positions, errors, draw(st.sampled_from(["rds", "bds"])), draw(st.booleans())


@hypothesis_settings(max_examples=40, deadline=None)
@given(invoice_sets())
def test_every_invoice_is_mapped_whole_or_blocked(case):
    invoices, positions, errors, mode, truncate = case
    result = LoadResult(
        kind="invoices",
        frame=pl.DataFrame(invoices, schema=canonical_schema("invoices")),
        findings=findings(),
        sources=(),
        positions=pl.DataFrame(positions, schema=canonical_schema("positions")),
    )
    mapped = map_invoices(
        result,
        mode=mode,
        truncate_names=truncate,
        findings=findings(*[finding("inv.csv", row, "field.pattern") for row in errors]),
    )
    if invoices:
        assert_accounted(mapped, len(invoices))
    assert not {row for row in errors} & set(
        mapped.lineage.filter(pl.col("role") == "invoices")["source_row"]
    )
    if mode == "bds" and mapped.records.height:
        any_period = ExtfHeader(
            consultant_number=29098, client_number=55003, fiscal_year_start=dt.date(2026, 1, 1)
        )
        assert validate_bookings(mapped.records, any_period).is_empty()
    if mode == "rds":
        for kind, ledger in DOCUMENT_KINDS.items():
            part = mapped.records.filter(pl.col("document_kind") == kind)
            columns = [
                c
                for c in part.columns
                if c in ELEMENT_ORDER[ledger]
                or c in ("document_id", "document_kind", "accounting_month", "attachment")
            ]
            assert validate_ledger_records(part.select(columns), ledger=ledger).is_empty()
        # Each mapped invoice is complete: its amounts add up to its gross.
        sums = mapped.records.group_by("document_id").agg(pl.col("amount").sum().abs().round(2))
        gross = {row["invoice_id"]: abs(row["gross"]) for row in invoices}
        assert all(abs(total - gross[doc]) < 0.005 for doc, total in sums.iter_rows())


def test_corrections_are_negative_once_and_discount_lines_keep_their_sign(crm_workbook):
    storno = [
        "Stornos",
        "ST-2",
        "23.01.2026",
        "Kunde GmbH",
        None,
        "01067",
        "Dresden",
        "DE",
        "EUR",
        "75,63",
        "14,37",
        "90,00",
        "8400",
        "10001",
        None,
        None,
    ]
    exported_negative = [*INVOICES[4][:9], "-100,00", "-19,00", "-119,00", *INVOICES[4][12:]]
    positions = [
        ["ST-2", "Leistung", 19, 84.03, 15.97, 100.0, 1],
        ["ST-2", "Rabatt", 19, -8.40, -1.60, -10.0, 1],
    ]
    mapped = map_invoices(
        crm_workbook(invoices=[storno, exported_negative], positions=positions), mode="rds"
    )
    assert by_document(mapped.records, "ST-2")["amount"].to_list() == [-100.0, 10.0]
    assert by_document(mapped.records, "ST-1")["amount"].to_list() == [-119.0]
    assert mapped.blocked.is_empty()
