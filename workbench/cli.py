"""The ``workbench`` command line (ARCHITECTURE §4.1, a contract).

Exit codes: 0 clean, 1 warnings only, 2 errors found (or transfer failed), 3 usage or runtime
error: one clear line on stderr, a traceback only with ``--debug``.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from workbench.errors import WorkbenchError

app = typer.Typer(
    name="workbench",
    help="DATEV-Abgleich: Anruflisten, Rechnungen, Belegpositionen und Kassenumsätze laden, "
         "prüfen, abbilden und an DATEV übertragen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)
_state = {"debug": False}


class Kind(str, Enum):
    calls = "calls"
    invoices = "invoices"
    receipts = "receipts"
    pos = "pos"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


Files = Annotated[list[Path], typer.Argument(help="Quelldateien (CSV, XLSX oder JSON).")]
ClientOption = Annotated[str | None, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.")]


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Tracebacks bei Fehlern zeigen.")] = False) -> None:
    """DATEV reconciliation workbench."""
    _state["debug"] = debug


def _fail(error: Exception) -> typer.Exit:
    """Print one clear line and turn the error into exit code 3."""
    if _state["debug"]:
        raise error
    message = str(error) if isinstance(error, WorkbenchError) else f"Unerwarteter Fehler: {error!r}"
    _err.print(f"[bold red]Fehler:[/] {message}", highlight=False)
    return typer.Exit(3)


def _not_available(command: str, issue: str) -> typer.Exit:
    _err.print(f"'workbench {command}' ist in dieser Version noch nicht verfügbar ({issue}).",
               highlight=False)
    return typer.Exit(3)


def _print_frame(frame: pl.DataFrame, title: str | None = None, *, limit: int = 50) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in frame.head(limit).iter_rows():
        table.add_row(*("" if value is None else str(value) for value in row))
    _out.print(table)
    if frame.height > limit:
        _out.print(f"… {frame.height - limit} weitere Zeilen")


@app.command()
def load(
    kind: Annotated[Kind, typer.Argument(help="Quellart: calls, invoices, receipts oder pos.")],
    files: Files,
    profile: Annotated[str, typer.Option("--profile", "-p", help="Spaltenprofil (Name oder .toml).")] = "canonical",
    output: Annotated[OutputFormat, typer.Option("--format", help="Ausgabe als Tabelle oder JSON.")] = OutputFormat.table,
) -> None:
    """Quelldateien laden und zusammenfassen: Zeilen, Spalten, Kodierung, Zeilenprobleme."""
    from workbench.sources import LOADERS

    try:
        result = LOADERS[kind.value](files, profile=profile)
    except WorkbenchError as error:
        raise _fail(error) from error
    summary = result.summary()
    if output is OutputFormat.json:
        payload = {
            "kind": kind.value,
            "rows": result.frame.height,
            "columns": result.frame.columns,
            "files": summary.to_dicts(),
            "positions": result.positions.height if result.positions is not None else None,
            "findings": result.findings.to_dicts(),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _print_frame(summary.select("file", "sheet", "variant", "encoding", "rows", "row_problems",
                                    "unmapped_columns"),
                     title=f"{kind.value}: {result.frame.height} Zeilen geladen")
        if result.positions is not None:
            _out.print(f"Positionen: {result.positions.height} Zeilen")
        if result.findings.height:
            _print_frame(result.findings.select("source", "row", "column", "source_column", "value",
                                                "message"),
                         title=f"Zeilenprobleme ({result.findings.height})", limit=30)
        else:
            _out.print("Keine Zeilenprobleme.")
    raise typer.Exit(2 if result.findings.height else 0)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Adresse, an die der Server bindet.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP-Port.")] = 8765,
    seed: Annotated[Path | None, typer.Option(help="Seed-Datei (JSON) mit Mandanten und Stammdaten.")] = None,
    state: Annotated[Path | None, typer.Option(help="Ordner, in dem Jobs und Dateien dauerhaft liegen.")] = None,
    control: Annotated[bool, typer.Option("--control/--no-control", help="Steuer-Endpunkte unter /_sandbox/ einschalten.")] = False,
    faults: Annotated[str | None, typer.Option(help="Fehler einspielen, z. B. 'latency=0.2,5xx=0.1,429=0.1'.")] = None,
) -> None:
    """Den DATEV-Sandbox-Server starten (alle DATEV-APIs lokal)."""
    try:
        from workbench.sandbox.server import serve
    except ImportError as error:
        raise _not_available("sandbox", "Issue 3: DATEV-Sandbox") from error
    serve(host=host, port=port, seed=seed, state_dir=state, control=control, faults=faults)


@app.command()
def check(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    engine: Annotated[str, typer.Option(help="polars oder gx.")] = "polars",
) -> None:
    """Prüfungen ausführen und Befunde ausgeben."""
    raise _not_available("check", "Issue 4: Prüfungen")


@app.command(name="map")
def map_(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    to: Annotated[str, typer.Option("--to", help="extf, xml oder expense-postings.")] = "extf",
    out: Annotated[Path, typer.Option("--out")] = Path("out"),
) -> None:
    """DATEV-Dateien schreiben (EXTF, XML-Pakete, Expense Postings)."""
    raise _not_available("map", "Issue 5: DATEV-Formate und Abbildung")


@app.command()
def preview(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    rows: Annotated[int, typer.Option("--rows")] = 20,
) -> None:
    """Quelle und abgebildete DATEV-Felder nebeneinander zeigen."""
    raise _not_available("preview", "Issue 5: DATEV-Formate und Abbildung")


@app.command()
def transfer(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    month: Annotated[str | None, typer.Option("--month", help="Buchungsmonat JJJJ-MM.")] = None,
    document_kind: Annotated[str | None, typer.Option("--document-kind")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage übertragen.")] = False,
) -> None:
    """Daten an DATEV übertragen (fragt vorher nach, außer mit --yes)."""
    raise _not_available("transfer", "Issue 6: Übertragung und Status")


@app.command()
def status(
    transfer_id: Annotated[str | None, typer.Argument()] = None,
    refresh: Annotated[bool, typer.Option("--refresh")] = False,
    yes: Annotated[bool, typer.Option("--yes")] = False,
    protocol: Annotated[bool, typer.Option("--protocol")] = False,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Übertragungen auflisten und ihren DATEV-Status aktualisieren."""
    raise _not_available("status", "Issue 6: Übertragung und Status")


@app.command()
def report(
    client: Annotated[str, typer.Option("--client")],
    period: Annotated[str, typer.Option("--period", help="JJJJ-MM.")],
    out: Annotated[Path | None, typer.Option("--out")] = None,
) -> None:
    """Monatsbericht (papermill) als HTML erzeugen."""
    raise _not_available("report", "Issue 8: Notebooks und Berichte")


@app.command()
def demo(
    samples: Annotated[Path, typer.Option(help="Ordner mit Beispieldaten.")] = Path("data/samples"),
) -> None:
    """Was `make demo` ausführt: Beispieldaten laden, prüfen, abbilden, übertragen, berichten."""
    from workbench.demo import run_demo

    try:
        code = run_demo(samples, console=_out)
    except WorkbenchError as error:
        raise _fail(error) from error
    raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()
