"""Checks the mapping makes on its own rows: values it needs, Belegbilder it must package.

Each returns the offending rows (with ``rules`` and ``message``, ready for
:meth:`workbench.mapping.gate.RowGate.block`) and their findings; the gate's
:meth:`~workbench.mapping.gate.RowGate.require` and
:meth:`~workbench.mapping.gate.RowGate.block_unreadable_attachments` run them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from workbench.findings import concat_findings, empty_findings
from workbench.mapping.findings import SourceColumns, row_findings

__all__ = ["MAX_ATTACHMENT_BYTES", "missing_values", "unreadable_attachments"]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # DATEV rejects larger Belegbilder (dxso-jobs #DCO01016)


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


def unreadable_attachments(
    rows: pl.DataFrame, *, role: str, sources: SourceColumns
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose Belegbild is missing or over 20 MB (with ``rules`` and ``message``), findings.

    Paths are taken as given (resolve them against the source folder before mapping).
    """
    problems: dict[str, str] = {}
    for text in rows["attachment"].drop_nulls().unique().to_list():
        try:
            size = Path(text).stat().st_size if Path(text).is_file() else None
        except OSError:
            size = None
        if size is None:
            problems[text] = "attachment.missing"
        elif size > MAX_ATTACHMENT_BYTES:
            problems[text] = "attachment.too_large"
    bad = rows.filter(pl.col("attachment").is_in(list(problems)).fill_null(False))
    if bad.is_empty():
        return bad, empty_findings()
    rule = pl.col("attachment").replace_strict(problems, return_dtype=pl.String)
    what = (
        pl.when(rule == "attachment.missing")
        .then(pl.lit("fehlt"))
        .otherwise(pl.lit("ist größer als 20 MB"))
    )
    message = pl.format(
        "{}, Zeile {}: das Belegbild '{}' {}; DATEV nimmt den Beleg so nicht an. Legen Sie die "
        "Datei ab, verkleinern Sie sie oder entfernen Sie den Verweis.",
        "source_file",
        "source_row",
        "attachment",
        what,
    )
    bad = bad.with_columns(rule.alias("_rule"), message.alias("message"))
    found = concat_findings(
        [
            row_findings(
                part,
                rule=name,
                severity="error",
                column="attachment",
                message=pl.col("message"),
                value=pl.col("attachment"),
                sources=sources,
                role=role,
            )
            for name in sorted(set(problems.values()))
            if (part := bad.filter(pl.col("_rule") == name)).height
        ]
    )
    return bad.with_columns(pl.concat_list("_rule").alias("rules")).drop("_rule"), found
