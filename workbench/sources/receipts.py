"""Receipt items (Belegpositionen: Rechnungseingang, Rechnungsausgang, Kasse)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench.sources.loader import LoadResult, PathLike, attach_item_ids, load_source
from workbench.sources.profiles import Profile

__all__ = ["load_receipts"]


def load_receipts(files: PathLike | Iterable[PathLike], *,
                  profile: str | Profile = "canonical") -> LoadResult:
    """Load receipt items into the canonical ``receipts`` frame.

    The Buchungsmonat defaults to the month of the date, an item without id gets
    ``<document_id>-<n>`` (its position within the document) and ``block_transfer`` defaults to
    false, so that every later stage can rely on these columns.

    >>> result = load_receipts("data/samples/receipts_juston_booking_detail.csv", profile="juston")
    >>> result.frame.columns[:3]
    ['document_id', 'item_id', 'document_kind']
    """
    frame, findings, infos = load_source("receipts", files, profile=profile)["receipts"]
    if frame["accounting_month"].null_count():
        frame = frame.with_columns(
            pl.coalesce("accounting_month", pl.col("date").dt.strftime("%Y-%m")).alias("accounting_month"))
    if frame["item_id"].null_count():
        position = pl.int_range(1, pl.len() + 1).over("source_file", "document_id").cast(pl.String)
        frame = frame.with_columns(
            pl.coalesce("item_id", pl.concat_str(pl.col("document_id"), pl.lit("-"), position)).alias("item_id"))
    frame = frame.with_columns(pl.col("block_transfer").fill_null(False))
    findings = attach_item_ids(findings, frame, "receipts")
    return LoadResult(kind="receipts", frame=frame, findings=findings, sources=infos)
