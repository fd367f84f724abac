"""Helpers shared by the mapping tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import polars as pl

from workbench.checks.findings import findings_frame


def finding(source: str, row: int, rule: str, severity: str = "error", column: str | None = None,
            item_id: str | None = None) -> dict:
    """One finding as the checks would report it."""
    return {"source": source, "row": row, "rule": rule, "severity": severity, "column": column,
            "item_id": item_id, "message": f"{source}, Zeile {row}: {rule}"}


def findings(*rows: dict) -> pl.DataFrame:
    return findings_frame(rows)


def assert_accounted(mapped, loaded: int) -> None:
    """Every loaded row of the primary source is mapped, blocked or skipped, and only one of them."""
    counts = mapped.counts()
    assert counts["balanced"].all(), counts
    assert counts["loaded"].sum() == loaded
    mapped_rows = mapped.lineage.filter(pl.col("role") == mapped.primary)["index"].n_unique()
    assert mapped_rows + mapped.blocked.height + mapped.skipped.height == loaded
    every = pl.concat([mapped.lineage.filter(pl.col("role") == mapped.primary)["index"].unique(),
                       mapped.blocked["index"], mapped.skipped["index"]])
    assert every.n_unique() == every.len() == loaded
