"""``workbench preview``: each DATEV field of a page of records beside the source cell it came
from (a CSV cell, an Excel cell, an e-invoice's XML element), with the findings on it; an
e-invoice's findings (they name XML lines, not the record's row) are listed with its records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape

from workbench.cli._app import _out, _short
from workbench.cli.findings_list import finding_lines

if TYPE_CHECKING:
    import polars as pl

    from workbench.mapping import Mapped
    from workbench.pipeline import CheckedRun
    from workbench.sources.raw import RawCells

__all__ = ["print_preview"]


def print_preview(mapped: Mapped, run: CheckedRun, *, page: int, size: int) -> None:
    """Each record of page ``page`` (from 0): DATEV's field names (the element beside them),
    values in German formats, and the source cell as written in the file."""
    from workbench.datev.vocabulary import LEDGER_FIELD_NAMES
    from workbench.german import format_count, format_value, severity_label
    from workbench.mapping import preview as preview_page
    from workbench.sources.raw import RawCells

    total = mapped.records.height
    loaded = run.loaded.result
    raw = RawCells(
        {Path(path).name: Path(path) for path in run.files},
        (*loaded.sources, *loaded.position_sources),
    )
    _out.print(
        f"DATEV-Felder, Seite {page + 1} von {max(1, -(-total // size))} "
        f"({format_count(total)} Datensätze, {size} je Seite)"
    )
    long = preview_page(mapped, page=page, page_size=size)
    shown: set[str] = set()  # e-invoices whose findings this page listed
    for (record,), fields in long.group_by("record", maintain_order=True):
        values = mapped.records.row(int(record), named=True)
        first = fields.row(0, named=True)
        where = escape(f"{first['source_file']}:{first['source_row']}")
        _out.print(f"[bold]Datensatz {int(record) + 1} [/] ← {where}", highlight=False)
        document = first["source_file"]
        if raw.is_document(document) and document not in shown:
            shown.add(document)
            _print_document_findings(mapped.findings, document)
        for row in fields.iter_rows(named=True):
            name = row["field"]
            # LedgerImport elements get DATEV's word; EXTF columns already are DATEV's names
            label = f"{LEDGER_FIELD_NAMES[name]} ({name})" if name in LEDGER_FIELD_NAMES else name
            column = row["source_column"]
            written = raw.text(row["source_file"], row["source_row"], column)
            derived = written is None and raw.is_document(row["source_file"])
            origin = (
                f"{column} = »{_short(written or '', 80)}«"
                if column and not derived
                else "(abgeleitet)"
            )
            notes = (
                f"  [yellow]{severity_label(row['severity'])}: {escape(', '.join(row['rules']))}[/]"
                if row.get("rules")
                else ""
            )
            line = f"{label:<30} {_short(format_value(values.get(name)), 80):<32} ← {origin}"
            _out.print(f"    {escape(line)}{notes}", highlight=False)
    _print_blocked_documents(mapped, raw)


def _print_document_findings(findings: pl.DataFrame, document: str) -> None:
    """An e-invoice's findings, once above its first record on the page: they name the line of
    an XML element, so only some sit beside a field (those on an element a field shows)."""
    import polars as pl

    mine = findings.filter(pl.col("source") == document).sort("row", nulls_last=True)
    if mine.is_empty():
        return
    invoice = mine["item_id"].drop_nulls().first() or document
    lines = [f"    Befunde der Rechnung {escape(str(invoice))} ({mine.height}):"]
    _out.print("\n".join([*lines, *finding_lines(mine, indent="      ")]), highlight=False)


def _print_blocked_documents(mapped: Mapped, raw: RawCells) -> None:
    """E-invoices that an error keeps out of the records (and so out of the preview), each
    with its findings."""
    import polars as pl

    files = mapped.blocked["source_file"].unique(maintain_order=True).to_list()
    blocked = [file for file in files if raw.is_document(file)]
    if not blocked:
        return
    count = len(blocked)
    _out.print(
        f"Nicht in der Vorschau (gesperrt): {count} E-Rechnung{'en' if count > 1 else ''}",
        highlight=False,
    )
    mine = mapped.findings.filter(pl.col("source").is_in(blocked)).sort("source", "row")
    _out.print("\n".join(finding_lines(mine, indent="    ")), highlight=False)
