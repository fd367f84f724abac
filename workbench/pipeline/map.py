"""The map stage: checked rows → DATEV records with lineage; rows with error findings are
blocked, ``block_transfer`` rows skipped, and the counts add up (``Mapped.counts()``)."""

from __future__ import annotations

from dataclasses import replace
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

__all__ = ["map_run", "mapping_of", "records_with_lineage", "with_mapping_findings"]


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


#: A check of POS revenue without its account mapping: the balance needs the categories' accounts.
UNCHECKED_BALANCE = (
    "Zwischenkonto nicht geprüft: ohne Kontenzuordnung (--pos-mapping DATEI.toml) prüft "
    "check nicht, ob Umsatz und Trinkgeld je Zeitraum den Zahlungen entsprechen "
    "(pos.unbalanced); map und transfer prüfen es."
)


def with_mapping_findings(checked: CheckedRun, *, pos_mapping: Path) -> CheckedRun:
    """The checked run with the findings its mapping adds, for ``check`` to show what ``map``
    would block: for POS revenue with its account mapping, a period whose transit account
    does not balance (``pos.unbalanced``), categories without a Sachkonto, rates without a
    BU-Schlüssel and what the EXTF format refuses.

    Mapping again after this gives the same records: the rows these findings name are the rows
    the mapping blocks anyway.

    >>> checked = with_mapping_findings(checked, pos_mapping=Path("map.toml"))  # doctest: +SKIP
    """
    return replace(checked, findings=map_run(checked, pos_mapping=pos_mapping).findings)


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
