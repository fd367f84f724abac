"""The Excel Prüfbericht: what the checks found, as bookkeepers hand it to clients and colleagues.

Sheets: **Zusammenfassung** (client, period, counts per file and rule by severity),
**Befunde** (one line per finding: severity, file, row, column, value, message, suggestion, rule;
filters, frozen header, severity colours) and **one sheet per source** (the rows as written in
the file, amounts and dates typed, each offending cell coloured with the message as a comment).
Every text is a text cell, so nothing in a source file runs as a formula (see
:mod:`workbench.excel`).

>>> write_check_report("pruefbericht.xlsx", findings=run.findings, loaded=run.loaded,
...                    files=run.files, client="455148-1", period="2026-01")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.excel import Styled, new_workbook, write_table
from workbench.findings import concat_findings
from workbench.german import BERLIN, format_period, rule_title, severity_label
from workbench.kinds import KINDS, SourceKind
from workbench.sources.raw import read_again
from workbench.sources.schema import canonical_columns

if TYPE_CHECKING:
    from workbench.sources.loader import LoadResult, SourceInfo

__all__ = ["write_check_report"]

_RANK = {"error": 0, "warning": 1, "info": 2}
#: Canonical value types written as numbers or dates instead of the file's text.
_TYPED = {"amount", "rate", "integer", "date", "datetime"}
#: Comments per source sheet: enough to act on, not so many that Excel crawls.
_MAX_COMMENTS = 2000


def write_check_report(
    path: str | Path,
    *,
    findings: pl.DataFrame,
    loaded: LoadResult,
    files: Sequence[str | Path],
    client: str | None = None,
    period: str | tuple[str, str] | None = None,
    other_months: Mapping[str, int] | None = None,
    created: dt.datetime | None = None,
) -> Path:
    """Write the Prüfbericht for one checked source to ``path`` (``.xlsx``)."""
    path = Path(path)
    findings = concat_findings([findings])
    book = new_workbook()
    _summary(
        book,
        findings,
        loaded,
        client=client,
        period=period,
        other_months=other_months or {},
        created=created or dt.datetime.now(BERLIN),
    )
    _findings_sheet(book, findings)
    paths = {Path(file).name: Path(file) for file in files}
    for info, frame in _source_frames(loaded):
        if info.file in paths:
            # an e-invoice is one invoice: its findings name XML lines, its row is the root's
            whole = info.file in loaded.documents and info.kind == loaded.kind and frame.height > 0
            document_row = int(frame["source_row"][0]) if whole else None
            _source_sheet(book, info, frame, paths[info.file], findings, document_row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _label(kind: str) -> str:
    try:
        return KINDS[SourceKind(kind)].label
    except ValueError:
        return kind


def _summary(
    book,
    findings: pl.DataFrame,
    loaded: LoadResult,
    *,
    client: str | None,
    period: str | tuple[str, str] | None,
    other_months: Mapping[str, int],
    created: dt.datetime,
) -> None:
    counts = (
        findings.group_by("source", "rule")
        .agg(
            *(
                (pl.col("severity") == severity).sum().cast(pl.Int64).alias(severity)
                for severity in _RANK
            ),
            pl.len().cast(pl.Int64).alias("total"),
            pl.col("severity")
            .replace_strict(_RANK, default=9, return_dtype=pl.Int64)
            .min()
            .alias("_rank"),
        )
        .sort("source", "_rank", "rule", nulls_last=True)
    )
    rows_per_file = dict(loaded.frame.group_by("source_file").len().iter_rows())
    by_severity = {s: int((findings["severity"] == s).sum()) for s in _RANK}
    preamble: list[list[object]] = [
        ["Prüfbericht", _label(loaded.kind)],
        ["Mandant", client or ""],
        ["Zeitraum", format_period(period) or "alle Monate"],
        ["Erstellt", created.astimezone(BERLIN).replace(tzinfo=None)],
        ["Zeilen geprüft", int(loaded.frame.height)],
        ["Zeilen anderer Monate (nicht geprüft)", int(sum(other_months.values()))],
        [
            "Ergebnis",
            f"{by_severity['error']} Fehler, {by_severity['warning']} Warnungen, "
            f"{by_severity['info']} Hinweise",
        ],
        [],
    ]
    write_table(
        book,
        "Zusammenfassung",
        ["Datei", "Zeilen", "Regel", "Titel", "Fehler", "Warnungen", "Hinweise", "Gesamt"],
        (
            [
                row["source"] or "(alle Dateien)",
                rows_per_file.get(row["source"]),
                Styled(row["rule"], text=True),
                rule_title(row["rule"]),
                *(Styled(row[s], severity=s if row[s] else None) for s in _RANK),
                row["total"],
            ]
            for row in counts.iter_rows(named=True)
        ),
        widths=[34, 10, 32, 46, 10, 12, 10, 10],
        preamble=preamble,
    )


_FINDING_HEADERS = [
    "Schwere",
    "Datei",
    "Blatt",
    "Zeile",
    "Spalte",
    "Wert",
    "Meldung",
    "Vorschlag",
    "Regel",
    "Titel",
    "Position",
]


def _findings_sheet(book, findings: pl.DataFrame) -> None:
    ordered = findings.with_columns(
        pl.col("severity").replace_strict(_RANK, default=9, return_dtype=pl.Int64).alias("_rank")
    ).sort("_rank", "source", "row", "column", nulls_last=True)
    has_sheet = "sheet" in ordered.columns

    def rows():
        for row in ordered.iter_rows(named=True):
            severity = row["severity"]
            yield [
                Styled(severity_label(severity), severity=severity),
                Styled(row["source"], text=True),
                Styled(row["sheet"] if has_sheet else None, text=True),
                Styled(row["row"], number_format="0"),
                Styled(row["source_column"] or row["column"], text=True),
                Styled(row["value"], text=True),
                Styled(row["message"], text=True),
                Styled(row["suggestion"], text=True),
                Styled(row["rule"], text=True),
                rule_title(row["rule"]),
                Styled(row["item_id"], text=True),
            ]

    write_table(
        book,
        "Befunde",
        _FINDING_HEADERS,
        rows(),
        widths=[10, 32, 12, 8, 22, 28, 90, 24, 30, 36, 22],
    )


def _source_frames(loaded: LoadResult) -> list[tuple[SourceInfo, pl.DataFrame]]:
    """Each loaded file (or sheet) with the canonical rows that came from it."""
    pairs = [(info, loaded.frame) for info in loaded.sources]
    if loaded.positions is not None:
        pairs += [(info, loaded.positions) for info in loaded.position_sources]
    return [(info, frame.filter(pl.col("source_file") == info.file)) for info, frame in pairs]


def _cell_findings(
    findings: pl.DataFrame,
    info: SourceInfo,
    columns: Sequence[str],
    document_row: int | None = None,
) -> dict[tuple[int, str | None], tuple[str, str]]:
    """(row, header or None for the whole row) -> (worst severity, messages) for one sheet.

    ``document_row``: the sheet is one e-invoice, every finding of its file goes to this row
    (in the column of the element it names), whichever XML line it names. A finding on a
    column the sheet lacks marks the row.
    """
    mine = findings.filter((pl.col("source") == info.file) & pl.col("row").is_not_null())
    if "sheet" in mine.columns and info.sheet is not None:
        mine = mine.filter(pl.col("sheet").is_null() | (pl.col("sheet") == info.sheet))
    if document_row is not None:
        mine = mine.with_columns(pl.lit(document_row, dtype=mine.schema["row"]).alias("row"))
    headers = dict(info.mapped)
    shown = set(columns)
    marks: dict[tuple[int, str | None], tuple[str, str]] = {}
    for row in mine.iter_rows(named=True):
        header = row["source_column"] or headers.get(row["column"] or "")
        key = (int(row["row"]), header if header in shown else None)
        text = f"{severity_label(row['severity'])} ({row['rule']}): {row['message']}"
        if key in marks:
            worst, before = marks[key]
            if _RANK.get(row["severity"], 9) < _RANK.get(worst, 9):
                worst = row["severity"]
            marks[key] = (worst, f"{before}\n{text}")
        else:
            marks[key] = (row["severity"], text)
    return marks


def _source_sheet(
    book,
    info: SourceInfo,
    frame: pl.DataFrame,
    path: Path,
    findings: pl.DataFrame,
    document_row: int | None = None,
) -> None:
    """The file's rows as written (only the rows that were checked), offending cells coloured
    (``document_row``: see :func:`_cell_findings`)."""
    table = read_again(path, info)
    raw = table.frame.with_columns(table.rows.alias("__row")).join(
        frame.select(pl.col("source_row").alias("__row")).unique(), on="__row", how="semi"
    )
    types = {column.name: column.type for column in canonical_columns(info.kind)}
    typed = {
        header: canonical
        for canonical, header in info.mapped.items()
        if types.get(canonical) in _TYPED and canonical in frame.columns
    }
    if typed:
        values = frame.select(
            pl.col("source_row").alias("__row"),
            *(pl.col(canonical).alias(f"__typed_{header}") for header, canonical in typed.items()),
        ).unique("__row")
        raw = raw.join(values, on="__row", how="left", maintain_order="left")
    headers = table.frame.columns
    marks = _cell_findings(findings, info, headers, document_row)
    comments = 0

    def styled(row_number: int, header: str | None, value: object, text: bool) -> Styled:
        nonlocal comments
        mark = marks.get((row_number, header))
        if mark is None:
            return Styled(value, text=text)
        comments += 1
        return Styled(
            value,
            severity=mark[0],
            comment=mark[1] if comments <= _MAX_COMMENTS else None,
            text=text,
        )

    def rows():
        for row in raw.iter_rows(named=True):
            number = row["__row"]
            line = [styled(number, None, number, False)]
            for header in headers:
                typed_value = row.get(f"__typed_{header}")
                if typed_value is not None:
                    line.append(styled(number, header, typed_value, False))
                else:
                    line.append(styled(number, header, row[header], True))
            yield line

    stem = Path(info.file).stem
    title = stem if info.sheet is None else f"{stem} {info.sheet}"
    write_table(
        book,
        title,
        ["Zeile", *headers],
        rows(),
        widths=[8, *(max(10, min(40, len(header) + 4)) for header in headers)],
    )
