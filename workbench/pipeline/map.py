"""The map stage: checked rows → DATEV records with lineage; rows with error findings are
blocked, ``block_transfer`` rows skipped, and the counts add up (``Mapped.counts()``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import ConfigError
from workbench.kinds import Target
from workbench.pipeline.check import choose_target
from workbench.pipeline.registry import REGISTRY, plan_calls
from workbench.pipeline.results import CheckedRun, MappedRun

if TYPE_CHECKING:
    from workbench.mapping import Mapped

__all__ = ["map_run", "mapping_of", "records_with_lineage"]


def map_run(
    checked: CheckedRun,
    *,
    to: str | Target | None = None,
    pos_mapping: Path | None = None,
    employee: str | None = None,
) -> MappedRun:
    """Map a checked run for target ``to`` (default: the target it was checked for).

    POS revenue needs its account mapping (``pos_mapping``, a TOML file); calls become
    planned expense postings (``employee``: the DATEV employee for calls whose extension has
    none).

    >>> mapped = map_run(checked)  # doctest: +SKIP
    >>> mapped.mapping.counts()  # doctest: +SKIP
    """
    target = choose_target(checked.loaded, to) if to is not None else checked.target
    if employee is not None and checked.spec.billed:
        return plan_calls(checked, target, pos_mapping, employee=employee)
    return REGISTRY[checked.kind].map(checked, target, pos_mapping)


def mapping_of(mapped: MappedRun) -> Mapped:
    """The DATEV records with lineage (what preview and packages show); billed kinds have
    planned expense postings instead."""
    if mapped.mapping is None:
        raise ConfigError(
            "Anruflisten werden nicht abgebildet, sondern abgerechnet (Ziel expense-postings)."
        )
    return mapped.mapping


def records_with_lineage(mapping: Mapped) -> pl.DataFrame:
    """Mapped records with ``item_id``, ``source_file`` and ``source_row`` of their first row."""
    first = (
        mapping.lineage.sort("record", "source_row")
        .unique("record", keep="first", maintain_order=True)
        .select("record", "item_id", "source_file", "source_row")
    )
    return (
        mapping.records.with_row_index("record")
        .with_columns(pl.col("record").cast(pl.Int64))
        .join(first, on="record", how="left")
        .drop("record")
    )
