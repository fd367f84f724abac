"""Receipt items (Belegpositionen) → LedgerImport records per Beleg-Art (seed 004).

Rechnungseingang → ``accountsPayableLedger`` (supplierName/supplierCity), Rechnungsausgang →
``accountsReceivableLedger`` (customerName/customerCity), Kasse → ``cashLedger`` (base
elements plus currencyCode, invoiceId, bookingText only). JustOn's Booking Detail and Expense
exports arrive as the same canonical columns (the ``juston`` profile renames them), so one
table serves both; ``RECEIPT_FIELDS`` is that table.

The records frame is exactly what :func:`workbench.datev.package.build_packages` takes:
XSD element columns plus ``document_id``, ``document_kind``, ``accounting_month``,
``attachment`` (and ``client`` when given).
"""

from __future__ import annotations

import polars as pl

from workbench.datev.ledger_xml import MAX_RECORDS
from workbench.datev.package import DOCUMENT_KINDS
from workbench.mapping.findings import all_findings, source_maps
from workbench.mapping.gate import RowGate, lineage
from workbench.mapping.result import Mapped
from workbench.mapping.validation import ledger_problems
from workbench.sources.loader import LoadResult

__all__ = ["DOCUMENT", "RECEIPT_FIELDS", "map_receipts", "receipts_gate"]

_PAYABLE, _RECEIVABLE, _CASH = "Rechnungseingang", "Rechnungsausgang", "Kasse"
_ALL = (_PAYABLE, _RECEIVABLE, _CASH)
_INVOICES = (_PAYABLE, _RECEIVABLE)

#: DATEV element ← canonical column, and the Beleg-Arten whose ledger has the element.
#: Seed 004 (Booking Detail / Expense → Accounting Document Item → DATEV) plus the canonical
#: columns seed 004's "Feldbezeichnung im DATEV-Rechnungswesen-Programm" table lists (BU, KOST1/2,
#: KOST-Menge, Nachricht, Geschäftspartner-Konto, Fälligkeit).
RECEIPT_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("date", "date", _ALL),  # BookingDate/BookingPeriod, ReceiptDate
    ("amount", "amount", _ALL),  # Amount, GrossAmount (signed gross)
    ("accountNo", "account_no", _ALL),  # AccountNo, GLAccount
    ("buCode", "bu_code", _ALL),
    ("costAmount", "cost_amount", _ALL),  # KOST-Menge
    ("costCategoryId", "cost_category_id", _ALL),  # KOST1
    ("costCategoryId2", "cost_category_id2", _ALL),  # KOST2
    ("tax", "tax", _ALL),  # TaxRate
    ("information", "information", _ALL),  # Nachricht
    ("currencyCode", "currency_code", _ALL),  # CurrencyIsoCode (default EUR)
    ("invoiceId", "invoice_id", _ALL),  # InvoiceNo, ReceiptNo
    ("bookingText", "booking_text", _ALL),  # Belegtext
    ("paidAt", "paid_at", _INVOICES),  # PaymentDate
    ("internalInvoiceId", "internal_invoice_id", _INVOICES),  # Name (Expense)
    ("vatId", "vat_id", _INVOICES),  # VATId, SenderTaxId
    ("iban", "iban", _INVOICES),  # IBAN, PayeeIBAN
    ("swiftCode", "swift_code", _INVOICES),  # BIC, PayeeBIC
    ("dueDate", "due_date", _INVOICES),
    ("bpAccountNo", "party_account_no", _INVOICES),  # Geschäftspartner-Konto
    ("deliveryDate", "delivery_date", _INVOICES),  # DeliveryDate
    ("supplierName", "party_name", (_PAYABLE,)),  # PayeeName
    ("supplierCity", "party_city", (_PAYABLE,)),  # SenderCity
    ("customerName", "party_name", (_RECEIVABLE,)),  # AccountName
    ("customerCity", "party_city", (_RECEIVABLE,)),  # BillingCity
)
_PACKAGE = ("document_id", "document_kind", "accounting_month", "attachment")
_ROLE = "receipts"
#: DATEV element → where its value comes from, for the preview.
_FIELD_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    **{name: ((_ROLE, column),) for name, column, _ in RECEIPT_FIELDS},
    **{name: ((_ROLE, name),) for name in _PACKAGE},
}
#: One Beleg: a LedgerImport package holds the items of one Buchungsmonat and Beleg-Art.
DOCUMENT = ["accounting_month", "document_kind", "document_id"]
_SKIP_REASON = "block_transfer: Belegposition ist von der Übertragung ausgeschlossen"


def _element(name: str, column: str, kinds: tuple[str, ...]) -> pl.Expr:
    value = pl.col(column)
    if name == "currencyCode":
        value = value.fill_null("EUR")
    elif name in (
        "costCategoryId",
        "costCategoryId2",
        "bookingText",
        "information",
        "supplierName",
        "customerName",
        "supplierCity",
        "customerCity",
    ):
        value = pl.when(value.str.strip_chars() == "").then(None).otherwise(value)
    if kinds != _ALL:
        value = pl.when(pl.col("document_kind").is_in(list(kinds))).then(value)
    return value.alias(name)


def _records(rows: pl.DataFrame, client: str | None) -> pl.DataFrame:
    extra = [pl.lit(client).alias("client")] if client else []
    return rows.select(*_PACKAGE, *extra, *[_element(*spec) for spec in RECEIPT_FIELDS])


def receipts_gate(result: LoadResult, *, findings: pl.DataFrame | None) -> RowGate:
    """The gate's first steps for receipt items, whatever the target (LedgerImport or EXTF).

    ``block_transfer`` skips, error findings block (a missing or too large Belegbild among
    them: the check stage's ``attachment.*``), and an item without a Beleg or a known Beleg-Art
    is blocked (no package and no Beleg-Art to book it by).
    """
    gate = RowGate(
        result.frame,
        role=_ROLE,
        item="item_id",
        findings=all_findings(result.findings, findings),
        sources=source_maps(result.sources),
    )
    gate.skip(pl.col("block_transfer").fill_null(False), reason=_SKIP_REASON)
    gate.block_on_errors()
    gate.require({"document_id": None, "document_kind": tuple(DOCUMENT_KINDS)})
    return gate


def map_receipts(
    result: LoadResult,
    *,
    findings: pl.DataFrame | None = None,
    client: str | None = None,
    whole_documents: bool = True,
) -> Mapped:
    """Map loaded receipt items to LedgerImport records ready for ``build_packages``.

    ``findings`` are the checks' findings (the loader's are always included); a row with an
    error finding is blocked, a ``block_transfer`` row is skipped. With ``whole_documents`` a
    document (Beleg) whose items are partly blocked is blocked whole, so that no Beleg reaches
    DATEV with a wrong total. A Belegbild that is missing or too large is the check stage's
    finding (``attachment.*``): like every error finding in ``findings``, it blocks its row.

    >>> mapped = map_receipts(load_receipts("bd.csv", profile="juston"), client="455148-1")
    >>> build_packages(mapped.records, out_dir="out")
    """
    gate = receipts_gate(result, findings=findings)
    # From here on the records are built: blocked rows are only marked, and the wide frames
    # are filtered once, at the end.
    rows = gate.rows
    records = _records(rows, client)
    gate.block_invalid(
        ledger_problems(records), rows, field_sources=_FIELD_SOURCES, target="ledger"
    )
    _reject_inconsistent_documents(gate, rows, records)
    if whole_documents:
        gate.block_documents(DOCUMENT)

    keep = gate.is_open(rows)
    if not keep.all():
        rows, records = rows.filter(keep), records.filter(keep)
    return gate.finish(
        kind="receipts",
        target="ledger",
        records=records,
        lineage=lineage(rows, _ROLE),
        field_sources=_FIELD_SOURCES,
        frames={_ROLE: result.frame},
        sources=result.sources,
    )


def _reject_inconsistent_documents(
    gate: RowGate, rows: pl.DataFrame, records: pl.DataFrame
) -> None:
    """One Beleg = one consolidate: its items must share date, invoiceId and currency.

    ``records`` are aligned with ``rows``. Hashes instead of strings: 3x faster on a million
    items. A collision of two documents' keys can only flag a good document (blocked, with a
    finding); one of two invoiceIds would leave the disagreement to build_packages, which
    refuses it loudly. Nulls hash to a value too.
    """
    keyed = records.select(
        rows["_index"],
        pl.struct(DOCUMENT).hash().alias("_doc"),
        pl.col("date").cast(pl.Int32).alias("_date"),
        pl.col("invoiceId").hash().alias("_id"),
        pl.col("currencyCode").hash().alias("_currency"),
    ).filter(gate.is_open(rows))
    differs = [(pl.col(c).min() != pl.col(c).max()) for c in ("_date", "_id", "_currency")]
    per_doc = (
        keyed.group_by("_doc")
        .agg(
            differs[0].alias("_dates"),
            differs[1].alias("_ids"),
            differs[2].alias("_currencies"),
            (pl.len() > MAX_RECORDS).alias("_size"),
        )
        .filter(pl.any_horizontal("_dates", "_ids", "_currencies", "_size"))
    )
    if per_doc.is_empty():
        return
    marked = keyed.join(per_doc, on="_doc", how="inner").select(
        "_index", "_dates", "_ids", "_currencies", "_size"
    )
    flagged = rows.join(marked, on="_index", how="inner", maintain_order="left")
    reason = (
        pl.when("_size")
        .then(pl.lit(f"hat mehr als {MAX_RECORDS} Belegpositionen"))
        .when("_dates")
        .then(pl.lit("hat Positionen mit verschiedenen Belegdaten"))
        .when("_ids")
        .then(pl.lit("hat Positionen mit verschiedenen Rechnungsnummern"))
        .otherwise(pl.lit("hat Positionen in verschiedenen Währungen"))
    )
    message = pl.format(
        "{}, Zeile {}: Beleg '{}' {}. DATEV nimmt einen Beleg nur mit gleichem Datum, "
        "gleicher Rechnungsnummer und Währung an; teilen Sie den Beleg in der Quelle auf.",
        "source_file",
        "source_row",
        "document_id",
        reason,
    )
    gate.reject(
        flagged,
        rule="receipts.document_inconsistent",
        column="document_id",
        message=message,
        value=pl.col("document_id"),
    )
