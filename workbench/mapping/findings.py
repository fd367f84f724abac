"""Findings the mapping emits, in the one findings table (ARCHITECTURE §4.2).

The mapping adds its own findings to the loader's and the checks' ones: a value it cannot do
without (``field.required``), a Belegbild it cannot package (``attachment.*``), a rule of its
own (``duplicate.invoice_id``, ``pos.unbalanced``, ...) and whatever DATEV's writers would
reject (``field.datev``). Rows here carry ``source_file``, ``source_row`` and ``_item`` (the
item id a finding names); ``sources`` maps ``(file, role)`` to the file's canonical column →
source header, so that a finding names the column as the user's file calls it.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench.findings import FINDINGS_SCHEMA, concat_findings, empty_findings
from workbench.sources.loader import SourceInfo

__all__ = [
    "SourceColumns",
    "all_findings",
    "document_error_rules",
    "error_rules",
    "row_findings",
    "source_maps",
    "validation_findings",
]

#: ``(file, role)`` → canonical column → header in the file.
SourceColumns = dict[tuple[str, str], dict[str, str]]


def source_maps(infos: Iterable[SourceInfo]) -> SourceColumns:
    """(file, kind) → canonical column → source header."""
    return {(info.file, info.kind): dict(info.mapped) for info in infos}


def all_findings(loaded: pl.DataFrame, given: pl.DataFrame | None) -> pl.DataFrame:
    """Loader findings plus the caller's (check) findings, without exact duplicates."""
    parts = [loaded] if given is None else [loaded, given]
    merged = concat_findings(parts)
    return merged.unique(maintain_order=True) if given is not None else merged


def error_rules(findings: pl.DataFrame, *, by_item: bool = False) -> pl.DataFrame:
    """Error findings per (source, row): ``source_file``, ``source_row``, ``rules``, ``message``.

    ``by_item`` keeps ``item_id`` as a key too (to tell apart two Excel sheets of one file).
    """
    errors = findings.filter(pl.col("severity") == "error")
    keys = ["source", "row", "item_id"] if by_item else ["source", "row"]
    return (
        errors.group_by(*keys, maintain_order=True)
        .agg(
            pl.col("rule").unique(maintain_order=True).alias("rules"),
            pl.col("message").first().alias("message"),
        )
        .rename({"source": "source_file", "row": "source_row"})
    )


def document_error_rules(findings: pl.DataFrame, documents: frozenset[str]) -> pl.DataFrame:
    """Error findings per document file (``source_file``, ``rules``, ``message``).

    A document (an e-invoice) is one item: its findings name the line of an XML element, so
    they are joined on the file, whichever line they name.
    """
    errors = findings.filter(
        (pl.col("severity") == "error") & pl.col("source").is_in(sorted(documents))
    )
    return (
        errors.group_by("source", maintain_order=True)
        .agg(
            pl.col("rule").unique(maintain_order=True).alias("rules"),
            pl.col("message").first().alias("message"),
        )
        .rename({"source": "source_file"})
    )


def row_findings(
    rows: pl.DataFrame,
    *,
    rule: str,
    severity: str,
    column: str | None,
    message: pl.Expr,
    value: pl.Expr | None = None,
    expected: str | None = None,
    sources: SourceColumns | None = None,
    role: str = "",
) -> pl.DataFrame:
    """One finding per row of ``rows`` (``source_file``, ``source_row``, ``_item``)."""
    if rows.is_empty():
        return empty_findings()
    source_column = None
    frame = rows.with_columns(
        message.alias("_message"),
        (value if value is not None else pl.lit(None, dtype=pl.String))
        .cast(pl.String)
        .alias("_value"),
    )
    if sources is not None and column is not None:
        lookup = pl.DataFrame(
            [
                {"source_file": file, "_sc": mapped.get(column)}
                for (file, kind), mapped in sources.items()
                if kind == role
            ],
            schema={"source_file": pl.String, "_sc": pl.String},
        )
        frame = frame.join(lookup, on="source_file", how="left", maintain_order="left")
        source_column = pl.col("_sc")
    return frame.select(
        pl.col("source_file").alias("source"),
        pl.col("source_row").alias("row"),
        pl.col("_item").cast(pl.String).alias("item_id"),
        pl.lit(column, dtype=pl.String).alias("column"),
        (source_column if source_column is not None else pl.lit(None, dtype=pl.String)).alias(
            "source_column"
        ),
        pl.lit(rule).alias("rule"),
        pl.lit(severity).alias("severity"),
        pl.col("_value").alias("value"),
        pl.lit(expected, dtype=pl.String).alias("expected"),
        pl.col("_message").alias("message"),
        pl.lit(None, dtype=pl.String).alias("suggestion"),
    )


def validation_findings(
    problems: pl.DataFrame,
    rows: pl.DataFrame,
    *,
    field_sources: dict[str, tuple[tuple[str, str], ...]],
    sources: SourceColumns,
    role: str,
    target: str,
) -> pl.DataFrame:
    """Findings for the DATEV writers' problems (``row``, ``field``, ``value``, ``message``).

    ``rows`` gives, per validated row position (``_pos``), the ``source_file``, ``source_row``
    and ``_item`` of the canonical row the record came from.
    """
    if problems.is_empty():
        return empty_findings()
    what = "Belegsatzdaten (LedgerImport)" if target == "ledger" else "EXTF-Buchungsstapel"
    hits = problems.join(rows, left_on="row", right_on="_pos", how="left", maintain_order="left")
    records = []
    for hit in hits.iter_rows(named=True):
        column = field_sources.get(hit["field"], ((role, None),))[0][1]
        source_column = sources.get((hit["source_file"], role), {}).get(column) if column else None
        where = f"Spalte '{source_column}'" if source_column else f"Feld '{hit['field']}'"
        records.append(
            {
                "source": hit["source_file"],
                "row": hit["source_row"],
                "item_id": hit["_item"],
                "column": column,
                "source_column": source_column,
                "rule": "field.datev",
                "severity": "error",
                "value": hit["value"],
                "expected": hit["message"],
                "message": (
                    f"{hit['source_file']}, Zeile {hit['source_row']}, {where}: der Wert "
                    f"'{hit['value'] or ''}' für das DATEV-Feld '{hit['field']}' {hit['message']}. "
                    f"DATEV würde die {what} ablehnen; korrigieren Sie den Wert in der Quelle."
                ),
            }
        )
    return pl.DataFrame(records, schema=FINDINGS_SCHEMA)
