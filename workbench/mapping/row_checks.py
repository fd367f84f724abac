"""Checks the mapping makes on its own rows: the values it needs.

Each returns the offending rows (with ``rules`` and ``message``, ready for
:meth:`workbench.mapping.gate.RowGate.block`) and their findings; the gate's
:meth:`~workbench.mapping.gate.RowGate.require` runs them. Whether a Belegbild is one DATEV
takes is the check stage's finding (``attachment.*``), which blocks its row like every error
finding (:meth:`~workbench.mapping.gate.RowGate.block_on_errors`).
"""

from __future__ import annotations

import polars as pl

from workbench.findings import concat_findings, empty_findings
from workbench.mapping.findings import SourceColumns, row_findings

__all__ = ["missing_values"]


def missing_values(
    rows: pl.DataFrame,
    columns: dict[str, tuple[str, ...] | None],
    *,
    role: str,
    sources: SourceColumns,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows without a required value (with ``rules`` and ``message``) and their findings."""
    conditions = []
    for column, allowed in columns.items():
        missing = pl.col(column).is_null()
        if rows.schema[column] == pl.String:
            missing = missing | (pl.col(column).str.strip_chars() == "")
        if allowed is not None:
            missing = missing | ~pl.col(column).is_in(list(allowed))
        # A null condition would make ``filter`` drop the row silently: null counts as missing.
        conditions.append((column, missing.fill_null(True)))
    condition = pl.any_horizontal(*[c for _, c in conditions]) if conditions else pl.lit(False)
    bad = rows.filter(condition)
    if bad.is_empty():
        return bad, empty_findings()
    parts = []
    for column, missing in conditions:
        message = pl.format(
            "{}, Zeile {}: die Spalte für '{}' ist leer oder ungültig ('{}'); ohne sie lässt "
            "sich kein DATEV-Satz bilden. Ergänzen Sie den Wert in der Quelle.",
            "source_file",
            "source_row",
            pl.lit(column),
            pl.col(column).cast(pl.String).fill_null(""),
        )
        parts.append(
            row_findings(
                bad.filter(missing),
                rule="field.required",
                severity="error",
                column=column,
                message=message,
                value=pl.col(column),
                sources=sources,
                role=role,
            )
        )
    found = concat_findings(parts)
    first = found.unique(["source", "row"], keep="first", maintain_order=True)
    bad = bad.join(
        first.select(
            pl.col("source").alias("source_file"),
            pl.col("row").alias("source_row"),
            pl.lit(["field.required"]).alias("rules"),
            "message",
        ),
        on=["source_file", "source_row"],
        how="left",
        maintain_order="left",
    )
    return bad, found
