"""``field.formula_like``: text a spreadsheet would run as a formula (see workbench.spreadsheets).

A warning, not an error: DATEV takes the value as it is (EXTF and XML are no spreadsheets) and
the mapping keeps it; the finding says where it is, so nobody is surprised when a spreadsheet
export of the workbench shows it with a protecting apostrophe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from workbench.findings import concat_findings, empty_findings
from workbench.kinds import ITEM_ID_COLUMNS
from workbench.sources.schema import canonical_columns
from workbench.spreadsheets import formula_like

if TYPE_CHECKING:
    from workbench.sources.loader import LoadResult, SourceInfo

__all__ = ["formula_findings"]

#: Column types whose text comes from the user's file as it is.
_FREE_TEXT = ("text", "code", "account")


def formula_findings(result: LoadResult) -> pl.DataFrame:
    """One ``field.formula_like`` warning per formula-like text value of the loaded frames."""
    parts = [_frame_findings(result.frame, result.kind, result.sources)]
    if result.positions is not None:
        parts.append(_frame_findings(result.positions, "positions", result.position_sources))
    # only cells of the file (not values the loader derived), and each cell once: a profile
    # may map one header to two canonical columns (InvoiceNo to both ids)
    return (
        concat_findings(parts)
        .filter(pl.col("source_column").is_not_null())
        .unique(["source", "row", "source_column"], keep="first", maintain_order=True)
        .sort("source", "row", maintain_order=True)
    )


def _may_start_a_formula(column: str) -> pl.Expr:
    """A cheap superset of :func:`formula_like`: the text starts with a byte a formula may
    start with (tab, CR, ``+``, ``-`` sort before ``.``; ``=`` and ``@`` between ``=`` and
    ``A``). Comparing with a constant reads the few bytes each value keeps inline, where the
    regexes of ``formula_like`` cost a search per value."""
    text = pl.col(column)
    return ((text < ".") | ((text >= "=") & (text < "A"))).fill_null(False)


def _frame_findings(
    frame: pl.DataFrame, kind: str, sources: tuple[SourceInfo, ...]
) -> pl.DataFrame:
    headers = {info.file: dict(info.mapped) for info in sources}
    item = ITEM_ID_COLUMNS.get(getattr(kind, "value", kind))
    columns = [
        column.name
        for column in canonical_columns(kind)
        if column.type in _FREE_TEXT and frame.schema.get(column.name) == pl.String
    ]
    if not columns:
        return empty_findings()
    # the exact test only on the rows the screen keeps (few), in the frame's order
    frame = frame.filter(pl.any_horizontal(_may_start_a_formula(name) for name in columns))
    parts = []
    for name in columns:
        hits = frame.filter(formula_like(name))
        if hits.is_empty():
            continue
        parts.append(
            pl.DataFrame(
                [
                    _finding(row, name, headers.get(row["source_file"], {}), item)
                    for row in hits.iter_rows(named=True)
                ]
            )
        )
    return concat_findings(parts) if parts else empty_findings()


def _finding(row: dict, column: str, headers: dict[str, str], item: str | None) -> dict:
    source_column = headers.get(column)
    where = f"Spalte '{source_column}'" if source_column else f"Spalte {column}"
    value = row[column]
    shown = value if len(value) <= 60 else value[:60] + "…"
    return {
        "source": row["source_file"],
        "row": row["source_row"],
        "item_id": None if item is None else _text(row.get(item)),
        "column": column,
        "source_column": source_column,
        "rule": "field.formula_like",
        "severity": "warning",
        "value": value,
        "expected": "Text, den eine Tabellenkalkulation nicht als Formel liest",
        "message": f"{row['source_file']}, Zeile {row['source_row']}, {where}: Der Wert "
        f"'{shown}' beginnt wie eine Tabellenformel (=, +, -, @). DATEV übernimmt ihn "
        f"unverändert; in Tabellen-Exporten der Workbench steht ein Apostroph davor, damit "
        f"Excel ihn nicht ausführt. Prüfen Sie, ob der Wert so gemeint ist.",
        "suggestion": None,
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)
