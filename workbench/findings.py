"""Findings: one row-precise table of everything the checks found (ARCHITECTURE §4.2, contract).

``source`` is the file, ``sheet`` the Excel sheet (null for CSV and JSON), ``row`` the row as the
user sees it there: together they name one cell row even when a workbook's sheets share numbers.

Severities: ``error`` blocks the transfer of the row, ``warning`` and ``info`` do not.
Exit codes of ``workbench check``: 0 clean, 1 warnings only, 2 errors found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

__all__ = [
    "FINDINGS_SCHEMA",
    "SEVERITIES",
    "concat_findings",
    "empty_findings",
    "exit_code",
    "findings_frame",
    "summarize_findings",
]

SEVERITIES = ("error", "warning", "info")

FINDINGS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "sheet": pl.String,  # Excel sheet name; null for CSV, JSON and file-level findings
        "row": pl.Int64,
        "item_id": pl.String,
        "column": pl.String,
        "source_column": pl.String,
        "rule": pl.String,
        "severity": pl.String,
        "value": pl.String,
        "expected": pl.String,
        "message": pl.String,
        "suggestion": pl.String,
    }
)


def empty_findings() -> pl.DataFrame:
    """A findings table without rows."""
    return pl.DataFrame(schema=FINDINGS_SCHEMA)


def findings_frame(records: Iterable[Mapping[str, object]]) -> pl.DataFrame:
    """Build a findings table from dicts; missing fields become null."""
    rows = [{name: record.get(name) for name in FINDINGS_SCHEMA} for record in records]
    if not rows:
        return empty_findings()
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA)


def concat_findings(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate findings tables (columns coerced to the contract schema; a table without
    ``sheet`` has none)."""
    parts = [
        frame.select(
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in FINDINGS_SCHEMA.items()
        )
        for frame in frames
        if frame.height
    ]
    return pl.concat(parts) if parts else empty_findings()


def summarize_findings(findings: pl.DataFrame) -> pl.DataFrame:
    """Counts per rule and severity, most frequent first."""
    return (
        findings.group_by("rule", "severity")
        .agg(pl.len().alias("count"), pl.col("message").first().alias("message"))
        .sort(["count", "rule"], descending=[True, False])
    )


def exit_code(findings: pl.DataFrame) -> int:
    """0 clean (or infos only), 1 warnings only, 2 at least one error."""
    severities = set(findings["severity"].unique().to_list())
    if "error" in severities:
        return 2
    return 1 if "warning" in severities else 0
