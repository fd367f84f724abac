"""The ``workbench`` app, its consoles and the helpers every command uses."""

from __future__ import annotations

import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from workbench.cli._help import GermanHelp, GermanTyper
from workbench.cli._usage import (
    ClickError,
    GermanBadParameter,
    NoArgsIsHelpError,
    german_usage_error,
)
from workbench.errors import UsageError, WorkbenchError
from workbench.kinds import SourceKind

#: ARCHITECTURE §4.1: 3 usage or runtime error, 4 cancelled by the user at a prompt.
USAGE_ERROR = 3
CANCELLED = 4

if TYPE_CHECKING:
    import polars as pl


class _Workbench(GermanHelp, TyperGroup):
    """Runs every command with ARCHITECTURE §4.1's exit codes, in CliRunner tests too.

    Click's own handling would exit 2 with an English usage box; here a usage error is one
    German line and exit 3, a cancelled prompt is "Abgebrochen." and exit 4, and an unexpected
    error one line and exit 3 (with ``--debug`` also the traceback; the codes stay).
    """

    def main(self, args: Any = None, prog_name: Any = None, *rest: Any, **options: Any) -> Any:
        if options.get("standalone_mode", True) is False:
            return super().main(args, prog_name, *rest, **options)
        options["standalone_mode"] = False
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv[: argv.index("--") if "--" in argv else len(argv)]
        try:
            code = super().main(argv, prog_name, *rest, **options)
        except NoArgsIsHelpError:
            code = 0  # Typer has shown the help
        except ClickError as error:
            if debug:
                traceback.print_exc()
            message = german_usage_error(error, argv)
            _err.print(f"[bold red]Fehler:[/] {escape(message)}", highlight=False)
            code = USAGE_ERROR
        except typer.Abort:
            _err.print("Abgebrochen.")
            code = CANCELLED
        except Exception as error:  # the last line of defence: one clear line, never a traceback
            if debug:
                traceback.print_exc()
            _err.print(_unexpected(error), highlight=False)
            code = USAGE_ERROR
        if code == 130:  # typer's Ctrl-C
            _err.print("Abgebrochen.")
            code = CANCELLED
        sys.exit(code if isinstance(code, int) else 0)


def _unexpected(error: BaseException) -> str:
    if isinstance(error, WorkbenchError):
        return f"[bold red]Fehler:[/] {escape(_short(error, 2000))}"
    return (
        f"[bold red]Unerwarteter Fehler:[/] {type(error).__name__}: {escape(_short(error))} "
        f"(Details mit 'workbench --debug …')"
    )


def _short(text: object, limit: int = 300) -> str:
    """One line, at most ``limit`` characters (a 100 MB value is not printed whole)."""
    text = str(text)
    line = " ".join(text[: 4 * limit].split())  # never split a huge value into words
    if len(text) <= 4 * limit and len(line) <= limit:
        return line
    count = f"{len(text):,}".replace(",", ".")  # German digit grouping, the text untouched
    return f"{line[:limit]}… ({count} Zeichen)"


app = GermanTyper(
    name="workbench",
    help="DATEV-Abgleich: Anruflisten, Rechnungen, Belegpositionen und Kassenumsätze laden, "
    "prüfen, abbilden und an DATEV übertragen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Workbench,
)


def _console(*, stderr: bool = False) -> Console:
    # Piped output (files, CI, CliRunner) gets a wide page instead of rich's 80 columns.
    # emoji=False: an XPath such as "cbc:ID" must not turn into an emoji shortcode
    console = Console(stderr=stderr, soft_wrap=True, emoji=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, soft_wrap=True, width=200, emoji=False)
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
    """Print one clear line and turn the error into exit code 3 (``--debug``: and a traceback)."""
    if _state["debug"]:
        traceback.print_exception(error)
    message = str(error) if isinstance(error, WorkbenchError) else f"Unerwarteter Fehler: {error!r}"
    # escape: messages quote user values and commands ("datev-workbench[keyring]") verbatim.
    hint = _control_hint(error)
    _err.print(f"[bold red]Fehler:[/] {escape(_short(message + hint, 2000))}", highlight=False)
    return typer.Exit(USAGE_ERROR)


def _client_id(value: str | None) -> str | None:
    """Typer callback: the client id in its normal form, or a German usage error."""
    from workbench.clients import normalise_client_id

    if value is None:
        return None
    try:
        return normalise_client_id(value)
    except UsageError as error:
        raise GermanBadParameter(str(error)) from None


def _client_ids(values: list[str] | None) -> list[str] | None:
    return None if values is None else [_client_id(value) or "" for value in values]


def _month(value: str | None) -> str | None:
    """Typer callback for ``--month`` (and the report's ``--period``): one month as people
    write it (``2026-01``, ``01/2026``, ``Januar 2026``) → JJJJ-MM, or a usage error."""
    from workbench.clients import normalise_month

    if value is None:
        return None
    try:
        return normalise_month(value)
    except UsageError as error:
        raise GermanBadParameter(str(error)) from None


def _period(value: str | None) -> str | None:
    """Typer callback for ``--period``: a month or a range of months (``2026-01..2026-03``,
    ``Januar 2026 bis März 2026``) → ``JJJJ-MM`` or ``JJJJ-MM..JJJJ-MM``, or a usage error."""
    from workbench.german import parse_period

    if value is None:
        return None
    try:
        period = parse_period(value)
    except WorkbenchError as error:
        raise GermanBadParameter(str(error)) from None
    return period if isinstance(period, str) or period is None else "..".join(period)


Files = Annotated[list[Path], typer.Argument(help="Quelldateien (CSV, XLSX oder JSON).")]
ClientOption = Annotated[
    str | None,
    typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.", callback=_client_id),
]
ProfileOption = Annotated[
    str, typer.Option("--profile", "-p", help="Spaltenprofil (Name, .toml oder 'auto').")
]
PosMappingOption = Annotated[
    Path | None, typer.Option("--pos-mapping", help="Kontenzuordnung für Kassenumsätze (TOML).")
]


def _control_hint(error: Exception) -> str:
    """The option that fixes an error whose message names only the setting (``control``)."""
    control = getattr(error, "control", None)
    if control == "profile":
        return " Option: --profile NAME (oder --profile pfad/zum/profil.toml)."
    if control == "kind":
        kind = getattr(error, "value", "")
        return f" Die Quellart ist das erste Argument, z. B.: workbench check {kind} DATEI …"
    return ""


def _print_frame(
    frame: pl.DataFrame,
    title: str | None = None,
    *,
    limit: int = 50,
    labels: dict[str, str] | None = None,
) -> None:
    """A table in German formats (``1.234,56``, ``31.01.2026``), ``labels`` for the headers."""
    import polars as pl

    from workbench.german import COLUMN_TITLES, format_month, format_value

    labels = {**COLUMN_TITLES, **(labels or {})}
    if frame.schema.get("month") == pl.String:  # the ledger's 2026-01 as people say it
        frame = frame.with_columns(
            pl.col("month").map_elements(format_month, return_dtype=pl.String, skip_nulls=True)
        )
    table = Table(title=title, show_lines=False, header_style="bold")
    for name, dtype in frame.schema.items():
        table.add_column(
            labels.get(name, name),
            overflow="fold",
            justify="right" if dtype.is_numeric() else "left",
        )
    for row in frame.head(limit).iter_rows():
        # Text, not markup: a value like "[bold]" from a file is shown as it is
        table.add_row(*(Text(_short(format_value(value), 500)) for value in row))
    _out.print(table)
    if frame.height > limit:
        _out.print(f"… {frame.height - limit} weitere Zeilen")


def _confirm(question: str, *, no_answer: bool | None = None) -> bool:
    """Ask in German; ``j``/``ja`` is yes, Enter or ``n`` is no. No answer at all (closed input,
    no terminal) is ``no_answer`` if given; otherwise the command ends as cancelled (exit 4)."""
    while True:
        try:
            answer = typer.prompt(
                f"{question} [j/N]", default="", show_default=False, err=True, prompt_suffix=" "
            )
        except typer.Abort:
            if no_answer is None:
                raise
            return no_answer
        answer = answer.strip().casefold()
        if answer in ("j", "ja", "y", "yes"):
            return True
        if answer in ("", "n", "nein", "no"):
            return False
        _err.print("Bitte mit j (ja) oder n (nein) antworten.")


def run() -> None:
    """Console entry point (``workbench``): exit codes as ARCHITECTURE §4.1 says."""
    app()
