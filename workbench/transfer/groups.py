"""What is still to transfer: per Buchungsmonat and Beleg-Art, the Belege and items the ledger
has not seen in a transfer yet (seed 004: "Neue Datenübertragung" lists them with their count;
months with such items carry a star), and what went before.

An item is the same item when its id comes again in the same Beleg-Art and Buchungsmonat of
the same client: JustOn's Ids are unique per Salesforce object, and two objects (a
Rechnungsausgang and a Rechnungseingang export) may carry the same Id for different items. An id
in another Beleg-Art or month is another item (its content differs: the content hash covers
Beleg-Art and month), so it is sent; the same item in a re-run of the same file never is.
"""

from __future__ import annotations

from typing import Any

import polars as pl

__all__ = ["PENDING_SCHEMA", "SENT_SCHEMA", "pending_groups", "sent_summary", "split_sent"]

PENDING_SCHEMA = {
    "month": pl.String,
    "document_kind": pl.String,
    "documents": pl.Int64,
    "items": pl.Int64,
}
#: One row per item not sent again: the earlier transfer that carries it.
SENT_SCHEMA = {
    "item_id": pl.String,
    "document_kind": pl.String,
    "month": pl.String,
    "transfer_id": pl.String,
    "transferred_at": pl.String,
}
_KEYS = ["item_id", "document_kind", "month"]


def split_sent(
    records: pl.DataFrame, ledger: Any, client: str, *, extf: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``records`` without the items already in a live transfer of their Beleg-Art and month,
    and those items (``SENT_SCHEMA``, the first transfer that carries each; None without a
    ledger).

    LedgerImport records carry their group in ``document_kind`` and ``accounting_month``; EXTF
    bookings (``extf``) go as ``Buchungsstapel`` of their Belegdatum's month.
    """
    if ledger is None:
        return records, None
    document_kind, month = (
        (pl.lit("Buchungsstapel"), pl.col("Belegdatum").dt.strftime("%Y-%m"))
        if extf
        else (pl.col("document_kind"), pl.col("accounting_month"))
    )
    keys = records.select(
        pl.col("item_id").cast(pl.String),
        document_kind.alias("document_kind"),
        month.alias("month"),
    )
    rows = ledger.sent_items(client, keys["item_id"].unique().to_list())
    sent = pl.DataFrame(rows, schema=list(SENT_SCHEMA.items()), orient="row")
    matched = (
        keys.unique()
        .join(sent.rename({"month": "sent_month"}), on=["item_id", "document_kind"])
        .filter(pl.col("sent_month").is_null() | (pl.col("sent_month") == pl.col("month")))
        .unique(_KEYS, keep="first", maintain_order=True)  # ledger rows come oldest first
        .select(*SENT_SCHEMA)
    )
    if matched.is_empty():
        return records, matched
    fresh = keys.join(matched, on=_KEYS, how="left", nulls_equal=True, maintain_order="left")[
        "transfer_id"
    ].is_null()
    return records.filter(fresh), matched


def sent_summary(sent: pl.DataFrame) -> list[dict]:
    """Per earlier transfer (and Beleg-Art, month): how many items of this run it carries."""
    return (
        sent.group_by("transfer_id", "transferred_at", "document_kind", "month")
        .agg(pl.len().alias("items"))
        .sort("transferred_at", "transfer_id")
        .to_dicts()
    )


def pending_groups(records: pl.DataFrame, ledger: Any, client: str | None) -> pl.DataFrame:
    """Per Buchungsmonat and Beleg-Art: Belege and Belegpositionen not yet transferred.

    ``records``: mapped records with ``item_id`` (``pipeline.records_with_lineage``). EXTF
    bookings (POS, Buchungsdatenservice) go per month as one Buchungsstapel; their records are
    counted as they are.
    """
    if records.is_empty():
        return pl.DataFrame(schema=PENDING_SCHEMA)
    if "accounting_month" in records.columns:
        pending, _ = split_sent(records, ledger, client or "")
        frame = pending.select(
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
