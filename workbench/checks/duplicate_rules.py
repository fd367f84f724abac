"""Duplicate keys (invoice numbers, call ids) across rows, screened without a hash table first."""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.checks.engine_polars import ROW_INDEX
from workbench.checks.hits import HITS_SCHEMA, hits, text

__all__ = ["CALL_TWICE", "INVOICE_NUMBER_TWICE", "ITEM_TWICE", "duplicates"]

INVOICE_NUMBER_TWICE = (
    "DATEV nimmt beide an und ordnet offene Posten über diese Nummer zu; die Workbench ist hier "
    "absichtlich strenger als DATEV, damit nichts doppelt gebucht wird. Vergeben Sie eine "
    "eindeutige Nummer oder entfernen Sie die Dublette (doppelter Export)."
)
CALL_TWICE = (
    "Die Abrechnung würde das Gespräch so oft buchen, wie es vorkommt; die Workbench ist hier "
    "absichtlich strenger als DATEV und rechnet keine der Zeilen ab. Entfernen Sie die doppelte "
    "Zeile (doppelter Export der Telefonanlage)."
)
ITEM_TWICE = (
    "DATEV würde sie so oft buchen, wie sie vorkommt; die Workbench überträgt keine der Zeilen "
    "(strenger als DATEV). Datei doppelt angegeben, Zeile doppelt exportiert? Entfernen Sie die "
    "Dublette, oder vergeben Sie verschiedenen Positionen eindeutige Ids."
)


def _may_repeat(key: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Rows whose key may have more than one owner: a superset, found without a hash table.

    Consecutive rows with the same key and owner (the items of one document) count once; the
    rest are counted per bucket of the key's top bits (four to eight buckets per key), and a row
    is kept when its bucket was hit twice or more; the rows kept are counted again by the key's
    low bits, which leaves about one in twenty of them (a million distinct keys: 10k rows to
    group instead of 200k). At most 2**23 buckets (64 MB of counts): beyond that, more
    candidates are cheaper than more memory.
    """
    if len(key) < 2:
        return np.zeros(len(key), dtype=bool)
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])
    bits = min(23, max(8, int(first.sum()).bit_length() + 2))
    kept = _bucket_hit_twice(key >> np.uint64(64 - bits), first, bits)
    if not kept.any():
        return kept
    rows = np.flatnonzero(kept)
    low = key[rows] & np.uint64((1 << bits) - 1)
    kept[rows] = _bucket_hit_twice(low, first[rows], bits)
    return kept


def _bucket_hit_twice(bucket: np.ndarray, counted: np.ndarray, bits: int) -> np.ndarray:
    """Rows whose bucket (< 2**bits) holds two or more of the ``counted`` rows."""
    index = bucket.astype(np.intp)
    return np.bincount(index[counted], minlength=1 << bits)[index] > 1


def duplicates(
    frame: pl.DataFrame,
    column: str,
    *,
    rule: str,
    group: pl.Expr | pl.Series | None,
    owner: str | None,
    label: str,
    consequence: str = INVOICE_NUMBER_TWICE,
) -> pl.DataFrame:
    """Flag every occurrence of a value that more than one owner (document or row) holds in
    ``group`` (an expression on ``frame`` or a series aligned with it); ``consequence``: what
    DATEV would do with them and what to do, after the rows are named."""
    if column not in frame.columns:
        return pl.DataFrame(schema=HITS_SCHEMA)
    value = pl.col(column)
    keys = [column] if group is None else [column, "__group"]
    owner_expr = pl.col(owner) if owner else pl.col(ROW_INDEX)
    needed = {
        ROW_INDEX,
        column,
        *([owner] if owner else []),
        *(["source_row"] if "source_row" in frame.columns else []),
        *(["source_file"] if "source_file" in frame.columns else []),
        *(group.meta.root_names() if isinstance(group, pl.Expr) else []),
    }
    work = frame.select([c for c in frame.columns if c in needed]).with_columns(
        (group if group is not None else pl.lit(None)).alias("__group")
    )
    if work[column].null_count():
        work = work.filter(value.is_not_null())
    # hashes stand in for key and owner (a collision only adds candidates, the exact
    # comparison follows); only the rows a cheap screen keeps go through the grouping below
    key = value.hash() if group is None else value.hash() ^ (pl.col("__group").hash() * 3)
    work = work.with_columns(key.alias("__key"), owner_expr.hash().alias("__owner"))
    work = work.filter(_may_repeat(work["__key"].to_numpy(), work["__owner"].to_numpy()))
    repeated = (
        work.group_by("__key")
        .agg((pl.col("__owner").min() != pl.col("__owner").max()).alias("__many"))
        .filter(pl.col("__many"))["__key"]
    )
    if repeated.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    work = work.filter(pl.col("__key").is_in(repeated.implode())).sort(ROW_INDEX)
    line = (
        pl.col("source_row")
        if "source_row" in frame.columns
        else pl.col(ROW_INDEX).cast(pl.Int64) + 1
    ).cast(pl.String)
    where = "Zeilen "
    if "source_file" in frame.columns and work["source_file"].n_unique() > 1:
        # across files a row number alone says nothing: "belege.csv Zeile 2"
        line, where = pl.concat_str(pl.col("source_file"), pl.lit(" Zeile "), line), ""
    work = work.with_columns(
        owner_expr.n_unique().over(keys).alias("__owners"),
        line.unique(maintain_order=True).str.join(", ").over(keys).alias("__rows"),
    )
    return hits(
        work,
        pl.col("__owners") > 1,
        rule=rule,
        severity="error",
        column=column,
        value=value,
        expected="eindeutig",
        message=text(
            label,
            " '",
            value,
            "' kommt mehrfach vor (",
            where,
            pl.col("__rows"),
            "). ",
            consequence,
        ),
    )
