"""Write e-invoices: the EN 16931 terms of one invoice, and XRechnung UBL 2.1 (Invoice,
CreditNote).

An :class:`EInvoice` holds the EN 16931 terms; :func:`ubl_bytes` writes them as UBL (element
order as the UBL 2.1 schema requires); ``einvoice_cii`` writes UN/CEFACT CII and ZUGFeRD PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from workbench.sources.einvoice.fields import CII_NS, UBL_NS

__all__ = ["Charge", "EInvoice", "Line", "Party", "ubl_bytes"]

XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
FACTURX = {
    "MINIMUM": "urn:factur-x.eu:1p0:minimum",
    "BASIC WL": "urn:factur-x.eu:1p0:basicwl",
    "BASIC": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "EN 16931": "urn:cen.eu:en16931:2017",
    "EXTENDED": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}
CENT = Decimal("0.01")


def money(value: Decimal | float | str) -> Decimal:
    amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    # no "-0.00" (the tax of an allowance at 0 %): CII's artefact, run by saxonche, reads it
    # as not 0 (BR-AE/E/Z/IC/G/O-09), UBL's as 0
    return amount.copy_abs() if amount.is_zero() else amount


@dataclass
class Party:
    name: str
    street: str
    city: str
    zip: str
    country: str = "DE"
    vat_id: str | None = None
    tax_number: str | None = None
    legal_id: str | None = None  # BT-30 / BT-47: the commercial register number
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Line:
    name: str
    quantity: Decimal
    price: Decimal
    rate: Decimal | None  # None: no rate (category O)
    category: str = "S"
    unit: str = "C62"
    net: Decimal | None = None  # None: quantity × price

    @property
    def amount(self) -> Decimal:
        return self.net if self.net is not None else money(self.quantity * self.price)


@dataclass
class Charge:
    """A document-level allowance (``charge=False``) or charge."""

    amount: Decimal
    rate: Decimal | None
    reason: str
    charge: bool = False
    category: str = "S"


@dataclass
class EInvoice:
    """The EN 16931 terms of one invoice; totals are computed unless set (seeded defects)."""

    number: str
    issue_date: date
    seller: Party
    buyer: Party
    lines: list[Line]
    due_date: date | None = None
    type_code: str = "380"
    currency: str = "EUR"
    spec_id: str = XRECHNUNG
    buyer_reference: str | None = "04011000-12345-03"
    payment_means: str | None = "58"
    iban: str | None = None
    debited_iban: str | None = None  # BT-91: the buyer's account of a direct debit
    payment_terms: str | None = "Zahlbar innerhalb von 30 Tagen ohne Abzug."
    preceding: str | None = None
    delivery_date: date | None = None  # BT-72; CII writes the issue date when None
    deliver_to: Party | None = None  # BG-13/BG-15: the deliver-to party and address
    period: tuple[date, date] | None = None  # BT-73/BT-74: the invoicing period
    tax_representative: Party | None = None  # BG-11: the seller's tax representative (BT-63)
    charges: list[Charge] = field(default_factory=list)
    # overrides of computed values, for seeded defects: BT column -> value
    override: dict[str, Decimal | None] = field(default_factory=dict)
    vat_override: dict[tuple[str, Decimal | None], Decimal] = field(default_factory=dict)
    taxable_override: dict[tuple[str, Decimal | None], Decimal] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)  # elements left out (by BT column)
    #: the category a breakdown names instead of its lines' one (seeded defects)
    breakdown_as: dict[str, str] = field(default_factory=dict)
    #: VAT exemption reason per category of the breakdown: (code BT-121, text BT-120)
    exemptions: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def credit_note(self) -> bool:
        return self.type_code == "381"

    def breakdown(self) -> list[tuple[str, Decimal | None, Decimal, Decimal]]:
        """(category, rate, taxable, tax) per VAT category and rate, in first-use order."""
        groups: dict[tuple[str, Decimal | None], Decimal] = {}
        for line in self.lines:
            key = (line.category, line.rate)
            groups[key] = groups.get(key, Decimal(0)) + line.amount
        for charge in self.charges:
            key = (charge.category, charge.rate)
            sign = 1 if charge.charge else -1
            groups[key] = groups.get(key, Decimal(0)) + sign * charge.amount
        # XRechnung's BR-DE-14 wants a rate in every breakdown, 0 for category O, whose lines
        # name none (BR-O-05)
        xrechnung = self.spec_id == XRECHNUNG
        return [
            (
                self.breakdown_as.get(category, category),
                Decimal(0) if rate is None and xrechnung else rate,
                self.taxable_override.get((category, rate), money(taxable)),
                self.vat_override.get((category, rate), money(taxable * (rate or 0) / 100)),
            )
            for (category, rate), taxable in groups.items()
        ]

    def totals(self) -> dict[str, Decimal | None]:
        line_total = money(sum((line.amount for line in self.lines), Decimal(0)))
        allowances = [c.amount for c in self.charges if not c.charge]
        charges = [c.amount for c in self.charges if c.charge]
        allowance_total = money(sum(allowances, Decimal(0))) if allowances else None
        charge_total = money(sum(charges, Decimal(0))) if charges else None
        exclusive = line_total - (allowance_total or 0) + (charge_total or 0)
        tax = money(sum((row[3] for row in self.breakdown()), Decimal(0)))
        values: dict[str, Decimal | None] = {
            "line_total": line_total,
            "allowance_total": allowance_total,
            "charge_total": charge_total,
            "tax_exclusive": exclusive,
            "tax_total": tax,
            "tax_inclusive": exclusive + tax,
            "payable": exclusive + tax,
        }
        values.update(self.override)
        return values


def _e(parent: etree._Element, tag: str, text: object = None, **attrs: str) -> etree._Element:
    prefix, _, local = tag.partition(":")
    namespace = {**UBL_NS, **CII_NS}[prefix]
    element = etree.SubElement(parent, f"{{{namespace}}}{local}", attrs)
    if text is not None:
        element.text = text.isoformat() if isinstance(text, date) else str(text)
    return element


def _percent(parent: etree._Element, tag: str, rate: Decimal | None) -> None:
    """The VAT rate, left out where there is none (category O, BR-O-05)."""
    if rate is not None:
        _e(parent, tag, _amount(rate))


def _amount(value: Decimal | None) -> str:
    if value is None:  # callers leave out the totals an invoice may lack (allowances, charges)
        raise ValueError("an amount every e-invoice carries is missing")
    return f"{value:.2f}"


# --- UBL ------------------------------------------------------------------------------------------


def _ubl_party(
    parent: etree._Element, tag: str, party: Party, invoice: EInvoice, *, seller: bool
) -> None:
    node = _e(_e(parent, tag), "cac:Party")
    address = _e(node, "cac:PostalAddress")
    _e(address, "cbc:StreetName", party.street)
    _e(address, "cbc:CityName", party.city)
    _e(address, "cbc:PostalZone", party.zip)
    _e(_e(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    vat_column = "seller_vat_id" if seller else "buyer_vat_id"
    if party.vat_id and vat_column not in invoice.drop:
        scheme = _e(node, "cac:PartyTaxScheme")
        _e(scheme, "cbc:CompanyID", party.vat_id)
        _e(_e(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    if party.tax_number:
        scheme = _e(node, "cac:PartyTaxScheme")
        _e(scheme, "cbc:CompanyID", party.tax_number)
        _e(_e(scheme, "cac:TaxScheme"), "cbc:ID", "FC")
    legal = _e(node, "cac:PartyLegalEntity")
    _e(legal, "cbc:RegistrationName", party.name)
    if party.legal_id:
        _e(legal, "cbc:CompanyID", party.legal_id)
    if party.contact or party.phone or party.email:
        contact = _e(node, "cac:Contact")
        for tag_name, value in (("cbc:Name", party.contact), ("cbc:Telephone", party.phone),
                                ("cbc:ElectronicMail", party.email)):  # fmt: skip
            if value:
                _e(contact, tag_name, value)


def _ubl_delivery(delivery: etree._Element, invoice: EInvoice) -> None:
    """BT-72 and the deliver-to address (BG-15) with its party's name (BT-70)."""
    if invoice.delivery_date:
        _e(delivery, "cbc:ActualDeliveryDate", invoice.delivery_date)
    party = invoice.deliver_to
    if party is not None:
        address = _e(_e(delivery, "cac:DeliveryLocation"), "cac:Address")
        _e(address, "cbc:StreetName", party.street)
        _e(address, "cbc:CityName", party.city)
        _e(address, "cbc:PostalZone", party.zip)
        _e(_e(address, "cac:Country"), "cbc:IdentificationCode", party.country)
        _e(_e(_e(delivery, "cac:DeliveryParty"), "cac:PartyName"), "cbc:Name", party.name)


def _ubl_tax_representative(root: etree._Element, party: Party) -> None:
    """BG-11: the name (BT-62), address (BG-12) and VAT id (BT-63) of the seller's tax
    representative."""
    node = _e(root, "cac:TaxRepresentativeParty")
    _e(_e(node, "cac:PartyName"), "cbc:Name", party.name)
    address = _e(node, "cac:PostalAddress")
    _e(address, "cbc:StreetName", party.street)
    _e(address, "cbc:CityName", party.city)
    _e(address, "cbc:PostalZone", party.zip)
    _e(_e(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    scheme = _e(node, "cac:PartyTaxScheme")
    _e(scheme, "cbc:CompanyID", party.vat_id)
    _e(_e(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")


def ubl_bytes(invoice: EInvoice) -> bytes:
    """The invoice as UBL 2.1 (``CreditNote`` for type code 381), XRechnung 3.0 element order."""
    credit = invoice.credit_note
    root_ns = UBL_NS["cn"] if credit else UBL_NS["ubl"]
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": UBL_NS["cac"], "cbc": UBL_NS["cbc"]},
    )
    _e(root, "cbc:CustomizationID", invoice.spec_id)
    _e(root, "cbc:ProfileID", PEPPOL)
    _e(root, "cbc:ID", invoice.number)
    _e(root, "cbc:IssueDate", invoice.issue_date)
    if invoice.due_date and not credit:
        _e(root, "cbc:DueDate", invoice.due_date)
    _e(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", invoice.type_code)
    _e(root, "cbc:DocumentCurrencyCode", invoice.currency)
    if invoice.buyer_reference:
        _e(root, "cbc:BuyerReference", invoice.buyer_reference)
    if invoice.period:
        period = _e(root, "cac:InvoicePeriod")
        _e(period, "cbc:StartDate", invoice.period[0])
        _e(period, "cbc:EndDate", invoice.period[1])
    if invoice.preceding:
        reference = _e(_e(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _e(reference, "cbc:ID", invoice.preceding)
    _ubl_party(root, "cac:AccountingSupplierParty", invoice.seller, invoice, seller=True)
    _ubl_party(root, "cac:AccountingCustomerParty", invoice.buyer, invoice, seller=False)
    if invoice.tax_representative is not None:
        _ubl_tax_representative(root, invoice.tax_representative)
    if invoice.delivery_date or invoice.deliver_to:
        _ubl_delivery(_e(root, "cac:Delivery"), invoice)
    if invoice.payment_means:
        means = _e(root, "cac:PaymentMeans")
        _e(means, "cbc:PaymentMeansCode", invoice.payment_means)
        if invoice.due_date and credit:
            _e(means, "cbc:PaymentDueDate", invoice.due_date)
        if invoice.iban:
            _e(_e(means, "cac:PayeeFinancialAccount"), "cbc:ID", invoice.iban)
        if invoice.debited_iban:
            mandate = _e(means, "cac:PaymentMandate")
            _e(_e(mandate, "cac:PayerFinancialAccount"), "cbc:ID", invoice.debited_iban)
    if invoice.payment_terms:
        _e(_e(root, "cac:PaymentTerms"), "cbc:Note", invoice.payment_terms)
    currency = invoice.currency
    for charge in invoice.charges:
        node = _e(root, "cac:AllowanceCharge")
        _e(node, "cbc:ChargeIndicator", "true" if charge.charge else "false")
        _e(node, "cbc:AllowanceChargeReason", charge.reason)
        _e(node, "cbc:Amount", _amount(charge.amount), currencyID=currency)
        category = _e(node, "cac:TaxCategory")
        _e(category, "cbc:ID", charge.category)
        _percent(category, "cbc:Percent", charge.rate)
        _e(_e(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    totals = invoice.totals()
    tax_total = _e(root, "cac:TaxTotal")
    _e(tax_total, "cbc:TaxAmount", _amount(totals["tax_total"]), currencyID=currency)
    for category_code, rate, taxable, tax in invoice.breakdown():
        subtotal = _e(tax_total, "cac:TaxSubtotal")
        _e(subtotal, "cbc:TaxableAmount", _amount(taxable), currencyID=currency)
        _e(subtotal, "cbc:TaxAmount", _amount(tax), currencyID=currency)
        category = _e(subtotal, "cac:TaxCategory")
        _e(category, "cbc:ID", category_code)
        _percent(category, "cbc:Percent", rate)
        code, text = invoice.exemptions.get(category_code, (None, None))
        if code:
            _e(category, "cbc:TaxExemptionReasonCode", code)
        if text:
            _e(category, "cbc:TaxExemptionReason", text)
        _e(_e(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    monetary = _e(root, "cac:LegalMonetaryTotal")
    for column, tag in (
        ("line_total", "cbc:LineExtensionAmount"),
        ("tax_exclusive", "cbc:TaxExclusiveAmount"),
        ("tax_inclusive", "cbc:TaxInclusiveAmount"),
        ("allowance_total", "cbc:AllowanceTotalAmount"),
        ("charge_total", "cbc:ChargeTotalAmount"),
        ("payable", "cbc:PayableAmount"),
    ):
        if totals.get(column) is not None and column not in invoice.drop:
            _e(monetary, tag, _amount(totals[column]), currencyID=currency)
    for number, line in enumerate(invoice.lines, start=1):
        node = _e(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        _e(node, "cbc:ID", number)
        _e(node, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
           f"{line.quantity:f}", unitCode=line.unit)  # fmt: skip
        _e(node, "cbc:LineExtensionAmount", _amount(line.amount), currencyID=currency)
        item = _e(node, "cac:Item")
        _e(item, "cbc:Name", line.name)
        category = _e(item, "cac:ClassifiedTaxCategory")
        _e(category, "cbc:ID", line.category)
        _percent(category, "cbc:Percent", line.rate)
        _e(_e(category, "cac:TaxScheme"), "cbc:ID", "VAT")
        _e(_e(node, "cac:Price"), "cbc:PriceAmount", _amount(line.price), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
