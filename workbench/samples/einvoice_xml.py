"""Write e-invoices: XRechnung UBL 2.1 (Invoice, CreditNote), UN/CEFACT CII, ZUGFeRD/Factur-X PDF.

An :class:`EInvoice` holds the EN 16931 terms; :func:`ubl_bytes` and :func:`cii_bytes` write
them in the two syntaxes (element order as the UBL 2.1 and CII D16B schemas require), and
:func:`zugferd_pdf` embeds the CII XML in a PDF/A-3 with the ``factur-x`` library, with fixed
timestamps so the same invoice gives the same bytes on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

from lxml import etree

from workbench.samples.writers import pdf_bytes
from workbench.sources.einvoice.fields import CII_NS, UBL_NS

__all__ = ["Charge", "EInvoice", "Line", "Party", "cii_bytes", "ubl_bytes", "zugferd_pdf"]

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
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Party:
    name: str
    street: str
    city: str
    zip: str
    country: str = "DE"
    vat_id: str | None = None
    tax_number: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Line:
    name: str
    quantity: Decimal
    price: Decimal
    rate: Decimal
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
    rate: Decimal
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
    charges: list[Charge] = field(default_factory=list)
    # overrides of computed values, for seeded defects: BT column -> value
    override: dict[str, Decimal | None] = field(default_factory=dict)
    vat_override: dict[tuple[str, Decimal], Decimal] = field(default_factory=dict)
    taxable_override: dict[tuple[str, Decimal], Decimal] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)  # elements left out (by BT column)
    #: the category a breakdown names instead of its lines' one (seeded defects)
    breakdown_as: dict[str, str] = field(default_factory=dict)
    #: VAT exemption reason per category of the breakdown: (code BT-121, text BT-120)
    exemptions: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def credit_note(self) -> bool:
        return self.type_code == "381"

    def breakdown(self) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        """(category, rate, taxable, tax) per VAT category and rate, in first-use order."""
        groups: dict[tuple[str, Decimal], Decimal] = {}
        for line in self.lines:
            key = (line.category, line.rate)
            groups[key] = groups.get(key, Decimal(0)) + line.amount
        for charge in self.charges:
            key = (charge.category, charge.rate)
            sign = 1 if charge.charge else -1
            groups[key] = groups.get(key, Decimal(0)) + sign * charge.amount
        return [
            (
                self.breakdown_as.get(category, category),
                rate,
                self.taxable_override.get((category, rate), money(taxable)),
                self.vat_override.get((category, rate), money(taxable * rate / 100)),
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
    _e(_e(node, "cac:PartyLegalEntity"), "cbc:RegistrationName", party.name)
    if party.contact or party.phone or party.email:
        contact = _e(node, "cac:Contact")
        for tag_name, value in (("cbc:Name", party.contact), ("cbc:Telephone", party.phone),
                                ("cbc:ElectronicMail", party.email)):  # fmt: skip
            if value:
                _e(contact, tag_name, value)


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
    if invoice.preceding:
        reference = _e(_e(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _e(reference, "cbc:ID", invoice.preceding)
    _ubl_party(root, "cac:AccountingSupplierParty", invoice.seller, invoice, seller=True)
    _ubl_party(root, "cac:AccountingCustomerParty", invoice.buyer, invoice, seller=False)
    if invoice.delivery_date:
        _e(_e(root, "cac:Delivery"), "cbc:ActualDeliveryDate", invoice.delivery_date)
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
        _e(category, "cbc:Percent", _amount(charge.rate))
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
        _e(category, "cbc:Percent", _amount(rate))
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
        _e(category, "cbc:Percent", _amount(line.rate))
        _e(_e(category, "cac:TaxScheme"), "cbc:ID", "VAT")
        _e(_e(node, "cac:Price"), "cbc:PriceAmount", _amount(line.price), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- CII ------------------------------------------------------------------------------------------


def _cii_date(parent: etree._Element, tag: str, value: date) -> None:
    _e(_e(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _cii_party(
    parent: etree._Element, tag: str, party: Party, invoice: EInvoice, *, seller: bool, lines: bool
) -> None:
    node = _e(parent, tag)
    _e(node, "ram:Name", party.name)
    # the header-only Factur-X profiles (MINIMUM, BASIC WL) have no trade contact
    if seller and lines and (party.contact or party.phone or party.email):
        contact = _e(node, "ram:DefinedTradeContact")
        if party.contact:
            _e(contact, "ram:PersonName", party.contact)
        if party.phone:
            _e(
                _e(contact, "ram:TelephoneUniversalCommunication"),
                "ram:CompleteNumber",
                party.phone,
            )
        if party.email:
            _e(_e(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    address = _e(node, "ram:PostalTradeAddress")
    _e(address, "ram:PostcodeCode", party.zip)
    _e(address, "ram:LineOne", party.street)
    _e(address, "ram:CityName", party.city)
    _e(address, "ram:CountryID", party.country)
    vat_column = "seller_vat_id" if seller else "buyer_vat_id"
    if party.tax_number:
        _e(_e(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.tax_number, schemeID="FC")
    if party.vat_id and vat_column not in invoice.drop:
        _e(_e(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _cii_tax(parent: etree._Element, category: str, rate: Decimal, taxable: Decimal | None = None,
             tax: Decimal | None = None, tag: str = "ram:ApplicableTradeTax",
             exemption: tuple[str | None, str | None] = (None, None)) -> None:  # fmt: skip
    """A trade tax in the CII schema's order (reason text before, its code after the
    category)."""
    code, text = exemption
    node = _e(parent, tag)
    if tax is not None:
        _e(node, "ram:CalculatedAmount", _amount(tax))
    _e(node, "ram:TypeCode", "VAT")
    if text:
        _e(node, "ram:ExemptionReason", text)
    if taxable is not None:
        _e(node, "ram:BasisAmount", _amount(taxable))
    _e(node, "ram:CategoryCode", category)
    if code:
        _e(node, "ram:ExemptionReasonCode", code)
    _e(node, "ram:RateApplicablePercent", _amount(rate))


def cii_bytes(invoice: EInvoice, *, lines: bool = True) -> bytes:
    """The invoice as UN/CEFACT CII D16B (XRechnung CII or a Factur-X profile's XML).

    ``lines=False`` leaves out the invoice lines (Factur-X MINIMUM and BASIC WL have none).
    """
    root = etree.Element(f"{{{CII_NS['rsm']}}}CrossIndustryInvoice", nsmap=dict(CII_NS))
    context = _e(root, "rsm:ExchangedDocumentContext")
    if invoice.spec_id == XRECHNUNG:
        _e(_e(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", PEPPOL)
    _e(_e(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", invoice.spec_id)
    document = _e(root, "rsm:ExchangedDocument")
    _e(document, "ram:ID", invoice.number)
    _e(document, "ram:TypeCode", invoice.type_code)
    _cii_date(document, "ram:IssueDateTime", invoice.issue_date)
    transaction = _e(root, "rsm:SupplyChainTradeTransaction")
    currency = invoice.currency
    for number, line in enumerate(invoice.lines if lines else [], start=1):
        item = _e(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _e(_e(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", number)
        _e(_e(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
        price = _e(_e(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _e(price, "ram:ChargeAmount", _amount(line.price))
        _e(_e(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity",
           f"{line.quantity:f}", unitCode=line.unit)  # fmt: skip
        settlement = _e(item, "ram:SpecifiedLineTradeSettlement")
        _cii_tax(settlement, line.category, line.rate)
        summation = _e(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _e(summation, "ram:LineTotalAmount", _amount(line.amount))
    agreement = _e(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        _e(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _cii_party(agreement, "ram:SellerTradeParty", invoice.seller, invoice, seller=True, lines=lines)
    _cii_party(agreement, "ram:BuyerTradeParty", invoice.buyer, invoice, seller=False, lines=lines)
    delivery = _e(transaction, "ram:ApplicableHeaderTradeDelivery")
    _cii_date(
        _e(delivery, "ram:ActualDeliverySupplyChainEvent"),
        "ram:OccurrenceDateTime",
        invoice.delivery_date or invoice.issue_date,
    )
    settlement = _e(transaction, "ram:ApplicableHeaderTradeSettlement")
    _e(settlement, "ram:InvoiceCurrencyCode", currency)
    if invoice.payment_means:
        means = _e(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _e(means, "ram:TypeCode", invoice.payment_means)
        if invoice.debited_iban:
            debtor = _e(means, "ram:PayerPartyDebtorFinancialAccount")
            _e(debtor, "ram:IBANID", invoice.debited_iban)
        if invoice.iban:
            _e(_e(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", invoice.iban)
    for category, rate, taxable, tax in invoice.breakdown():
        exemption = invoice.exemptions.get(category, (None, None))
        _cii_tax(settlement, category, rate, taxable, tax, exemption=exemption)
    for charge in invoice.charges:
        node = _e(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _e(_e(node, "ram:ChargeIndicator"), "udt:Indicator", "true" if charge.charge else "false")
        _e(node, "ram:ActualAmount", _amount(charge.amount))
        _e(node, "ram:Reason", charge.reason)
        tax_node = _e(node, "ram:CategoryTradeTax")
        _e(tax_node, "ram:TypeCode", "VAT")
        _e(tax_node, "ram:CategoryCode", charge.category)
        _e(tax_node, "ram:RateApplicablePercent", _amount(charge.rate))
    if invoice.payment_terms or invoice.due_date:
        terms = _e(settlement, "ram:SpecifiedTradePaymentTerms")
        if invoice.payment_terms:
            _e(terms, "ram:Description", invoice.payment_terms)
        if invoice.due_date:
            _cii_date(terms, "ram:DueDateDateTime", invoice.due_date)
    totals = invoice.totals()
    summation = _e(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    for column, tag in (
        ("line_total", "ram:LineTotalAmount"),
        ("charge_total", "ram:ChargeTotalAmount"),
        ("allowance_total", "ram:AllowanceTotalAmount"),
        ("tax_exclusive", "ram:TaxBasisTotalAmount"),
        ("tax_total", "ram:TaxTotalAmount"),
        ("tax_inclusive", "ram:GrandTotalAmount"),
        ("payable", "ram:DuePayableAmount"),
    ):
        if totals.get(column) is None or column in invoice.drop:
            continue
        if column == "tax_total":
            _e(summation, tag, _amount(totals[column]), currencyID=currency)
        else:
            _e(summation, tag, _amount(totals[column]))
    if invoice.preceding:
        reference = _e(settlement, "ram:InvoiceReferencedDocument")
        _e(reference, "ram:IssuerAssignedID", invoice.preceding)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- ZUGFeRD / Factur-X ---------------------------------------------------------------------------


def _visible_lines(invoice: EInvoice, total: str) -> list[str]:
    """What the PDF page shows: the human-readable twin of the XML."""
    seller, buyer = invoice.seller, invoice.buyer
    lines = [
        f"{seller.name}, {seller.street}, {seller.zip} {seller.city}",
        f"An: {buyer.name}, {buyer.street}, {buyer.zip} {buyer.city}",
        f"Rechnungsnummer: {invoice.number}",
        f"Rechnungsdatum: {invoice.issue_date:%d.%m.%Y}",
    ]
    for line in invoice.lines:
        lines.append(
            f"{line.quantity:f} x {line.name} je {line.price:.2f} EUR = {line.amount:.2f} EUR"
        )
    lines.append(f"Gesamtbetrag: {total} EUR")
    return lines


def zugferd_pdf(
    invoice: EInvoice,
    *,
    profile: str = "EN 16931",
    conformance: str = "B",
    shown_number: str | None = None,
    shown_total: str | None = None,
) -> bytes:
    """A ZUGFeRD 2.x / Factur-X PDF/A-3 of ``invoice`` in ``profile``.

    ``conformance`` sets the PDF/A conformance level the XMP declares (``B`` as factur-x
    writes it; ``U`` for a PDF/A-3U). ``shown_number`` / ``shown_total`` print other values on
    the page than the XML holds (seeded text-layer defects).
    """
    import facturx.facturx as fx

    invoice.spec_id = FACTURX[profile]
    xml = cii_bytes(invoice, lines=profile not in ("MINIMUM", "BASIC WL"))
    total = shown_total or f"{invoice.totals()['tax_inclusive']:.2f}".replace(".", ",")
    shown = EInvoice(**{**invoice.__dict__, "number": shown_number or invoice.number})
    page = pdf_bytes("Rechnung", _visible_lines(shown, total))
    fixed = "2026-01-15T10:00:00+00:00"
    xmp = fx.generate_xmp_bytes

    def declared_xmp(*args: object, **kwargs: object) -> bytes:
        data = xmp(*args, **kwargs)
        old = b"<pdfaid:conformance>B</pdfaid:conformance>"
        if old not in data:
            raise ValueError("factur-x wrote no PDF/A conformance level to replace")
        return data.replace(old, f"<pdfaid:conformance>{conformance}</pdfaid:conformance>".encode())

    # factur-x stamps the current time into the XMP and the PDF info: fix it, so the sample
    # files are reproducible byte for byte
    with (
        mock.patch.object(fx, "_get_metadata_timestamp", lambda: fixed),
        mock.patch.object(fx, "_get_pdf_timestamp", lambda date=None: "D:20260115100000+00'00'"),
        mock.patch.object(fx, "generate_xmp_bytes", declared_xmp),
    ):
        return fx.generate_from_binary(page, xml, check_xsd=False, lang="de-DE")
