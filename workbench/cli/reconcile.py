"""``workbench reconcile``: Abgleich mit DATEV, per account and per Beleg.

Exit codes: 0 when the sides agree, 2 when they differ, 3 for usage or runtime errors
(ARCHITECTURE §4.1).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from workbench.cli._app import PosMappingOption, _client_id, _fail, _month, _out, app
from workbench.cli.reporting import _parse_sources
from workbench.errors import ConfigError, WorkbenchError

if TYPE_CHECKING:
    from workbench.reconcile import Reconciliation


class ReconcileFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


@app.command()
def reconcile(
    client: Annotated[
        str, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.", callback=_client_id)
    ],
    period: Annotated[str, typer.Option("--period", help="Monat JJJJ-MM.", callback=_month)],
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Quelle ART=DATEI[,DATEI][:PROFIL], mehrfach möglich "
            "(z. B. receipts=belege.csv:juston); ohne: nur Gesendetes gegen Gebuchtes.",
        ),
    ] = None,
    output: Annotated[
        ReconcileFormat,
        typer.Option("--format", help="Tabelle, JSON oder Excel-Datei (xlsx, mit --out)."),
    ] = ReconcileFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Datei für JSON oder Excel (xlsx).")
    ] = None,
    pos_mapping: PosMappingOption = None,
) -> None:
    """Abgleich mit DATEV: Quellen, Gesendetes und bei DATEV Gebuchtes je Konto und Beleg."""
    from workbench.pipeline import map_sources, reconcile_run
    from workbench.pipeline.connection import connect

    try:
        if output is ReconcileFormat.xlsx and out is None:
            raise ConfigError("Für --format xlsx fehlt die Zieldatei (--out bericht.xlsx).")
        specs = [
            (item["kind"], [Path(name) for name in item["files"]], item["profile"])
            for item in _parse_sources(source or [])
        ]
        with connect() as connection:
            sources = map_sources(
                connection, specs, client=client, period=period, pos_mapping=pos_mapping
            )
            result = reconcile_run(connection, client=client, period=period, sources=sources)
        _write(result, output, out)
    except WorkbenchError as error:
        raise _fail(error) from error
    raise typer.Exit(result.exit_code)


def _write(result: Reconciliation, output: ReconcileFormat, out: Path | None) -> None:
    if output is ReconcileFormat.json:
        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            out.write_text(text, encoding="utf-8")
            _out.print(f"Abgleich geschrieben: {out}")
    elif output is ReconcileFormat.xlsx:
        from workbench.reports.reconcile_xlsx import write_reconciliation

        assert out is not None
        write_reconciliation(result, out)
        _out.print(f"Abgleich geschrieben: {out}")
    else:
        _print(result)


def _amount(cents: int | None) -> str:
    from workbench.german import format_number

    return "" if cents is None else format_number(cents / 100)


def _print(result: Reconciliation) -> None:
    from workbench.german import format_count, format_month
    from workbench.reconcile.tables import KIND_LABELS

    counts = result.counts
    _out.print(
        f"Abgleich {result.client}, {format_month(result.period)}: "
        f"{format_count(counts['sent'])} gesendete und {format_count(counts['booked'])} bei "
        "DATEV gebuchte Buchungen"
        + (f", {format_count(counts['source'])} aus den Quellen" if result.with_sources else "")
        + "."
    )
    # Before the verdict: rows of the sources in no line (blocked, other months).
    for note in result.notes:
        _out.print(f"Hinweis: {note}")
    if result.differences.height:
        table = Table(title=f"Abweichungen ({result.differences.height})", header_style="bold")
        for name in ("Art", "Belegfeld 1", "Konto", "gesendet", "gebucht", "Quelle", "Meldung"):
            table.add_column(name, overflow="fold")
        for row in result.differences.iter_rows(named=True):
            where = f"{row['source']}:{row['row']}" if row["source"] else ""
            table.add_row(
                KIND_LABELS[row["kind"]],
                row["belegfeld1"],
                row["account"] or "",
                _amount(row["sent"]),
                _amount(row["booked"]),
                where,
                row["message"],
            )
        _out.print(table)
    else:
        _out.print("Keine Abweichungen: gesendet und gebucht stimmen überein.")
    table = Table(title="Je Konto (Soll positiv, Haben negativ)", header_style="bold")
    table.add_column("Konto")
    table.add_column("Bezeichnung")
    for name in (*(["Quelle"] if result.with_sources else []), "gesendet", "gebucht"):
        table.add_column(name, justify="right")
    for row in result.accounts.iter_rows(named=True):
        table.add_row(
            row["account"],
            row["name"] or "",
            *([_amount(row["source"])] if result.with_sources else []),
            _amount(row["sent"]),
            _amount(row["booked"]),
        )
    _out.print(table)
