"""What is still to transfer: per Buchungsmonat and Beleg-Art, the Belege and items the ledger
has not seen in a transfer yet (seed 004: "Neue Datenübertragung" lists them with their count;
months with such items carry a star).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.transfer.jobs import pending_items

__all__ = ["PENDING_SCHEMA", "pending_groups"]

PENDING_SCHEMA = {
    "month": pl.String,
    "document_kind": pl.String,
    "documents": pl.Int64,
    "items": pl.Int64,
}


def pending_groups(records: pl.DataFrame, ledger: Any, client: str | None) -> pl.DataFrame:
    """Per Buchungsmonat and Beleg-Art: Belege and Belegpositionen not yet transferred.

    ``records``: mapped records with ``item_id`` (``pipeline.records_with_lineage``). EXTF
    bookings (POS, Buchungsdatenservice) go per month as one Buchungsstapel; their records are
    counted as they are.
    """
    if records.is_empty():
        return pl.DataFrame(schema=PENDING_SCHEMA)
    if "accounting_month" in records.columns:
        pending = pending_items(ledger, client or "", records["item_id"].unique().to_list())
        frame = records.filter(pl.col("item_id").is_in(list(pending))).select(
            pl.col("accounting_month").alias("month"), "document_kind", "document_id", "item_id"
        )
    else:
        frame = records.select(
            pl.col("Belegdatum").dt.strftime("%Y-%m").alias("month"),
            pl.lit("Buchungsstapel").alias("document_kind"),
            pl.col("Belegfeld 1").alias("document_id"),
            pl.col("item_id"),
        )
    return (
        frame.group_by("month", "document_kind")
        .agg(
            pl.col("document_id").n_unique().cast(pl.Int64).alias("documents"),
            pl.col("item_id").n_unique().cast(pl.Int64).alias("items"),
        )
        .sort("month", "document_kind")
        .cast(PENDING_SCHEMA)  # type: ignore[arg-type]
    )
