"""DATEV's words for the fields people read, and the side (Soll/Haben) a record books on.

LedgerImport (Belegsatzdaten) elements arrive in DATEV Rechnungswesen under other names; seed
004 lists them ("Übertragene Belegdaten"): Betrag → Umsatz, Vorzeichen → Soll/Haben, Konto →
Konto, Geschäftspartner-Konto → Gegenkonto, Rechnungs-Nr. → Belegfeld 1, Fällig ohne Skonto →
Belegfeld 2, Belegtext → Buchungstext, KOST1/KOST2/KOST-Menge, BU → BU-Schlüssel, Währung →
WKZ, Leistungsdatum, USt-IdNr., Steuer in % and Nachricht → Zusatzinformation. EXTF fields
already carry DATEV's names; the long ones are shortened the way the Buchungsstapel shows them.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "EXTF_SHORT_NAMES",
    "LEDGER_FIELD_NAMES",
    "POSITIVE_SIDE",
    "ledger_side",
]

#: LedgerImport element → the name in DATEV Rechnungswesen (seed 004), in preview order.
LEDGER_FIELD_NAMES = {
    "amount": "Umsatz",
    "accountNo": "Konto",
    "bpAccountNo": "Gegenkonto",
    "buCode": "BU-Schlüssel",
    "date": "Belegdatum",
    "invoiceId": "Belegfeld 1",
    "dueDate": "Belegfeld 2",
    "bookingText": "Buchungstext",
    "customerName": "Geschäftspartner",
    "supplierName": "Geschäftspartner",
    "customerCity": "Ort",
    "supplierCity": "Ort",
    "costCategoryId": "KOST1",
    "costCategoryId2": "KOST2",
    "costAmount": "KOST-Menge",
    "tax": "Steuersatz",
    "currencyCode": "WKZ",
    "vatId": "USt-IdNr.",
    "deliveryDate": "Leistungsdatum",
    "information": "Zusatzinformation",
    "internalInvoiceId": "Interne Beleg-Nr.",
    "paidAt": "Bezahlt am",
    "iban": "IBAN",
    "swiftCode": "BIC",
    "document_kind": "Beleg-Art",
    "attachment": "Belegbild",
}

#: EXTF Buchungsstapel names shortened for a table header.
EXTF_SHORT_NAMES = {
    "Umsatz (ohne Soll/Haben-Kz)": "Umsatz",
    "Soll/Haben-Kennzeichen": "Soll/Haben",
    "Gegenkonto (ohne BU-Schlüssel)": "Gegenkonto",
    "KOST1 - Kostenstelle": "KOST1",
    "KOST2 - Kostenstelle": "KOST2",
    "WKZ Umsatz": "WKZ",
}

#: The side of ``accountNo`` for a positive amount, per Beleg-Art or LedgerImport ledger: an
#: Ausgangsrechnung books Debitor an Erlöskonto (Konto im Haben), an Eingangsrechnung
#: Aufwandskonto an Kreditor (Soll), a Kassen-Einnahme Kasse an Erlöskonto (Haben).
POSITIVE_SIDE = {
    "Rechnungsausgang": "H",
    "accountsReceivableLedger": "H",
    "Rechnungseingang": "S",
    "accountsPayableLedger": "S",
    "Kasse": "H",
    "cashLedger": "H",
}


def ledger_side(kind: pl.Expr, amount: pl.Expr) -> pl.Expr:
    """``"S"`` or ``"H"`` for ``accountNo`` of a LedgerImport record (negative: the other side).

    >>> frame = pl.DataFrame({"k": ["Rechnungsausgang", "Rechnungseingang"], "a": [-5.0, 7.0]})
    >>> frame.select(ledger_side(pl.col("k"), pl.col("a")))["k"].to_list()
    ['S', 'S']
    """
    positive = kind.replace_strict(POSITIVE_SIDE, default="S", return_dtype=pl.String)
    other = pl.when(positive == "S").then(pl.lit("H")).otherwise(pl.lit("S"))
    return pl.when(amount >= 0).then(positive).otherwise(other)
