"""Write e-invoices as UN/CEFACT CII D16B (XRechnung CII, Factur-X profiles) and ZUGFeRD PDFs.

:func:`cii_bytes` writes an :class:`~workbench.samples.einvoice_xml.EInvoice` in the CII
schema's element order; :func:`zugferd_pdf` embeds that XML in a PDF/A-3 with the ``factur-x``
library, with fixed timestamps so the same invoice gives the same bytes on every run.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from unittest import mock

from lxml import etree

from workbench.samples.einvoice_xml import (
    FACTURX,
    PEPPOL,
    XRECHNUNG,
    EInvoice,
    Party,
    _amount,
    _e,
    _percent,
)
from workbench.samples.writers import pdf_bytes
from workbench.sources.einvoice.fields import CII_NS

__all__ = ["cii_bytes", "zugferd_pdf"]


# --- CII ------------------------------------------------------------------------------------------


def _cii_date(parent: etree._Element, tag: str, value: date) -> None:
    _e(_e(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _cii_party(
    parent: etree._Element, tag: str, party: Party, invoice: EInvoice, *, seller: bool, lines: bool
) -> None:
    node = _e(parent, tag)
    _e(node, "ram:Name", party.name)
    if party.legal_id:
        _e(_e(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.legal_id)
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


def _cii_tax(parent: etree._Element, category: str, rate: Decimal | None,
             taxable: Decimal | None = None,
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
    _percent(node, "ram:RateApplicablePercent", rate)


def _cii_ship_to(delivery: etree._Element, ship_to: Party) -> None:
    """The deliver-to party (BT-70) and address (BG-15)."""
    party = _e(delivery, "ram:ShipToTradeParty")
    _e(party, "ram:Name", ship_to.name)
    address = _e(party, "ram:PostalTradeAddress")
    _e(address, "ram:PostcodeCode", ship_to.zip)
    _e(address, "ram:LineOne", ship_to.street)
    _e(address, "ram:CityName", ship_to.city)
    _e(address, "ram:CountryID", ship_to.country)


def _cii_tax_representative(agreement: etree._Element, party: Party) -> None:
    """BG-11: the name (BT-62), address (BG-12) and VAT id (BT-63) of the seller's tax
    representative."""
    node = _e(agreement, "ram:SellerTaxRepresentativeTradeParty")
    _e(node, "ram:Name", party.name)
    address = _e(node, "ram:PostalTradeAddress")
    _e(address, "ram:PostcodeCode", party.zip)
    _e(address, "ram:LineOne", party.street)
    _e(address, "ram:CityName", party.city)
    _e(address, "ram:CountryID", party.country)
    _e(_e(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


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
    if invoice.tax_representative is not None:
        _cii_tax_representative(agreement, invoice.tax_representative)
    delivery = _e(transaction, "ram:ApplicableHeaderTradeDelivery")
    if invoice.deliver_to is not None:
        _cii_ship_to(delivery, invoice.deliver_to)
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
    if invoice.period:
        period = _e(settlement, "ram:BillingSpecifiedPeriod")
        _cii_date(period, "ram:StartDateTime", invoice.period[0])
        _cii_date(period, "ram:EndDateTime", invoice.period[1])
    for charge in invoice.charges:
        node = _e(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _e(_e(node, "ram:ChargeIndicator"), "udt:Indicator", "true" if charge.charge else "false")
        _e(node, "ram:ActualAmount", _amount(charge.amount))
        _e(node, "ram:Reason", charge.reason)
        tax_node = _e(node, "ram:CategoryTradeTax")
        _e(tax_node, "ram:TypeCode", "VAT")
        _e(tax_node, "ram:CategoryCode", charge.category)
        _percent(tax_node, "ram:RateApplicablePercent", charge.rate)
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
