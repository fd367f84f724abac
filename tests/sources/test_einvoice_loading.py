"""E-invoices load into the canonical invoices and positions frames: XRechnung UBL (Invoice,
CreditNote), XRechnung CII and ZUGFeRD/Factur-X PDFs, one row per invoice, every value traced
to file, line and XPath; bad files give one German error naming file and line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest
from lxml import etree

from workbench.errors import SourceError
from workbench.pipeline import detect_profile
from workbench.samples.einvoice_cii import cii_bytes, zugferd_pdf
from workbench.samples.einvoice_xml import Charge, EInvoice, Line, Party, ubl_bytes
from workbench.samples.writers import pdf_bytes
from workbench.sources import load_invoices, load_profile
from workbench.sources.einvoice.fields import CII_NS, UBL_NS

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
NS = {**UBL_NS, **CII_NS}


def invoice(**changes) -> EInvoice:
    seller = Party(
        "Mühle Schäfer GmbH", "Fürther Straße 3", "Nürnberg", "90402", vat_id="DE136695976",
        phone="+49 911 123456", email="rechnung@muehle.example",
    )  # fmt: skip
    buyer = Party("Bäckerei Müller GmbH", "Königstraße 12", "Nürnberg", "90402",
                  vat_id="DE811907980")  # fmt: skip
    values = dict(
        number="RE-2026-0500",
        issue_date=date(2026, 2, 3),
        seller=seller,
        buyer=buyer,
        lines=[
            Line("Weizenmehl Type 550", D("12"), D("18.40"), D("7")),
            Line("Wartung Etagenofen", D("1"), D("145.00"), D("19")),
            Line("Backpapier", D("3"), D("12.80"), D("19")),
        ],
        charges=[Charge(D("10.00"), D("7"), "Treuerabatt")],
        due_date=date(2026, 3, 5),
        iban="DE89370400440532013000",
    )
    values.update(changes)
    return EInvoice(**values)


WRITERS = {
    "ubl.xml": ubl_bytes,
    "cii.xml": cii_bytes,
    "zugferd.pdf": zugferd_pdf,
}


@pytest.fixture(params=list(WRITERS))
def written(request, tmp_path):
    spec = invoice()
    path = tmp_path / f"RE-2026-0500_{request.param}"
    path.write_bytes(WRITERS[request.param](spec))
    return spec, path


def test_each_syntax_loads_one_invoice_with_the_xml_values(written):
    spec, path = written
    result = load_invoices(path, profile="einvoice")
    row = result.frame.row(0, named=True)
    totals = spec.totals()
    assert result.frame.height == 1
    assert row["invoice_kind"] == "Eingangsrechnung"  # received: the Mandant is the buyer
    assert row["invoice_id"] == "RE-2026-0500" and row["date"] == date(2026, 2, 3)
    assert (row["party_name"], row["city"], row["zip"]) == (
        "Mühle Schäfer GmbH",
        "Nürnberg",
        "90402",
    )
    assert (row["vat_id"], row["iban"]) == ("DE136695976", "DE89370400440532013000")
    assert row["due_date"] == date(2026, 3, 5) and row["currency_code"] == "EUR"
    assert row["net"] == float(totals["tax_exclusive"])
    assert row["tax_amount"] == float(totals["tax_total"])
    assert row["gross"] == float(totals["tax_inclusive"])
    assert row["attachment"] == str(path.resolve())  # the e-invoice itself is the Beleg


def test_positions_have_quantity_unit_price_and_add_up_to_the_breakdown(written):
    spec, path = written
    positions = load_invoices(path, profile="einvoice").positions
    assert positions["name"].to_list() == [
        "Weizenmehl Type 550", "Wartung Etagenofen", "Backpapier", "Nachlass: Treuerabatt"
    ]  # fmt: skip
    assert positions["quantity"].to_list() == [12.0, 1.0, 3.0, None]
    assert positions["unit_price"].to_list() == [18.40, 145.00, 12.80, None]
    assert positions["net"].to_list() == [220.80, 145.00, 38.40, -10.00]
    breakdown = {rate: tax for _, rate, _, tax in spec.breakdown()}
    for rate, tax in breakdown.items():
        mine = positions.filter(pl.col("tax") == float(rate))
        assert round(mine["tax_amount"].sum(), 2) == float(tax)
    assert round(positions["gross"].sum(), 2) == float(spec.totals()["tax_inclusive"])


def test_every_value_is_traced_to_its_line_and_xpath(written):
    _, path = written
    result = load_invoices(path, profile="einvoice")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        import facturx

        data = facturx.get_xml_from_pdf(data, check_xsd=False)[1]
    root = etree.fromstring(data)
    locations = result.details["einvoice_locations"]
    for column in ("invoice_id", "line_total", "tax_inclusive", "seller_vat_id", "party_name"):
        where = locations.filter(pl.col("column") == column).row(0, named=True)
        found = root.xpath(where["xpath"].replace("/Invoice/", "/ubl:Invoice/"), namespaces=NS)
        assert found and found[0].sourceline == where["line"], column
    assert result.frame["source_row"].item() == root.sourceline
    lines = result.positions.filter(pl.col("name") == "Backpapier")["source_row"].item()
    third = root.xpath(
        "//cac:InvoiceLine[3] | //ram:IncludedSupplyChainTradeLineItem[3]", namespaces=NS
    )[0]
    assert lines == third.sourceline


def test_a_received_credit_note_books_negative_amounts(tmp_path):
    spec = invoice(number="GS-2026-0501", type_code="381", preceding="RE-2026-0500", charges=[])
    path = tmp_path / "gutschrift.xml"
    path.write_bytes(ubl_bytes(spec))
    result = load_invoices(path, profile="einvoice")
    assert result.details["einvoice"]["document"].item() == "CreditNote"
    assert result.frame["gross"].item() == -float(spec.totals()["tax_inclusive"])
    assert (result.positions["net"] < 0).all()


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_the_preceding_invoice_is_the_original_invoice_id(tmp_path, suffix):
    """BT-25 (preceding invoice reference) names the invoice a credit note corrects."""
    spec = invoice(number="GS-2026-0501", type_code="381", preceding="RE-2026-0500", charges=[])
    path = tmp_path / f"gutschrift_{suffix}"
    path.write_bytes(WRITERS[suffix](spec))
    result = load_invoices(path, profile="einvoice")
    assert result.frame["original_invoice_id"].to_list() == ["RE-2026-0500"]
    where = result.details["einvoice_locations"].filter(pl.col("column") == "original_invoice_id")
    assert where["xpath"].item().endswith(("cbc:ID", "ram:IssuerAssignedID"))
    plain = tmp_path / f"rechnung_{suffix}"
    plain.write_bytes(WRITERS[suffix](invoice()))
    assert load_invoices(plain, profile="einvoice").frame["original_invoice_id"].item() is None


@pytest.mark.parametrize("suffix", ["ubl.xml", "cii.xml"])
def test_outgoing_iban_is_the_buyers_debited_account_not_the_own_one(tmp_path, suffix):
    """Issued: BT-84 is the Mandant's own account; the customer's IBAN is the debited account
    of a direct debit (BT-91), if the invoice names one."""
    profile = tmp_path / "einvoice-ausgang.toml"
    profile.write_text('format = "einvoice"\n[einvoice]\ndirection = "outgoing"\n', "utf-8")
    debit = invoice(payment_means="59", debited_iban="DE02120300000000202051")
    for name, spec, expected in (
        ("ueberweisung", invoice(), None),
        ("lastschrift", debit, "DE02120300000000202051"),
    ):
        path = tmp_path / f"{name}_{suffix}"
        path.write_bytes(WRITERS[suffix](spec))
        frame = load_invoices(path, profile=load_profile(profile)).frame
        assert frame["iban"].item() == expected, name
    received = tmp_path / f"empfangen_{suffix}"
    received.write_bytes(WRITERS[suffix](debit))
    incoming = load_invoices(received, profile="einvoice").frame
    assert incoming["iban"].item() == "DE89370400440532013000"  # the seller's: pay there


def test_outgoing_profile_takes_the_buyer_as_party(tmp_path):
    profile = tmp_path / "einvoice-ausgang.toml"
    profile.write_text('format = "einvoice"\n[einvoice]\ndirection = "outgoing"\n', "utf-8")
    path = tmp_path / "r.xml"
    path.write_bytes(ubl_bytes(invoice()))
    row = load_invoices(path, profile=load_profile(profile)).frame.row(0, named=True)
    assert (row["invoice_kind"], row["party_name"]) == ("Rechnung", "Bäckerei Müller GmbH")


def test_profile_auto_recognises_einvoices_and_leaves_tables_alone():
    for name in (
        "einvoice_RE-2026-0101_xrechnung_ubl.xml",
        "einvoice_RE-2026-0102_xrechnung_cii.xml",
        "einvoice_RE-2026-0103_zugferd_en16931.pdf",
    ):
        assert detect_profile("invoices", [SAMPLES / name]) == "einvoice"
    assert detect_profile("invoices", [SAMPLES / "invoices_crmplus.xlsx"]) == "crmplus"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"<?xml version='1.0'?>\n<Invoice>\n<cbc:ID>1</Invoice>",
            r"kein wohlgeformtes XML \(Zeile 3",
        ),
        (
            b"<?xml version='1.0'?><Order xmlns='urn:x'/>",
            "keine E-Rechnung: das Wurzelelement 'Order'",
        ),
        (
            b"<?xml version='1.0'?><rsm:CrossIndustryDocument xmlns:rsm="
            b"'urn:ferd:CrossIndustryDocument:invoice:1p0'/>",
            "ZUGFeRD-1.0",
        ),
        (pdf_bytes("Rechnung", ["nur Papier"]), "enthält keine eingebettete E-Rechnung"),
    ],
    ids=["malformed", "not-an-invoice", "zugferd-1", "plain-pdf"],
)
def test_bad_files_give_one_german_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / ("beleg.pdf" if content.startswith(b"%PDF") else "beleg.xml")
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message) as raised:
        load_invoices(path, profile="einvoice")
    assert "beleg." in str(raised.value)


def test_unreadable_amount_is_a_finding_at_its_element(tmp_path):
    data = ubl_bytes(invoice()).replace(
        b">394.20</cbc:TaxExclusiveAmount", b">394,20</cbc:TaxExclusiveAmount"
    )
    path = tmp_path / "komma.xml"
    path.write_bytes(data)
    result = load_invoices(path, profile="einvoice")
    finding = result.findings.row(0, named=True)
    assert (finding["rule"], finding["column"], finding["value"]) == (
        "field.unparseable",
        "tax_exclusive",
        "394,20",
    )
    assert result.frame["net"].item() is None


@pytest.mark.parametrize("suffix", ["ubl.xml", "cii.xml"])
def test_intra_community_and_not_taxable_terms_load_in_both_syntaxes(tmp_path, suffix):
    """BT-73/74 (invoicing period) and BT-80 (deliver-to country) are read from UBL and CII;
    a line not subject to VAT (category O) has no rate, and its position books at 0 %."""
    from datetime import date

    spec = invoice(charges=[])
    spec.lines = [Line("Schadenersatz Europaletten", D(1), D("180.00"), None, "O")]
    spec.exemptions["O"] = ("VATEX-EU-O", "Nicht steuerbar")
    spec.period = (date(2026, 1, 1), date(2026, 1, 31))
    spec.deliver_to = Party("Kaffeehaus Mozartplatz GmbH", "Mozartplatz 4", "Salzburg", "5020",
                            country="AT")  # fmt: skip
    path = tmp_path / f"o_{suffix}"
    path.write_bytes(WRITERS[suffix](spec))
    result = load_invoices(path, profile="einvoice")
    header = result.details["einvoice"].row(0, named=True)
    assert (header["period_start"], header["period_end"], header["deliver_to_country"]) == (
        date(2026, 1, 1), date(2026, 1, 31), "AT"
    )  # fmt: skip
    assert result.details["einvoice_lines"]["rate"].to_list() == [None]
    assert result.positions.select("tax", "tax_amount", "gross").rows() == [(0.0, 0.0, 180.0)]


@pytest.mark.parametrize("suffix", ["ubl.xml", "cii.xml"])
def test_document_allowances_and_charges_keep_their_category_and_rate(tmp_path, suffix):
    """BG-20/BG-21 with their VAT category (BT-95/BT-102) and rate (BT-96/BT-103), a missing
    rate as none: the terms the -06/-07 rules and BR-S-08 read."""
    spec = invoice(
        charges=[
            Charge(D("10.00"), D("7"), "Treuerabatt"),
            Charge(D("25.00"), D("19"), "Frachtpauschale", charge=True),
            Charge(D("5.00"), None, "Pfandrücknahme", category="O"),
        ]
    )
    path = tmp_path / f"charges_{suffix}"
    path.write_bytes(WRITERS[suffix](spec))
    charges = load_invoices(path, profile="einvoice").details["einvoice_charges"]
    assert charges.select("charge", "amount", "category", "rate", "reason").rows() == [
        ("false", 10.0, "S", 7.0, "Treuerabatt"),
        ("true", 25.0, "S", 19.0, "Frachtpauschale"),
        ("false", 5.0, "O", None, "Pfandrücknahme"),
    ]


def test_read_written_gives_the_xml_text_of_each_record_by_the_load_source_columns():
    """What previews show beside a mapped value (tour 27, defect 7): the element's text as
    written, found by the record's row and the XPath that ``load`` names as source column."""
    from workbench.sources.einvoice import read_written
    from workbench.sources.raw import RawCells

    path = SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml"
    table = read_written(path)
    assert table.rows.to_list() == [2, 87, 105]  # the root, then each cac:InvoiceLine
    result = load_invoices(path, profile="einvoice")
    cells = RawCells({path.name: path}, (*result.sources, *result.position_sources))
    invoice, positions = result.sources[0].mapped, result.position_sources[0].mapped
    assert cells.text(path.name, 2, invoice["gross"]) == "1535.10"  # as written, with its point
    assert cells.text(path.name, 2, invoice["date"]) == "2026-03-14"
    assert cells.text(path.name, 105, positions["name"]) == "Reinigung Backstube"
    assert cells.text(path.name, 105, positions["net"]) == "1100.00"
    assert cells.is_document(path.name)
