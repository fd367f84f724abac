"""The sources' side of the Abgleich: mapped records (with their lineage) as bookings.

The source files go through the same load, check and map stages as a transfer, so a source row
becomes exactly the booking the workbench would send; rows blocked by an error finding or
skipped (``block_transfer``) have no booking and are named in the notes instead.
"""

from __future__ import annotations

import polars as pl

from workbench.reconcile.bookings import bookings_from_extf, bookings_from_ledger

__all__ = ["source_bookings"]

#: Beleg-Art -> LedgerImport kind (as the package writer uses them).
LEDGERS = {
    "Rechnungseingang": "accountsPayableLedger",
    "Rechnungsausgang": "accountsReceivableLedger",
    "Kasse": "cashLedger",
}


def source_bookings(records: pl.DataFrame, *, target: str, account_length: int) -> pl.DataFrame:
    """Bookings of mapped records with ``item_id``, ``source_file`` and ``source_row``.

    ``target`` is the mapping's: ``"extf"`` (Buchungsstapel columns) or ``"ledger"``
    (LedgerImport records with their ``document_kind``).
    """
    if target == "extf":
        return bookings_from_extf(records, account_length=account_length)
    if records.is_empty():
        return bookings_from_extf(records, account_length=account_length)
    with_kind = records.with_columns(
        pl.col("document_kind").replace_strict(LEDGERS, return_dtype=pl.String).alias("ledger")
    )
    return bookings_from_ledger(with_kind, account_length=account_length)
