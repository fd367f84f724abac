"""Hits: what a cross-row rule returns (the failing row positions of the prepared frame, with
rule, severity, column, value, expected, message and suggestion); ``checks.check`` joins the
lineage (file, row, item id) on them. The rule modules (``rules``, ``cash_rules``,
``duplicate_rules``, ``check_digits``) build them with :func:`hits` and :func:`text`.
"""

from __future__ import annotations

import polars as pl

from workbench.checks.engine_polars import ROW_INDEX

__all__ = ["HITS_SCHEMA", "hits", "text"]

HITS_SCHEMA = pl.Schema(
    {
        ROW_INDEX: pl.UInt32,
        "rule": pl.String,
        "severity": pl.String,
        "column": pl.String,
        "value": pl.String,
        "expected": pl.String,
        "message": pl.String,
        "suggestion": pl.String,
    }
)


def hits(
    frame: pl.DataFrame,
    mask: pl.Expr,
    *,
    rule: str,
    severity: str,
    column: str,
    value: pl.Expr,
    expected: str | pl.Expr,
    message: pl.Expr,
    suggestion: pl.Expr | None = None,
) -> pl.DataFrame:
    """The rows of ``frame`` where ``mask`` holds, as hits of ``rule``."""
    return frame.filter(mask).select(
        pl.col(ROW_INDEX).cast(pl.UInt32),
        pl.lit(rule, dtype=pl.String).alias("rule"),
        pl.lit(severity, dtype=pl.String).alias("severity"),
        pl.lit(column, dtype=pl.String).alias("column"),
        value.cast(pl.String).alias("value"),
        (pl.lit(expected, dtype=pl.String) if isinstance(expected, str) else expected).alias(
            "expected"
        ),
        message.alias("message"),
        (suggestion if suggestion is not None else pl.lit(None, dtype=pl.String)).alias(
            "suggestion"
        ),
    )


def text(*parts: str | pl.Expr) -> pl.Expr:
    """A message from literal text and expressions (nulls left out)."""
    return pl.concat_str(
        [pl.lit(p) if isinstance(p, str) else p.cast(pl.String) for p in parts], ignore_nulls=True
    )
