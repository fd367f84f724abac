"""``workbench check`` lists the first findings by severity, file and row: taking the smallest
keys first (instead of sorting every finding) lists the same findings in the same order."""

from __future__ import annotations

import random

import polars as pl
import pytest

from workbench.cli.findings_list import first_findings


def _sorted(findings: pl.DataFrame, limit: int) -> pl.DataFrame:
    """What the listing was: every finding sorted, then the first ``limit``."""
    order = pl.col("severity").replace_strict({"error": 0, "warning": 1, "info": 2}, default=3)
    return findings.sort(order, "source", "row", nulls_last=True, maintain_order=True).head(limit)


@pytest.mark.parametrize("seed", range(5))
def test_first_findings_are_the_sorted_ones(seed: int) -> None:
    pick = random.Random(seed).choice
    size = 3_000
    findings = pl.DataFrame(
        {
            "severity": [pick(["error", "warning", "info"]) for _ in range(size)],
            "source": [pick(["a.csv", "b.csv", None]) for _ in range(size)],
            "row": [pick([None, *range(2, 60)]) for _ in range(size)],
            "rule": [f"rule.{n}" for n in range(size)],  # tells ties apart
        }
    )
    for limit in (0, 1, 7, 200, size, size + 1):
        assert first_findings(findings, limit).equals(_sorted(findings, limit)), limit
