"""Rows a command leaves out, each with where it is and why (issue: nothing skipped without a
word): blocked and skipped rows of a mapping, calls not billed, calls billed but not postable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from workbench.pipeline.results import MappedRun

__all__ = ["LEFT_OUT_SCHEMA", "left_out"]

LEFT_OUT_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "row": pl.Int64(),
        "item_id": pl.String(),
        "status": pl.String(),
        "rules": pl.List(pl.String()),
        "reason": pl.String(),
    }
)


def left_out(run: MappedRun) -> pl.DataFrame:
    """One row per source row a mapped run did not carry into DATEV's files, in file order."""
    parts = []
    mapped = run.mapping
    if mapped is not None:
        parts.append(
            mapped.blocked.select(
                pl.col("source_file").alias("source"),
                pl.col("source_row").alias("row"),
                "item_id",
                pl.lit("gesperrt").alias("status"),
                "rules",
                pl.col("message").alias("reason"),
            )
        )
        parts.append(
            mapped.skipped.select(
                pl.col("source_file").alias("source"),
                pl.col("source_row").alias("row"),
                "item_id",
                pl.lit("übersprungen").alias("status"),
                pl.lit([], dtype=pl.List(pl.String)).alias("rules"),
                "reason",
            )
        )
    billing = run.checked.billing
    if billing is not None:
        parts.append(
            billing.not_billed.select(
                pl.col("source_file").alias("source"),
                pl.col("source_row").alias("row"),
                pl.col("call_id").alias("item_id"),
                pl.lit("nicht abgerechnet").alias("status"),
                pl.lit([], dtype=pl.List(pl.String)).alias("rules"),
                "reason",
            )
        )
    plan = run.plan
    if plan is not None and plan.findings.height:
        parts.append(
            plan.findings.group_by("source", "row", "item_id", maintain_order=True).agg(
                pl.lit("nicht gebucht").alias("status"),
                pl.col("rule").alias("rules"),
                pl.col("message").str.join(" ").alias("reason"),
            )
        )
    frames = [part.cast(LEFT_OUT_SCHEMA).select(list(LEFT_OUT_SCHEMA)) for part in parts]
    if not frames:
        return pl.DataFrame(schema=LEFT_OUT_SCHEMA)
    return pl.concat(frames).sort("source", "row", nulls_last=True, maintain_order=True)
