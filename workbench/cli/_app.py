"""The ``workbench`` app, its consoles and the helpers every command uses."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from workbench.errors import WorkbenchError
from workbench.kinds import SourceKind

app = typer.Typer(
    name="workbench",
    help="DATEV-Abgleich: Anruflisten, Rechnungen, Belegpositionen und Kassenumsätze laden, "
    "prüfen, abbilden und an DATEV übertragen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _console(*, stderr: bool = False) -> Console:
    # Piped output (files, CI, CliRunner) gets a wide page instead of rich's 80 columns.
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal:
        console = Console(stderr=stderr, soft_wrap=True, width=200)
    return console


_out = _console()
_err = _console(stderr=True)
_state = {"debug": False}


#: The KIND argument of every command that reads sources: its choices come from the registry.
KindArgument = Annotated[
    SourceKind,
    typer.Argument(help=f"Quellart: {', '.join(kind.value for kind in SourceKind)}."),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


Files = Annotated[list[Path], typer.Argument(help="Quelldateien (CSV, XLSX oder JSON).")]
ClientOption = Annotated[
    str | None, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.")
]


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks bei Fehlern zeigen.")] = False,
    kanzlei: Annotated[
        str | None,
        typer.Option(
            "--kanzlei",
            help="Kanzlei, deren Einstellungen, Zugänge, Übertragungen und Berichte gelten "
            "(Vorgabe: WORKBENCH_KANZLEI oder 'Standard').",
        ),
    ] = None,
) -> None:
    """DATEV reconciliation workbench."""
    _state["debug"] = debug
    if kanzlei is not None:
        from workbench.config import kanzlei_name

        try:
            name = kanzlei_name(kanzlei)
        except WorkbenchError as error:
            raise _fail(error) from error
        # Through the environment, so every module (and papermill's kernels) follows it; put
        # back afterwards, so an in-process run (tests, notebooks) leaves no trace.
        previous = os.environ.get("WORKBENCH_KANZLEI")
        os.environ["WORKBENCH_KANZLEI"] = name
        ctx.call_on_close(lambda: _restore_kanzlei(previous))


def _restore_kanzlei(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("WORKBENCH_KANZLEI", None)
    else:
        os.environ["WORKBENCH_KANZLEI"] = previous


def _fail(error: Exception) -> typer.Exit:
    """Print one clear line and turn the error into exit code 3."""
    if _state["debug"]:
        raise error
    message = str(error) if isinstance(error, WorkbenchError) else f"Unerwarteter Fehler: {error!r}"
    # escape: messages quote user values and commands ("datev-workbench[keyring]") verbatim.
    _err.print(f"[bold red]Fehler:[/] {escape(message)}", highlight=False)
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


def _confirm(question: str) -> bool:
    try:
        return typer.confirm(question, default=False, err=True)
    except typer.Abort:
        return False


def run() -> None:
    """Console entry point: an unexpected error is one line and exit code 3, not a traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _err.print("Abgebrochen.")
        raise SystemExit(3) from None
    except Exception as error:
        if debug:
            raise
        _err.print(
            f"[bold red]Fehler:[/] {escape(str(error))}"
            if isinstance(error, WorkbenchError)
            else f"[bold red]Unerwarteter Fehler:[/] {type(error).__name__}: "
            f"{escape(str(error))} (Details mit 'workbench --debug …')",
            highlight=False,
        )
        raise SystemExit(3) from None
