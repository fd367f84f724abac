"""What is still to transfer: per Buchungsmonat and Beleg-Art, the Belege and items the ledger
has not seen in a transfer yet (seed 004: "Neue Datenübertragung" lists them with their count;
months with such items carry a star), and what went before.

An item is its id within the client: once a live transfer carries it, it is never sent again,
whatever Beleg-Art or Buchungsmonat it has now (JustOn's Salesforce Ids are unique across
objects: the same id is the same record, moved to another month or Beleg-Art after it was sent,
and sending it again would book it twice). What is not sent for that reason is said, with the
earlier transfer; ``workbench retransfer`` sends a transfer again on purpose.
"""

from __future__ import annotations

from typing import Any

import polars as pl

__all__ = [
    "PENDING_SCHEMA",
    "SENT_SCHEMA",
    "booking_items",
    "pending_groups",
    "sent_summary",
    "split_sent",
]

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


def split_sent(
    records: pl.DataFrame, ledger: Any, client: str
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``records`` without the items already in a live transfer of ``client``, and those items
    (``SENT_SCHEMA``: the first transfer that carries each, with its Beleg-Art and month; None
    without a ledger)."""
    if ledger is None:
        return records, None
    ids = records["item_id"].cast(pl.String)
    rows = ledger.sent_items(client, ids.unique().to_list())
    sent = pl.DataFrame(rows, schema=list(SENT_SCHEMA.items()), orient="row")
    # the first transfer that carries each id, with its own Beleg-Art and month
    matched = sent.unique("item_id", keep="first", maintain_order=True)  # oldest first
    if matched.is_empty():
        return records, matched
    return records.filter(~ids.is_in(matched["item_id"].implode())), matched


def sent_summary(sent: pl.DataFrame) -> list[dict]:
    """Per earlier transfer (and Beleg-Art, month): how many items of this run it carries."""
    return (
        sent.group_by("transfer_id", "transferred_at", "document_kind", "month")
        .agg(pl.len().alias("items"))
        .sort("transferred_at", "transfer_id")
        .to_dicts()
    )


def booking_items(records: pl.DataFrame, *, daily: bool) -> pl.DataFrame:
    """EXTF bookings keyed as the ledger keys them: one item per booking, as an item (an
    invoice, a POS category) can become several (``RE-1#2``); ``daily``: a POS category books
    every day, so the business day makes it unique and stable (``2026-01-02/Speisen``)."""
    if daily:
        records = records.with_columns(
            pl.format(
                "{}/{}", pl.col("Belegdatum").dt.strftime("%Y-%m-%d"), pl.col("item_id")
            ).alias("item_id")
        )
    occurrence = pl.int_range(1, pl.len() + 1).over("item_id").cast(pl.String)
    return records.with_columns(
        pl.when(pl.len().over("item_id") > 1)
        .then(pl.concat_str("item_id", pl.lit("#"), occurrence))
        .otherwise(pl.col("item_id"))
        .alias("item_id")
    )


def pending_groups(
    records: pl.DataFrame, ledger: Any, client: str | None, *, daily: bool = False
) -> pl.DataFrame:
    """Per Buchungsmonat and Beleg-Art: Belege and Belegpositionen not yet transferred.

    ``records``: mapped records with ``item_id`` (``pipeline.records_with_lineage``). EXTF
    bookings (POS, Buchungsdatenservice) go per month as one Buchungsstapel, their items keyed
    by :func:`booking_items` (``daily`` for POS), as the transfer keys them.
    """
    if records.is_empty():
        return pl.DataFrame(schema=PENDING_SCHEMA)
    if "accounting_month" in records.columns:
        pending, _ = split_sent(records, ledger, client or "")
        frame = pending.select(
            pl.col("accounting_month").alias("month"), "document_kind", "document_id", "item_id"
        )
    else:
        pending, _ = split_sent(booking_items(records, daily=daily), ledger, client or "")
        frame = pending.select(
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
