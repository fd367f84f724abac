"""LedgerImport v6.0 element tables as data: type per element, order per ledger, required.

Source: DATEV's ``Belegverwaltung_online_ledger_types_v060.xsd`` (p-numbers in the comments)
and ``…_ledger_import_v060.xsd`` (sequences ``base``, ``base1``, the three ledger types);
summarised in FACTS §6. The currency and country lists are the XSD's pattern lists verbatim.
"""

from __future__ import annotations

import polars as pl

from workbench.datev.fields import (
    Amount,
    Choice,
    Context,
    FieldType,
    Integer,
    Text,
    prepare_date,
)

__all__ = ["ELEMENT_ORDER", "REQUIRED", "TYPES", "XmlDate"]

_CURRENCIES = (
    "AED AFA AFN ALL AMD ANG AOA AON AOR ARS ATS AUD AWG AZM AZN BAM BBD BDT BEF BGL BGN BHD BIF "
    "BMD BND BOB BRL BSD BTN BWP BYB BYN BYR BZD CAD CDF CHF CLP CMG CNH CNY COP CRC CSD CUP CVE "
    "CYP CZK DEM DJF DJV DKK DOP DZD ECS EEK EGP ERN ESP ETB EUR FIM FJD FKP FRF GBP GEL GHC GHS "
    "GIP GMD GNF GRD GTQ GWP GYD HKD HNL HRK HTG HUF IDR IEP ILS INR IQD IRR ISK ITL JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LTL LUF LVL LYD MAD MDL MGA MGF MKD "
    "MMK MNT MOP MRO MRU MTL MUR MVR MWK MXN MYR MZM MZN NAD NGN NIO NLG NOK NPR NZD OMR PAB PEN "
    "PGK PHP PKR PLN PLZ PTE PYG QAR ROL RON RSD RUB RUR RWF SAR SBD SCR SDD SDG SEK SGD SHP SIT "
    "SKK SLL SOS SRD SRG SSP STD SVC SYP SZL THB TJR TJS TMM TMT TND TOP TRL TRY TTD TWD TZS UAH "
    "UGX USD UYU UZS VEB VEF VES VND VUV WST XAF XCD XEU XOF XPF YER YUM ZAR ZMK ZMW ZRN ZWD ZWR"
).split()
_COUNTRIES = (
    "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CS CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT "
    "GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR "
    "KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT "
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT "
    "PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD "
    "TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI XK "
    "YE YT ZA ZM ZW"
).split()


class XmlDate(FieldType):
    """xsd:date without a zone (DATEV type p10029)."""

    dtype = pl.Date()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        return prepare_date(col, source)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return (
            pl.when(col.dt.year() < 1753)
            .then(pl.lit("liegt vor 1753"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    def format(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col.dt.strftime("%Y-%m-%d")

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col.str.to_date("%Y-%m-%d", strict=False)


_INVOICE_CHARS = r"[a-zA-Z0-9$%&*+\-/]"
_INVOICE_LABEL = "a-z A-Z 0-9 $ % & * + - /"
_TEXT = {n: Text(n, quoted=False) for n in (10, 15, 30, 40, 50, 60, 120)}

# Element types, from the v060 types XSD (p-numbers in the comments).
TYPES: dict[str, FieldType] = {
    "date": XmlDate(),
    "amount": Amount(decimals=2, int_digits=10, signed=True),  # p7: never 0.00
    "discountAmount": Amount(decimals=2, int_digits=8),  # p34
    "accountNo": Integer(9, min_value=1),  # p10039
    "buCode": Integer(4),  # p10033
    "costAmount": Amount(decimals=4, int_digits=12),  # p37
    "costCategoryId": Text(
        36, quoted=False, pattern=r"\S(?:[\S ]{0,34}\S)?", pattern_label="ohne Leerzeichen am Rand"
    ),
    "costCategoryId2": Text(
        36, quoted=False, pattern=r"\S(?:[\S ]{0,34}\S)?", pattern_label="ohne Leerzeichen am Rand"
    ),
    "tax": Amount(decimals=2, int_digits=2, nonzero=False),  # p33
    "information": _TEXT[120],  # p30
    "currencyCode": Choice(tuple(_CURRENCIES), quoted=False),  # p1
    "invoiceId": Text(36, _INVOICE_CHARS, _INVOICE_LABEL, quoted=False),  # p10040 = Belegfeld 1
    "bookingText": _TEXT[60],  # p10036; DUO shows only the first 30
    "typeOfReceivable": Text(10, quoted=False),  # p10001
    "ownVatId": Text(15, r"[0-9a-zA-Z. _]", "0-9 a-z A-Z . _ Leerzeichen", quoted=False),  # p10027
    "shipFromCountry": Choice(tuple(_COUNTRIES), quoted=False),  # p10014
    "partyId": _TEXT[15],  # p10011
    "paidAt": XmlDate(),
    "internalInvoiceId": Text(12, _INVOICE_CHARS, _INVOICE_LABEL, quoted=False),  # p10
    "vatId": Text(15, r"[0-9a-zA-Z. _]", "0-9 a-z A-Z . _ Leerzeichen", quoted=False),
    "shipToCountry": Choice(tuple(_COUNTRIES), quoted=False),
    "exchangeRate": Amount(decimals=6, int_digits=4),  # p31
    "bankCode": Text(10, quoted=False, pattern=r"[1-9]|[0-9]{2,10}"),  # p10007
    "bankAccount": _TEXT[30],  # p10005
    "bankCountry": Choice(tuple(_COUNTRIES), quoted=False),
    "iban": Text(34, quoted=False, pattern=r"[A-Z]{2}\d\d[A-Za-z0-9]{11,30}", pattern_label="IBAN"),
    "swiftCode": Text(
        11, quoted=False, pattern=r"[A-Z]{6}[A-Z0-9]{2}[A-Z0-9]{0,3}", pattern_label="BIC"
    ),
    "accountName": _TEXT[40],  # p10009
    "paymentConditionsId": Integer(3, min_value=9),  # p23
    "paymentOrder": Choice(("true", "false", "1", "0"), quoted=False),  # p35 boolean
    "discountPercentage": Amount(decimals=2, int_digits=2, nonzero=False),
    "discountPaymentDate": XmlDate(),
    "discountAmount2": Amount(decimals=2, int_digits=8),
    "discountPercentage2": Amount(decimals=2, int_digits=2, nonzero=False),
    "discountPaymentDate2": XmlDate(),
    "dueDate": XmlDate(),
    "bpAccountNo": Integer(9, min_value=10000),  # p11
    "deliveryDate": XmlDate(),
    "orderId": Text(30, r"[a-zA-Z0-9$%&*+\-./]", _INVOICE_LABEL + " .", quoted=False),  # p13
    "supplierName": _TEXT[50],  # p10012
    "supplierCity": _TEXT[30],  # p10019
    "customerName": _TEXT[50],
    "customerCity": _TEXT[30],
}

_BASE = ["date", "amount", "discountAmount", "accountNo", "buCode", "costAmount", "costCategoryId",
         "costCategoryId2", "tax", "information"]  # fmt: skip
_BASE1 = ["currencyCode", "invoiceId", "bookingText", "typeOfReceivable", "ownVatId",
          "shipFromCountry", "partyId", "paidAt", "internalInvoiceId", "vatId", "shipToCountry",
          "exchangeRate", "bankCode", "bankAccount", "bankCountry", "iban", "swiftCode",
          "accountName", "paymentConditionsId",
          "paymentOrder", "discountPercentage", "discountPaymentDate", "discountAmount2",
          "discountPercentage2", "discountPaymentDate2", "dueDate", "bpAccountNo", "deliveryDate",
          "orderId"]  # fmt: skip
ELEMENT_ORDER: dict[str, list[str]] = {
    "accountsPayableLedger": [*_BASE, *_BASE1, "supplierName", "supplierCity"],
    "accountsReceivableLedger": [*_BASE, *_BASE1, "customerName", "customerCity"],
    "cashLedger": [*_BASE, "currencyCode", "invoiceId", "bookingText"],
}
REQUIRED: dict[str, set[str]] = {
    "accountsPayableLedger": {"date", "amount", "currencyCode", "invoiceId"},
    "accountsReceivableLedger": {"date", "amount", "currencyCode", "invoiceId"},
    "cashLedger": {"date", "amount", "currencyCode", "bookingText"},
}
