"""Invoices for the Rechnungsdatenservice 1.0: Belegsatzdaten (LedgerImport records).

One ``consolidate`` per invoice with one record per position (one record for an invoice
without positions). Rechnung, Gutschrift and Storno go to ``accountsReceivableLedger``
(Rechnungsausgang), Eingangsrechnung to ``accountsPayableLedger`` (Rechnungseingang).
Gutschrift and Storno are corrections and carry negative amounts under their own number
(DATEV's ARK/ERK samples); their Nachricht (``information``) names the invoice they correct,
where given. ``accountNo`` (the booking proposal) is set only where the invoice has a
Sachkonto. The business partner's USt-IdNr., IBAN and due date go to ``vatId``, ``iban`` and
``dueDate`` as in DATEV's ER/AR Musterdaten; a due date before the invoice date is left out (the
XSD's documentation of ``dueDate``: it lies after the invoice date), which
:func:`workbench.mapping.invoices.map_invoices` reports. The records are what
:func:`workbench.datev.package.build_packages` takes.
"""

from __future__ import annotations

import polars as pl

from workbench.mapping.invoice_lines import blank_to_null

__all__ = ["RDS_FIELDS", "due_on_time", "rds_records"]

_INVOICES, _POSITIONS = "invoices", "positions"

#: DATEV element ← (canonical frame, column), for the preview. A list: the first candidate a
#: record has lineage for wins (positions where the invoice has positions).
RDS_FIELDS: dict[str, list[tuple[str, str]]] = {
    "document_id": [(_INVOICES, "invoice_id")],
    "document_kind": [(_INVOICES, "invoice_kind")],
    "accounting_month": [(_INVOICES, "date")],
    "attachment": [(_INVOICES, "attachment")],
    "date": [(_INVOICES, "date")],
    "amount": [(_POSITIONS, "gross"), (_INVOICES, "gross")],
    "accountNo": [(_INVOICES, "account_no")],
    "costAmount": [(_POSITIONS, "quantity")],
    "costCategoryId": [(_INVOICES, "cost_center")],
    "tax": [(_POSITIONS, "tax"), (_INVOICES, "tax_amount")],
    "information": [(_INVOICES, "invoice_kind"), (_INVOICES, "original_invoice_id")],
    "currencyCode": [(_INVOICES, "currency_code")],
    "invoiceId": [(_INVOICES, "invoice_id")],
    "bookingText": [(_POSITIONS, "name"), (_INVOICES, "party_name")],
    "vatId": [(_INVOICES, "vat_id")],
    "iban": [(_INVOICES, "iban")],
    "dueDate": [(_INVOICES, "due_date")],
    "bpAccountNo": [(_INVOICES, "party_account_no")],
    "supplierName": [(_INVOICES, "party_name")],
    "supplierCity": [(_INVOICES, "city")],
    "customerName": [(_INVOICES, "party_name")],
    "customerCity": [(_INVOICES, "city")],
}


def _correction_note() -> pl.Expr:
    """The Nachricht: a correction's kind and the invoice it corrects, where given.

    The LedgerImport has no element for the original invoice; ``information`` is the Nachricht
    DATEV shows the adviser next to the Belegbild (XSD: filed under "Zusatzinformation").
    """
    original = blank_to_null("original_invoice_id")
    correction = pl.col("_sign") < 0
    return (
        pl.when(correction & original.is_not_null())
        .then(pl.format("{} zu Rechnung {}", pl.col("invoice_kind"), original))
        .when(correction)
        .then(pl.col("invoice_kind"))
        .when(original.is_not_null())
        .then(pl.format("Bezug: Rechnung {}", original))
    )


def due_on_time() -> pl.Expr:
    """The invoice's due date is on or after its date (or it has none)."""
    return pl.col("due_date").is_null() | (pl.col("due_date") >= pl.col("date"))


def rds_records(lines: pl.DataFrame, *, client: str | None, kost_menge: bool) -> pl.DataFrame:
    """One LedgerImport record per invoice line (:mod:`workbench.mapping.invoice_lines`).

    ``kost_menge`` ("KOST-Menge übertragen") sends the position quantity as ``costAmount``.
    """
    payable = pl.col("_document_kind") == "Rechnungseingang"
    name, city = blank_to_null("_name"), blank_to_null("city")
    extra = [pl.lit(client).alias("client")] if client else []
    return lines.select(
        pl.col("invoice_id").alias("document_id"),
        pl.col("_document_kind").alias("document_kind"),
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month"),
        "attachment",
        *extra,
        "date",
        pl.col("_amount").alias("amount"),
        # the booking proposal: only where a Sachkonto is set
        pl.col("account_no").alias("accountNo"),
        (pl.col("p_quantity") if kost_menge else pl.lit(None, dtype=pl.Float64)).alias(
            "costAmount"
        ),
        blank_to_null("cost_center").alias("costCategoryId"),
        pl.col("_rate").alias("tax"),
        _correction_note().alias("information"),
        pl.col("currency_code").fill_null("EUR").alias("currencyCode"),
        pl.col("invoice_id").alias("invoiceId"),
        pl.coalesce(blank_to_null("p_name"), name).str.slice(0, 60).alias("bookingText"),
        blank_to_null("vat_id").alias("vatId"),
        # IBANs are often printed in groups of four; DATEV takes the electronic form
        blank_to_null("iban").str.replace_all(r"\s", "").str.to_uppercase().alias("iban"),
        pl.when(due_on_time()).then(pl.col("due_date")).alias("dueDate"),
        pl.col("party_account_no").alias("bpAccountNo"),
        pl.when(payable).then(name).alias("supplierName"),
        pl.when(payable).then(city).alias("supplierCity"),
        pl.when(~payable).then(name).alias("customerName"),
        pl.when(~payable).then(city).alias("customerCity"),
    )
