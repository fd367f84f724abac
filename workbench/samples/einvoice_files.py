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
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import facturx
from lxml import etree

from workbench.samples import parties as p
from workbench.samples.einvoice_cii import cii_bytes, zugferd_pdf
from workbench.samples.einvoice_defects import (
    DEFECTS,
    DOCUMENT_DEFECTS,
    ZERO_TAX,
    Defect,
    zero_tax,
)
from workbench.samples.einvoice_xml import Charge, EInvoice, Line, Party, ubl_bytes
from workbench.sources.einvoice.fields import CII_NS, UBL_NS

__all__ = [
    "EInvoiceSample",
    "clean_einvoice",
    "einvoice_samples",
    "generate_einvoices",
    "zero_tax",
]

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
    # more days from a second generator: the first one's sequence keeps the older samples as
    # they are
    more = random.Random(f"einvoice-more-{seed}")
    days += [date(2026, 1, 1) + timedelta(days=more.randrange(0, 85)) for _ in range(32)]
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

    def defective(rule: str, defect: Defect) -> EInvoiceSample:
        dirty = invoice()
        extension = "pdf" if defect.syntax == "PDF" else "xml"
        label = rule.split(".", 1)[1].lower().replace("_", "-")
        return _sample(f"einvoice_{dirty.number}_{label}.{extension}", dirty, defect, defect.syntax)

    for rule, defect in DEFECTS.items():
        samples.append(defective(rule, defect))
    for category in ZERO_TAX:
        clean = invoice()
        zero_tax(category)(clean)
        syntax = "CII" if category == "G" else "UBL"  # the export in CII, the others in UBL
        label = f"xrechnung_{syntax.lower()}_{category.lower()}.xml"
        samples.append(_sample(f"einvoice_{clean.number}_{label}", clean, None, syntax))
    for rule, defect in DOCUMENT_DEFECTS.items():
        samples.append(defective(rule, defect))
    return samples


def generate_einvoices(
    n: int,
    *,
    seed: int = 0,
    defect_rate: float = 0.05,
    formats: tuple[str, ...] = ("UBL", "CII"),
    zero_tax_rate: float = 0.0,
) -> list[EInvoiceSample]:
    """``n`` e-invoices (XRechnung UBL/CII, or ``"PDF"`` for ZUGFeRD) in turn; ``defect_rate``
    of them carry one seeded defect (listed in their ``manifest``); ``zero_tax_rate`` of the
    clean ones are of a VAT category without tax (AE, E, Z, K, G, O) instead of S.

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
        # a separate draw only when asked for: the default keeps the generated invoices as
        # they were
        if defect is None and zero_tax_rate and rng.random() < zero_tax_rate:
            zero_tax(rng.choice(list(ZERO_TAX)))(invoice)
        if defect is not None:
            syntax = defect.syntax if defect.syntax != "UBL" or syntax == "PDF" else syntax
            if _ubl_xpaths(defect):
                syntax = "UBL"  # the manifest's XPaths are UBL's
        extension = "pdf" if syntax == "PDF" else "xml"
        out.append(_sample(f"einvoice_{invoice.number}.{extension}", invoice, defect, syntax))
    return out
