"""Keep every column of a loaded frame in the CSV reader's chunks.

``polars.read_csv`` returns each column in the same ~120 chunks for a million rows. Joining them
into one chunk per column copies the whole frame (0.1-0.2 s of CPU for a million rows, more than
any conversion), while a frame whose columns are chunked alike works as fast as a joined one. A
frame whose columns are chunked *differently*, though, is joined again by polars on every
operation (0.2-0.5 s each), so a column computed apart from the others (a ``scatter``, a new
``Series``) is cut into the reader's chunks: slices, no copy.

Callers that add columns of their own layout later (``with_row_index``, a ``Series``) call
:func:`single_chunk` once first.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

__all__ = ["in_chunks", "like_chunks", "single_chunk"]


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


def single_chunk(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with one chunk per column: once, before adding columns of another layout."""
    return frame.rechunk() if frame.width and max(frame.n_chunks("all")) > 1 else frame
