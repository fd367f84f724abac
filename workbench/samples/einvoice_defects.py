"""Seeded e-invoice defects: each changes one thing in a clean invoice, so that one rule (and
the ones listed in ``also``) fires at the element named by its XPath.

The zero-tax categories (reverse charge, exempt, zero rate, intra-community supply, export,
not subject to VAT) are made from a clean invoice by :func:`zero_tax`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import cast

from workbench.samples.einvoice_xml import Charge, EInvoice, Line, Party

__all__ = ["DEFECTS", "DOCUMENT_DEFECTS", "ZERO_TAX", "Defect", "zero_tax"]


@dataclass(frozen=True)
class Defect:
    """A change to a clean invoice and where the finding must point."""

    rule: str
    column: str | None  # None: the finding names no field (a schema error)
    xpath: str | None  # the element the finding names; None: the root (a missing element)
    note: str
    apply: Callable[[EInvoice], None]
    syntax: str = "UBL"  # UBL, CII or PDF (ZUGFeRD)
    pdf: dict | None = None  # zugferd_pdf options
    #: Rules that fire with it by definition (BR-S-09 is BR-CO-17 for category S), at the
    #: same element or at another one: (rule, column, xpath).
    also: tuple[str | tuple[str, str, str], ...] = ()


def _moved(totals: dict[str, Decimal | None], column: str, delta: str) -> Decimal:
    """A clean invoice's total (one every invoice has) moved by ``delta``."""
    value = totals[column]
    if value is None:
        raise ValueError(f"the clean invoice has no {column}")
    return value + Decimal(delta)


def _line_net_off(invoice: EInvoice) -> None:
    line = invoice.lines[0]
    line.net = line.amount + Decimal("0.50")
    totals = invoice.totals()
    # the totals keep the sum of the correct line: only BR-CO-10 fails (BR-S-08 allows ± 1)
    for column in ("line_total", "tax_exclusive", "tax_inclusive", "payable"):
        invoice.override[column] = _moved(totals, column, "-0.50")


def _gross_off(invoice: EInvoice) -> None:
    totals = invoice.totals()
    invoice.override["tax_inclusive"] = _moved(totals, "tax_inclusive", "0.01")
    invoice.override["payable"] = _moved(totals, "payable", "0.01")


def _vat_off(invoice: EInvoice) -> None:
    category, rate, _, tax = invoice.breakdown()[0]
    invoice.vat_override[(category, rate)] = tax + Decimal("2.00")
    totals = invoice.totals()
    invoice.override.update(tax_inclusive=totals["tax_inclusive"], payable=totals["payable"])


def _bad_iban(invoice: EInvoice) -> None:
    iban = invoice.iban
    if iban is None:
        raise ValueError("the clean invoice has no IBAN")
    invoice.iban = f"{iban[:2]}{(int(iban[2:4]) + 1) % 97 or 2:02d}{iban[4:]}"


def _set(**values: object) -> Callable[[EInvoice], None]:
    def apply(invoice: EInvoice) -> None:
        for name, value in values.items():
            if name == "seller_vat_id":
                invoice.seller.vat_id = cast("str | None", value)
            else:
                setattr(invoice, name, value)

    return apply


def _due_before_issue(invoice: EInvoice) -> None:
    invoice.due_date = invoice.issue_date - timedelta(days=14)


#: Zero-tax invoices of the bakery: the VAT category, its line and its exemption reason
#: (VATEX code BT-121, text BT-120); Z (zero rate) names no reason (BR-Z-10).
ZERO_TAX = {
    "AE": (("Unterhaltsreinigung Backstube, Monatspauschale", "850.00"),
           ("VATEX-EU-AE", "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG)")),
    "E": (("Miete Lagerraum Hofgebäude", "600.00"),
          (None, "Steuerfreie Vermietung nach § 4 Nr. 12 UStG")),
    "Z": (("Photovoltaikanlage 9,8 kWp, Lieferung und Montage", "14200.00"), (None, None)),
    "K": (("Tiefkühl-Laugenbrezeln, 20 Kartons à 60 Stück", "1560.00"),
          ("VATEX-EU-IC", "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1b, § 6a UStG)")),
    "G": (("Christstollen 1 kg, 120 Stück, Versand nach Basel", "2280.00"),
          ("VATEX-EU-G", "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1a, § 6 UStG)")),
    "O": (("Schadenersatz für 12 beschädigte Europaletten", "180.00"),
          ("VATEX-EU-O", "Nicht steuerbar: echter Schadenersatz (Abschn. 1.3 UStAE)")),
}  # fmt: skip

#: The bakery (client 455148-1) as the seller of its own deliveries abroad (K, G).
BAKERY = Party("Bäckerei Müller GmbH", "Königstraße 12", "Nürnberg", "90402", vat_id="DE811907980",
               contact="Sabine Müller", phone="+49 911 2418830",
               email="buchhaltung@baeckerei-mueller.example")  # fmt: skip
#: The buyers of those deliveries: an Austrian café chain, a Swiss confectioner (no EU VAT id).
BUYERS_ABROAD = {
    "K": Party("Kaffeehaus Mozartplatz GmbH", "Mozartplatz 4", "Salzburg", "5020", country="AT",
               vat_id="ATU13585627"),
    "G": Party("Confiserie Rheinblick AG", "Marktplatz 9", "Basel", "4001", country="CH"),
}  # fmt: skip


def _abroad(invoice: EInvoice, category: str) -> None:
    """The bakery delivers to its buyer abroad, who receives the goods at its own address."""
    buyer = BUYERS_ABROAD[category]
    invoice.seller, invoice.buyer = replace(BAKERY), replace(buyer)
    invoice.delivery_date = invoice.issue_date - timedelta(days=2)
    invoice.deliver_to = replace(buyer)
    invoice.buyer_reference = f"Bestellung {invoice.number[-4:]}"


def _not_taxable(invoice: EInvoice) -> None:
    """Damages are not a supply (§ 1 UStG): no party names a VAT id; the seller is identified by
    its tax number and commercial register (BR-CO-26)."""
    invoice.seller.vat_id, invoice.buyer.vat_id = None, None
    invoice.seller.tax_number = "241/114/30517"
    invoice.seller.legal_id = "HRB 31337"


def zero_tax(category: str) -> Callable[[EInvoice], None]:
    """Make a clean invoice one of ``category``: one line of it at rate 0 (O: no rate), its
    exemption, and for K, G and O the parties such a supply has."""
    (name, price), exemption = ZERO_TAX[category]
    rate = None if category == "O" else Decimal(0)

    def apply(invoice: EInvoice) -> None:
        invoice.lines = [Line(name, Decimal(1), Decimal(price), rate, category=category)]
        invoice.charges = []
        if exemption != (None, None):
            invoice.exemptions[category] = exemption
        if category in BUYERS_ABROAD:
            _abroad(invoice, category)
        elif category == "O":
            _not_taxable(invoice)

    return apply


def _zero_tax_defect(category: str, change: Callable[[EInvoice], None]) -> Callable:
    def apply(invoice: EInvoice) -> None:
        zero_tax(category)(invoice)
        change(invoice)

    return apply


def _drop(column: str) -> Callable[[EInvoice], None]:
    def apply(invoice: EInvoice) -> None:
        invoice.drop.add(column)

    return apply


def _standard_breakdown(invoice: EInvoice) -> None:
    """The lines say reverse charge, the breakdown says standard rate (at 0 %)."""
    invoice.breakdown_as["AE"] = "S"
    invoice.exemptions.clear()


def _taxable_off(invoice: EInvoice) -> None:
    """The exempt breakdown's taxable amount 0,50 above the line (CII's artefact allows ± 1)."""
    invoice.taxable_override[("E", Decimal(0))] = invoice.lines[0].amount + Decimal("0.50")


def _no_exemption(invoice: EInvoice) -> None:
    invoice.exemptions.clear()


def _an_exemption(invoice: EInvoice) -> None:
    invoice.exemptions["Z"] = (None, "Nullsatz nach § 12 Abs. 3 UStG")


def _taxed_line(category: str) -> Callable[[EInvoice], None]:
    """The line says 19 %, the breakdown keeps the tax at 0 (the seller still treats the supply
    as one without tax)."""

    def apply(invoice: EInvoice) -> None:
        invoice.lines[0].rate = Decimal(19)
        invoice.vat_override[(category, Decimal(19))] = Decimal("0.00")

    return apply


def _seller_vat_id(invoice: EInvoice) -> None:
    invoice.seller.vat_id = "DE279418350"


def _rate_zero(invoice: EInvoice) -> None:
    invoice.lines[0].rate = Decimal(0)


def _standard_line(invoice: EInvoice) -> None:
    """Beside the damages, a taxable service at 19 % on the same invoice."""
    invoice.lines.append(Line("Palettenreinigung", Decimal(12), Decimal("2.50"), Decimal(19)))


def _exempt_tax(invoice: EInvoice) -> None:
    invoice.vat_override[("E", Decimal(0))] = Decimal("2.00")
    totals = invoice.totals()
    invoice.override.update(tax_inclusive=totals["tax_inclusive"], payable=totals["payable"])


_TOTALS = "//cac:LegalMonetaryTotal"
_SUM = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
DEFECTS: dict[str, Defect] = {
    "en16931.BR-CO-10": Defect("en16931.BR-CO-10", "line_total",
        f"{_TOTALS}/cbc:LineExtensionAmount",
        "Positionsnetto 0,50 zu hoch: Summe der Positionen ≠ BT-106", _line_net_off),
    "en16931.BR-CO-15": Defect("en16931.BR-CO-15", "tax_inclusive", f"{_SUM}/ram:GrandTotalAmount",
        "Bruttosumme BT-112 um 0,01 zu hoch", _gross_off, syntax="CII",
        also=("amount.gross_mismatch",)),
    "en16931.BR-S-09": Defect("en16931.BR-S-09", "tax", "(//cac:TaxSubtotal)[1]/cbc:TaxAmount",
        "Steuerbetrag der ersten Kategorie 2,00 zu hoch (Summen angepasst)", _vat_off,
        also=("en16931.BR-CO-17",)),
    "en16931.BR-CO-09": Defect("en16931.BR-CO-09", "seller_vat_id",
        "//cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID",
        "USt-IdNr. des Verkäufers ohne Länderpräfix", _set(seller_vat_id="123456789")),
    "en16931.BR-61": Defect("en16931.BR-61", "iban", None,
        "Zahlungsart 58 (SEPA-Überweisung) ohne IBAN", _set(iban=None)),
    "xrechnung.BR-DE-15": Defect("xrechnung.BR-DE-15", "buyer_reference", None,
        "XRechnung ohne Käuferreferenz (Leitweg-ID)", _set(buyer_reference=None), syntax="CII"),
    "xrechnung.BR-DE-19": Defect("xrechnung.BR-DE-19", "iban",
        "//cac:PayeeFinancialAccount/cbc:ID", "IBAN mit falscher Prüfziffer", _bad_iban),
    "einvoice.xsd": Defect("einvoice.xsd", None, "/*/cbc:IssueDate",
        "cbc:IssueDate vor cbc:ID (falsche Reihenfolge nach UBL-2.1-Schema)", lambda _: None),
    "einvoice.due_before_issue": Defect("einvoice.due_before_issue", "due_date", "/*/cbc:DueDate",
        "Fälligkeit 14 Tage vor dem Rechnungsdatum", _due_before_issue),
    "zugferd.profile_without_lines": Defect("zugferd.profile_without_lines", "spec_id",
        "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        "ZUGFeRD-Profil BASIC WL: keine Positionen", lambda _: None, syntax="PDF",
        pdf={"profile": "BASIC WL"}),
    "zugferd.pdfa": Defect("zugferd.pdfa", "attachment", None, "PDF/A-3U statt PDF/A-3B",
        lambda _: None, syntax="PDF", pdf={"conformance": "U"}),
    "zugferd.pdf_text_mismatch": Defect("zugferd.pdf_text_mismatch", "tax_inclusive",
        f"{_SUM}/ram:GrandTotalAmount", "Im PDF-Text steht ein anderer Gesamtbetrag",
        lambda _: None, syntax="PDF", pdf={"shown_total": "999,99"}),
    "en16931.BR-AE-05": Defect("en16931.BR-AE-05", "rate",
        "//cac:InvoiceLine[1]//cac:ClassifiedTaxCategory/cbc:Percent",
        "Reverse-Charge-Position mit 19 % (Steuer in der Aufschlüsselung 0)",
        _zero_tax_defect("AE", _taxed_line("AE")),
        also=(("en16931.BR-CO-17", "tax", "(//cac:TaxSubtotal)[1]/cbc:TaxAmount"),)),
    "en16931.BR-AE-10": Defect("en16931.BR-AE-10", "exemption_reason",
        "(//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax)[1]",
        "Reverse Charge ohne Befreiungsgrund (BT-120/BT-121)",
        _zero_tax_defect("AE", _no_exemption), syntax="CII"),
    "en16931.BR-E-09": Defect("en16931.BR-E-09", "tax", "(//cac:TaxSubtotal)[1]/cbc:TaxAmount",
        "Steuerfreie Miete mit 2,00 Steuer in der Aufschlüsselung (Summen angepasst)",
        _zero_tax_defect("E", _exempt_tax), also=("en16931.BR-CO-17",)),
    "en16931.BR-Z-10": Defect("en16931.BR-Z-10", "exemption_reason",
        "(//cac:TaxSubtotal)[1]//cbc:TaxExemptionReason", "Nullsatz mit Befreiungsgrund",
        _zero_tax_defect("Z", _an_exemption)),
    "en16931.BR-AE-02": Defect("en16931.BR-AE-02", "buyer_vat_id", None,
        "Reverse Charge ohne USt-IdNr. (BT-48) und Registernummer (BT-47) des Käufers",
        _zero_tax_defect("AE", _drop("buyer_vat_id"))),
    "en16931.BR-E-02": Defect("en16931.BR-E-02", "seller_vat_id", None,
        "Steuerfreie Miete ohne USt-IdNr. und Steuernummer des Verkäufers",
        _zero_tax_defect("E", _drop("seller_vat_id")), syntax="CII",
        also=("xrechnung.BR-DE-16", "en16931.BR-CO-26")),
    "en16931.BR-AE-01": Defect("en16931.BR-AE-01", "tax_total", "/*/cac:TaxTotal/cbc:TaxAmount",
        "Reverse-Charge-Positionen, aber die Aufschlüsselung nennt Kategorie S statt AE",
        _zero_tax_defect("AE", _standard_breakdown), also=("en16931.BR-S-01",
        ("en16931.BR-S-08", "taxable", "(//cac:TaxSubtotal)[1]/cbc:TaxableAmount"))),
    "en16931.BR-E-08": Defect("en16931.BR-E-08", "taxable",
        "(//cac:TaxSubtotal)[1]/cbc:TaxableAmount",
        "Steuerfreie Miete: Steuerbasisbetrag 0,50 über der Position",
        _zero_tax_defect("E", _taxable_off)),
    "en16931.BR-IC-02": Defect("en16931.BR-IC-02", "buyer_vat_id", None,
        "Innergemeinschaftliche Lieferung nach Salzburg ohne USt-IdNr. des Käufers (BT-48)",
        _zero_tax_defect("K", _drop("buyer_vat_id"))),
    "en16931.BR-IC-11": Defect("en16931.BR-IC-11", "delivery_date", None,
        "Innergemeinschaftliche Lieferung ohne Lieferdatum (BT-72) und Rechnungszeitraum",
        _zero_tax_defect("K", _set(delivery_date=None))),
    "en16931.BR-IC-12": Defect("en16931.BR-IC-12", "deliver_to_country", None,
        "Innergemeinschaftliche Lieferung ohne Lieferanschrift (BT-80)",
        _zero_tax_defect("K", _set(deliver_to=None)), syntax="CII"),
    "en16931.BR-G-05": Defect("en16931.BR-G-05", "rate",
        "//cac:InvoiceLine[1]//cac:ClassifiedTaxCategory/cbc:Percent",
        "Ausfuhrlieferung in die Schweiz mit 19 % (Steuer in der Aufschlüsselung 0)",
        _zero_tax_defect("G", _taxed_line("G")),
        also=(("en16931.BR-CO-17", "tax", "(//cac:TaxSubtotal)[1]/cbc:TaxAmount"),)),
    "en16931.BR-G-10": Defect("en16931.BR-G-10", "exemption_reason",
        "(//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax)[1]",
        "Ausfuhrlieferung ohne Befreiungsgrund (BT-120/BT-121)",
        _zero_tax_defect("G", _no_exemption), syntax="CII"),
    "en16931.BR-O-02": Defect("en16931.BR-O-02", "seller_vat_id",
        "//cac:AccountingSupplierParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']"
        "/cbc:CompanyID", "Nicht steuerbarer Schadenersatz mit USt-IdNr. des Verkäufers",
        _zero_tax_defect("O", _seller_vat_id)),
    "en16931.BR-O-05": Defect("en16931.BR-O-05", "rate",
        "(//ram:IncludedSupplyChainTradeLineItem)[1]//ram:RateApplicablePercent",
        "Nicht steuerbare Position mit Steuersatz 0 % (BT-152)",
        _zero_tax_defect("O", _rate_zero), syntax="CII"),
    "en16931.BR-O-11": Defect("en16931.BR-O-11", "tax_total", "/*/cac:TaxTotal/cbc:TaxAmount",
        "Schadenersatz (nicht steuerbar) und Palettenreinigung (19 %) auf einer Rechnung",
        _zero_tax_defect("O", _standard_line), also=("en16931.BR-O-12",)),
}  # fmt: skip


def _allowance_at_zero(invoice: EInvoice) -> None:
    """The loyalty discount on standard-rated goods names 0 % instead of their rate."""
    invoice.charges = [Charge(Decimal("10.00"), Decimal(0), "Treuerabatt")]


def _freight_without_buyer_vat_id(invoice: EInvoice) -> None:
    """The intra-community supply charges refrigerated freight (K, 0 %); the buyer's VAT id is
    missing."""
    invoice.charges.append(Charge(Decimal("45.00"), Decimal(0), "Frachtpauschale Kühltransport",
                                  charge=True, category="K"))  # fmt: skip
    invoice.drop.add("buyer_vat_id")


#: Defects of document-level allowances and charges (BG-20/BG-21). Apart from ``DEFECTS`` so
#: that the older samples and the generated invoices stay as they were: the samples follow the
#: zero-tax ones, and ``generate_einvoices`` draws from ``DEFECTS`` only.
DOCUMENT_DEFECTS: dict[str, Defect] = {
    "en16931.BR-S-06": Defect("en16931.BR-S-06", "rate",
        "//cac:AllowanceCharge[1]/cac:TaxCategory/cbc:Percent",
        "Treuerabatt auf Waren zum Normalsatz mit 0 % statt ihres Steuersatzes (BT-96)",
        _allowance_at_zero),
    "en16931.BR-IC-04": Defect("en16931.BR-IC-04", "buyer_vat_id", None,
        "Innergemeinschaftliche Lieferung mit Frachtzuschlag (K) ohne USt-IdNr. des Käufers "
        "(BT-48)", _zero_tax_defect("K", _freight_without_buyer_vat_id), syntax="CII",
        also=("en16931.BR-IC-02",)),
}  # fmt: skip
