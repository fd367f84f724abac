"""A chosen Buchungsmonat or Zeitraum *selects* rows (ARCHITECTURE §4.1, ``--period``).

Rows of other months are counted, not turned into findings: they belong to their own month's
check, report and transfer. The checks run over the whole file first, so rules that look
across rows (cash balance carried from earlier months, duplicates) see everything; then the
rows, positions and findings of other months are set aside and each file gets one
``period.other_months`` Hinweis with their count. Rows whose month cannot be read (no date)
stay: they are not of another month, and their findings say why.

The month of a row is its Buchungsmonat for receipts, the Belegdatum for invoices, the
business day for POS revenue and the start of the call for call lists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from workbench.findings import concat_findings, findings_frame
from workbench.german import (
    format_count,
    format_month,
    format_period,
    month_expr,
    parse_period,
)
from workbench.kinds import ITEM_ID_COLUMNS, KINDS

if TYPE_CHECKING:  # workbench.sources imports workbench.findings
    from workbench.sources.loader import LoadResult

__all__ = ["PERIOD_COLUMNS", "Selection", "month_bounds", "select_period"]

#: The column whose month places a row in a period, per source kind (``KindSpec.period_column``).
PERIOD_COLUMNS = {spec.kind.value: spec.period_column for spec in KINDS.values()}


@dataclass(frozen=True)
class Selection:
    """The rows of the period, their findings, and how many rows per file were set aside."""

    loaded: LoadResult
    findings: pl.DataFrame
    other_months: dict[str, int]


def month_bounds(period: str | tuple[str, str]) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of a parsed or written period."""
    parsed = parse_period(period)
    if parsed is None:
        raise ValueError("an empty period selects nothing")
    return (parsed, parsed) if isinstance(parsed, str) else parsed


def _outside(frame: pl.DataFrame, kind: str, first: str, last: str) -> pl.Series:
    column = PERIOD_COLUMNS.get(kind)
    if column is None or column not in frame.columns:
        return pl.Series("outside", [False] * frame.height, dtype=pl.Boolean)
    month = month_expr(pl.col(column))
    outside = month.is_not_null() & ((month < first) | (month > last))
    return frame.select(outside.alias("outside")).to_series()


def select_period(
    loaded: LoadResult,
    findings: pl.DataFrame,
    period: str | tuple[str, str] | None,
) -> Selection:
    """Keep the rows of ``period`` (and rows without a month) with their findings.

    >>> selection = select_period(loaded, findings, "2026-01")  # doctest: +SKIP
    >>> selection.other_months  # doctest: +SKIP
    {'belege.csv': 201}
    """
    if period is None:
        return Selection(loaded, findings, {})
    first, last = month_bounds(period)
    frame = loaded.frame
    outside = _outside(frame, loaded.kind, first, last)
    if not outside.any():
        return Selection(loaded, findings, {})
    # only the lineage of the set-aside rows is needed; the kept rows are the new frame
    dropped = frame.select("source_file", "source_row").filter(outside)
    kept = frame.filter(~outside)
    keys = dropped.select(pl.col("source_file").alias("source"), pl.col("source_row").alias("row"))
    positions = loaded.positions
    kept_items = None
    if positions is not None and "invoice_id" in kept.columns:
        ids = kept["invoice_id"].drop_nulls().unique().implode()
        in_kept = pl.col("invoice_id").is_in(ids)
        keys = pl.concat(
            [
                keys,
                positions.filter(~in_kept).select(
                    pl.col("source_file").alias("source"), pl.col("source_row").alias("row")
                ),
            ]
        )
        positions = positions.filter(in_kept)
        keys = keys.unique()
        item_column = ITEM_ID_COLUMNS.get(loaded.kind, "invoice_id")
        kept_items = kept[item_column].cast(pl.String).drop_nulls().unique()
    # an e-invoice's findings name XML lines, not its row: a set-aside one takes all of them
    files = sorted(loaded.documents & set(dropped["source_file"]))
    keys = pl.concat([keys, findings.filter(pl.col("source").is_in(files)).select(keys.columns)])
    selected = _without_rows(findings, keys, kept_items)
    counts = dict(dropped.group_by("source_file").len().sort("source_file").iter_rows())
    months = _months_by_file(frame.filter(outside), loaded.kind)
    note = _other_months_findings(counts, months, loaded.kind, (first, last))
    loader_findings = _without_rows(loaded.findings, keys, kept_items)
    return Selection(
        replace(loaded, frame=kept, positions=positions, findings=loader_findings),
        concat_findings([selected, note]),
        counts,
    )


def _without_rows(
    findings: pl.DataFrame, keys: pl.DataFrame, kept_items: pl.Series | None
) -> pl.DataFrame:
    """``findings`` minus those on the set-aside rows (``keys``: source, row); file-level
    findings stay.

    ``kept_items``: for files whose sheets repeat row numbers (an Excel file with invoices and
    positions), a finding on a set-aside row number whose item is kept stays.
    """
    if findings.is_empty():
        return findings
    indexed = findings.with_row_index("__finding")
    dropped = indexed.join(keys, on=["source", "row"], how="semi")
    if kept_items is not None and dropped.height:
        dropped = dropped.filter(
            pl.col("item_id").is_null() | ~pl.col("item_id").is_in(kept_items.implode())
        )
    if dropped.is_empty():
        return findings
    gone = dropped["__finding"].implode()
    return indexed.filter(~pl.col("__finding").is_in(gone)).drop("__finding")


def _months_by_file(dropped: pl.DataFrame, kind: str) -> dict[str, list[str]]:
    """The months (``YYYY-MM``, in order) of the set-aside rows, per file."""
    month = month_expr(pl.col(PERIOD_COLUMNS[kind])).alias("month")
    per_file = dropped.group_by("source_file").agg(month.unique().sort())
    return dict(per_file.iter_rows())


def _other_months_findings(
    counts: dict[str, int], months: dict[str, list[str]], kind: str, bounds: tuple[str, str]
) -> pl.DataFrame:
    label = format_period(bounds if bounds[0] != bounds[1] else bounds[0])
    return findings_frame(
        {
            "source": source,
            "column": PERIOD_COLUMNS[kind],
            "rule": "period.other_months",
            "severity": "info",
            # the value of the period column: the months set aside, not their row count
            "value": ", ".join(format_month(month) for month in months[source]),
            "expected": label,
            "message": f"{format_count(count)} Zeilen anderer Monate nicht geprüft "
            f"(Zeitraum {label}); sie werden mit ihrem eigenen Monat geprüft und übertragen.",
        }
        for source, count in counts.items()
    )
