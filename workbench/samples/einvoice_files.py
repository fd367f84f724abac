"""E-invoice samples: clean XRechnung / ZUGFeRD invoices and ones with one seeded defect each.

:func:`einvoice_samples` gives the committed files of ``data/samples/`` (``einvoice_*.xml`` and
``einvoice_*.pdf``, received by client 455148-1, dated 2026-01..03) with their manifest
entries; :func:`generate_einvoices` makes the same kind of invoices at any size, a share of
them with a seeded defect. A defect changes exactly one thing, so exactly one rule fires; the
manifest's ``row`` is the line of the element the finding names, found in the written XML by
an XPath of its own (not by the loader), so the test compares two independent readings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import facturx
from lxml import etree

from workbench.samples import parties as p
from workbench.samples.einvoice_xml import (
    Charge,
    EInvoice,
    Line,
    Party,
    cii_bytes,
    ubl_bytes,
    zugferd_pdf,
)
from workbench.sources.einvoice.fields import CII_NS, UBL_NS

__all__ = ["EInvoiceSample", "clean_einvoice", "einvoice_samples", "generate_einvoices"]

NS = {**UBL_NS, **CII_NS}
CLIENT = "455148-1"
GOODS = (
    ("Weizenmehl Type 550, 25 kg", "7", "18.40"),
    ("Roggenmehl Type 1150, 25 kg", "7", "21.90"),
    ("Butter, 10 kg", "7", "64.50"),
    ("Backpapier, 500 Bogen", "19", "12.80"),
    ("Wartung Etagenofen", "19", "145.00"),
    ("Kaffeebohnen, 1 kg", "7", "16.90"),
    ("Reinigung Backstube", "19", "220.00"),
    ("Verpackungsbeutel, 1000 Stück", "19", "38.00"),
)


@dataclass
class EInvoiceSample:
    """One e-invoice file and its manifest entries (empty: the file is clean)."""

    name: str
    data: bytes
    invoice_id: str
    manifest: list[dict]


def _buyer() -> Party:
    return Party(p.CLIENTS[CLIENT].name, "Königstraße 12", "Nürnberg", "90402",
                 vat_id="DE811907980")  # fmt: skip


def clean_einvoice(rng: random.Random, number: str, day: date) -> EInvoice:
    """A correct XRechnung 3.0 from a supplier of the bakery: 1-4 lines, 7 % and/or 19 %."""
    zip_code, city, area = rng.choice(p.PLACES)
    surname = rng.choice(p.SURNAMES)
    trade = rng.choice(p.SUPPLIER_TRADES)
    legal = rng.choice([x for x in p.LEGAL if x])
    iban, _ = p.valid_iban(rng, rng.choice(p.BANKS))
    seller = Party(
        f"{trade} {surname} {legal}"[:50],
        f"{rng.choice(p.STREETS)} {rng.randrange(1, 120)}",
        city,
        zip_code,
        vat_id=p.valid_vat_id(rng),
        contact=f"{rng.choice(('Anna', 'Jonas', 'Petra', 'Lukas'))} {surname}",
        phone=f"+49 {area} {rng.randrange(100000, 999999)}",
        email=f"rechnung@{p._slug(trade)}-{p._slug(surname)}.example",
    )
    lines = []
    for name, rate, price in rng.sample(GOODS, rng.randrange(1, 5)):
        quantity = Decimal(rng.choice((1, 2, 3, 5, 10, 12, 20)))
        lines.append(Line(name, quantity, Decimal(price), Decimal(rate)))
    charges = []
    if rng.random() < 0.25:
        discount = Decimal(rng.choice(("5.00", "10.00", "12.50")))
        charges.append(Charge(discount, lines[0].rate, "Treuerabatt"))
    return EInvoice(
        number, day, seller, _buyer(), lines, due_date=day + timedelta(days=30), iban=iban,
        charges=charges,
        buyer_reference=f"BM-{rng.randrange(1000, 9999)}",
    )  # fmt: skip


# --- seeded defects -------------------------------------------------------------------------------


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
}  # fmt: skip


def zero_tax(category: str) -> Callable[[EInvoice], None]:
    """Make a clean invoice one of ``category``: one line of it at rate 0, its exemption."""
    (name, price), exemption = ZERO_TAX[category]

    def apply(invoice: EInvoice) -> None:
        invoice.lines = [Line(name, Decimal(1), Decimal(price), Decimal(0), category=category)]
        invoice.charges = []
        if exemption != (None, None):
            invoice.exemptions[category] = exemption

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


def _taxed_line(invoice: EInvoice) -> None:
    """The line says 19 %, the breakdown keeps the tax at 0 (the seller still reverses it)."""
    invoice.lines[0].rate = Decimal(19)
    invoice.vat_override[("AE", Decimal(19))] = Decimal("0.00")


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
        _zero_tax_defect("AE", _taxed_line), 
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
}  # fmt: skip


def _ubl_xpaths(defect: Defect) -> bool:
    """Whether the defect's manifest names elements in UBL's namespaces."""
    xpaths = [defect.xpath, *(also[2] for also in defect.also if not isinstance(also, str))]
    return any(xpath and ("cac:" in xpath or "cbc:" in xpath) for xpath in xpaths)


def _xsd_break(data: bytes) -> bytes:
    """Move ``cbc:IssueDate`` before ``cbc:ID``: the UBL schema's sequence is violated."""
    root = etree.fromstring(data)
    issue = root.find("cbc:IssueDate", NS)
    root.find("cbc:ID", NS).addprevious(issue)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write(invoice: EInvoice, syntax: str, pdf: dict | None = None) -> bytes:
    if syntax == "UBL":
        return ubl_bytes(invoice)
    if syntax == "CII":
        return cii_bytes(invoice)
    return zugferd_pdf(invoice, **(pdf or {}))


def _xml_of(data: bytes) -> bytes:
    if data.startswith(b"%PDF"):
        return facturx.get_xml_from_pdf(data, check_xsd=False)[1]
    return data


def _entry(name: str, data: bytes, invoice: EInvoice, defect: Defect) -> dict:
    root = etree.fromstring(_xml_of(data))
    node = root.xpath(defect.xpath, namespaces=NS)[0] if defect.xpath else root
    # a missing element is named by its parent: no value
    value = (node.text or "").strip() if defect.xpath and len(node) == 0 else None
    if defect.rule == "einvoice.xsd":
        value = None
    return {
        "file": name,
        "sheet": None,
        "row": node.sourceline,
        "item_id": invoice.number,
        "column": defect.column,
        "rule": defect.rule,
        "value": value,
        "note": defect.note,
    }


def _sample(name: str, invoice: EInvoice, defect: Defect | None, syntax: str) -> EInvoiceSample:
    if defect is not None:
        defect.apply(invoice)
    data = _write(invoice, syntax, defect.pdf if defect else None)
    if defect is not None and defect.rule == "einvoice.xsd":
        data = _xsd_break(data)
    manifest = []
    if defect is not None:
        manifest = [_entry(name, data, invoice, defect)]
        for also in defect.also:
            if isinstance(also, str):
                manifest.append({**manifest[0], "rule": also})
            else:
                rule, column, xpath = also
                other = replace(defect, rule=rule, column=column, xpath=xpath)
                manifest.append(_entry(name, data, invoice, other))
    return EInvoiceSample(name, data, invoice.number, manifest)


def einvoice_samples(seed: int = 0) -> list[EInvoiceSample]:
    """The committed e-invoice samples (``seed=0``): clean ones and one per defect kind."""
    rng = random.Random(f"einvoice-{seed}")
    days = [date(2026, 1, 1) + timedelta(days=rng.randrange(0, 85)) for _ in range(32)]
    number = iter(range(101, 200))
    samples: list[EInvoiceSample] = []

    def invoice(prefix: str = "RE") -> EInvoice:
        return clean_einvoice(rng, f"{prefix}-2026-{next(number):04d}", days[len(samples)])

    first = invoice()
    samples.append(_sample(f"einvoice_{first.number}_xrechnung_ubl.xml", first, None, "UBL"))
    for syntax, label in (("CII", "xrechnung_cii.xml"), ("PDF", "zugferd_en16931.pdf")):
        clean = invoice()
        samples.append(_sample(f"einvoice_{clean.number}_{label}", clean, None, syntax))
    credit = replace(invoice("GS"), type_code="381", preceding=first.number, charges=[])
    samples.append(_sample(f"einvoice_{credit.number}_xrechnung_ubl_gutschrift.xml", credit,
                           None, "UBL"))  # fmt: skip
    for rule, defect in DEFECTS.items():
        dirty = invoice()
        extension = "pdf" if defect.syntax == "PDF" else "xml"
        label = rule.split(".", 1)[1].lower().replace("_", "-")
        name = f"einvoice_{dirty.number}_{label}.{extension}"
        samples.append(_sample(name, dirty, defect, defect.syntax))
    for category in ZERO_TAX:
        clean = invoice()
        zero_tax(category)(clean)
        label = f"xrechnung_ubl_{category.lower()}.xml"
        samples.append(_sample(f"einvoice_{clean.number}_{label}", clean, None, "UBL"))
    return samples


def generate_einvoices(
    n: int, *, seed: int = 0, defect_rate: float = 0.05, formats: tuple[str, ...] = ("UBL", "CII")
) -> list[EInvoiceSample]:
    """``n`` e-invoices (XRechnung UBL/CII, or ``"PDF"`` for ZUGFeRD) in turn; ``defect_rate``
    of them carry one seeded defect (listed in their ``manifest``).

    >>> [s.name for s in generate_einvoices(2, seed=1, defect_rate=0)]
    ['einvoice_RE-2026-100000.xml', 'einvoice_RE-2026-100001.xml']
    """
    rng = random.Random(f"einvoice-gen-{seed}")
    kinds = [d for d in DEFECTS.values() if d.syntax != "PDF" or "PDF" in formats]
    out = []
    for index in range(n):
        syntax = formats[index % len(formats)]
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 85))
        invoice = clean_einvoice(rng, f"RE-2026-{100000 + index}", day)
        defect = rng.choice(kinds) if rng.random() < defect_rate else None
        if defect is not None:
            syntax = defect.syntax if defect.syntax != "UBL" or syntax == "PDF" else syntax
            if _ubl_xpaths(defect):
                syntax = "UBL"  # the manifest's XPaths are UBL's
        extension = "pdf" if syntax == "PDF" else "xml"
        out.append(_sample(f"einvoice_{invoice.number}.{extension}", invoice, defect, syntax))
    return out
