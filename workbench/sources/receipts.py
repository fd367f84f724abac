"""Receipt items (Belegpositionen: Rechnungseingang, Rechnungsausgang, Kasse)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench.sources.loader import LoadResult, PathLike, attach_item_ids, load_source
from workbench.sources.profiles import Profile

__all__ = ["load_receipts"]


def load_receipts(
    files: PathLike | Iterable[PathLike], *, profile: str | Profile = "canonical"
) -> LoadResult:
    """Load receipt items into the canonical ``receipts`` frame.

    The Buchungsmonat defaults to the month of the date, an item without id gets
    ``<document_id>-<n>`` (its position within the document) and ``block_transfer`` defaults to
    false, so that every later stage can rely on these columns.

    >>> result = load_receipts("data/samples/receipts_juston_booking_detail.csv", profile="juston")
    >>> result.frame.columns[:3]
    ['document_id', 'item_id', 'document_kind']
    """
    frame, findings, infos = load_source("receipts", files, profile=profile)["receipts"]
    frame = _fill_months(frame)
    frame = _fill_item_ids(frame)
    frame = frame.with_columns(pl.col("block_transfer").fill_null(False))
    findings = attach_item_ids(findings, frame, "receipts")
    return LoadResult(kind="receipts", frame=frame, findings=findings, sources=infos)


def _fill_months(frame: pl.DataFrame) -> pl.DataFrame:
    """The Buchungsmonat of the date where the source has none (only those rows are touched)."""
    missing = frame["accounting_month"].is_null() & frame["date"].is_not_null()
    if not missing.any():
        return frame
    where = pl.arange(0, frame.height, eager=True).filter(missing)
    months = frame["date"].gather(where).dt.strftime("%Y-%m")
    return frame.with_columns(frame["accounting_month"].scatter(where, months))


def _fill_item_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """``<document_id>-<n>`` (position within the Beleg) for items without an id."""
    missing = frame["item_id"].is_null()
    if not missing.any():
        return frame
    keys = ["source_file", "document_id"]
    indexed = frame.select(*keys).with_row_index("_at")
    affected = indexed.join(
        indexed.filter(missing).select(keys).unique(), on=keys, how="semi", nulls_equal=True
    )
    numbered = affected.with_columns(
        pl.int_range(1, pl.len() + 1).over(keys).cast(pl.String).alias("_n")
    ).filter(pl.col("_at").is_in(pl.arange(0, frame.height, eager=True).filter(missing).implode()))
    ids = numbered.select(pl.concat_str(pl.col("document_id"), pl.lit("-"), pl.col("_n")))
    return frame.with_columns(frame["item_id"].scatter(numbered["_at"], ids.to_series()))
