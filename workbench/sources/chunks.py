"""Cut a column into the chunks of another, so that a frame's columns are chunked alike.

``polars.read_csv`` returns each column in the same ~120 chunks for a million rows. A column
computed apart from them (a default value repeated, a ``scatter``) has one chunk, and polars
joins the chunks of the whole frame again on every operation on a frame whose columns are chunked
differently (0.2-0.5 s each). Cutting the odd column into the others' chunks costs nothing (slices).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

__all__ = ["in_chunks", "like_chunks"]


def in_chunks(series: pl.Series, lengths: Sequence[int]) -> pl.Series:
    """``series`` cut into chunks of ``lengths`` (copied only if it is chunked otherwise)."""
    if series.chunk_lengths() == list(lengths):
        return series
    series = series.rechunk()
    if len(lengths) <= 1:
        return series
    starts = itertools.accumulate(lengths, initial=0)
    return pl.concat(
        [series.slice(start, length) for start, length in zip(starts, lengths, strict=False)],
        rechunk=False,
    )


def like_chunks(frame: pl.DataFrame, like: pl.Series) -> pl.DataFrame:
    """``frame`` with every column in the chunks of ``like`` (same length)."""
    lengths = like.chunk_lengths()
    if all(series.chunk_lengths() == lengths for series in frame.iter_columns()):
        return frame
    return pl.DataFrame([in_chunks(series, lengths) for series in frame.iter_columns()])
