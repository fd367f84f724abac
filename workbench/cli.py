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

def _console(*, stderr: bool = False) -> Console:
    # Piped output (files, CI, CliRunner) gets a wide page instead of rich's 80 columns.
    console = Console(stderr=stderr, soft_wrap=True)
    if not console.is_terminal:
        console = Console(stderr=stderr, soft_wrap=True, width=200)
    return console


_out = _console()
_err = _console(stderr=True)
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


ProfileOption = Annotated[str, typer.Option("--profile", "-p", help="Spaltenprofil (Name, .toml oder 'auto').")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Übertragungszeitraum JJJJ-MM.")]
PosMappingOption = Annotated[Path | None, typer.Option("--pos-mapping", help="Kontenzuordnung für Kassenumsätze (TOML).")]


def _checked_run(kind: Kind, files: list[Path], client: str | None, profile: str, engine: str,
                 period: str | None, connection: object, target: str | None = None):
    from workbench.pipeline import check_run

    return check_run(kind.value, files, client=client, profile=profile, connection=connection,
                     engine=engine, period=period, target=target)


def _print_findings(findings: pl.DataFrame, *, limit: int = 200) -> None:
    """Counts per rule, then one entry per finding as ``file:row`` so editors can jump there."""
    from workbench.checks import summarize_findings

    if findings.is_empty():
        _out.print("Keine Befunde: Die Daten sind bereit für DATEV.")
        return
    _print_frame(summarize_findings(findings).select("rule", "severity", "count"),
                 title=f"Befunde je Regel ({findings.height})")
    order = pl.col("severity").replace_strict({"error": 0, "warning": 1, "info": 2}, default=3)
    for row in findings.sort(order, "source", "row", nulls_last=True).head(limit).iter_rows(named=True):
        place = f"{row['source']}:{row['row']}" if row["row"] is not None else str(row["source"])
        column = f" {row['source_column'] or row['column']}" if row["column"] else ""
        value = f" = {row['value']!r}" if row["value"] is not None else ""
        _out.print(f"[bold]{place}[/] {row['severity']} [cyan]{row['rule']}[/]{column}{value}",
                   highlight=False)
        _out.print(f"    {row['message']}", highlight=False)
        if row["suggestion"]:
            _out.print(f"    Vorschlag: {row['suggestion']!r}", highlight=False)
    if findings.height > limit:
        _out.print(f"… {findings.height - limit} weitere Befunde (--format json zeigt alle)")


@app.command()
def check(
    kind: Annotated[Kind, typer.Argument(help="Quellart: calls, invoices, receipts oder pos.")],
    files: Files,
    client: ClientOption = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Tabelle oder JSON.")] = OutputFormat.table,
    engine: Annotated[str, typer.Option(help="polars (schnell) oder gx (Great Expectations).")] = "polars",
    profile: ProfileOption = "auto",
    period: PeriodOption = None,
) -> None:
    """Prüfungen ausführen und Befunde ausgeben (Exit-Code 0 sauber, 1 Warnungen, 2 Fehler)."""
    from workbench.checks import findings_json
    from workbench.transfer.connection import connect

    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, engine, period, connection)
    except WorkbenchError as error:
        raise _fail(error) from error
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(findings_json(run.findings), ensure_ascii=False, indent=1,
                                    default=str) + "\n")
    else:
        _out.print(f"{kind.value}: {run.loaded.frame.height} Zeilen geprüft (Profil {run.profile}).")
        _print_findings(run.findings)
    raise typer.Exit(run.exit_code)


@app.command(name="map")
def map_(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    to: Annotated[str, typer.Option("--to", help="extf, xml oder expense-postings.")] = "xml",
    out: Annotated[Path, typer.Option("--out", help="Zielordner.")] = Path("out"),
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
) -> None:
    """DATEV-Dateien schreiben: EXTF_*.csv, XML-Pakete mit document.xml oder Expense Postings."""
    from workbench.pipeline import map_run, write_run
    from workbench.transfer.connection import connect

    if to not in ("extf", "xml", "expense-postings"):
        raise _fail(WorkbenchError(f"Unbekanntes Ziel '{to}': erlaubt sind extf, xml und "
                                   f"expense-postings."))
    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, "polars", None, connection, to)
            if kind is not Kind.calls:
                map_run(run, to=to, pos_mapping=pos_mapping)
            written = write_run(run, out, to=to)
    except WorkbenchError as error:
        raise _fail(error) from error
    if run.mapped is not None:
        _print_frame(run.mapped.counts(), title="Zeilen: abgebildet, gesperrt, übersprungen")
    for path in written:
        _out.print(f"geschrieben: {path}")
    raise typer.Exit(run.exit_code)


@app.command()
def preview(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    rows: Annotated[int, typer.Option("--rows", help="Datensätze je Seite.")] = 20,
    page: Annotated[int, typer.Option("--page", help="Seite (ab 0).")] = 0,
    to: Annotated[str, typer.Option("--to", help="extf oder xml.")] = "xml",
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
) -> None:
    """Quelle und abgebildete DATEV-Felder nebeneinander: Feld, Wert, Quellspalte, Zeile, Befunde."""
    from workbench.mapping import preview as preview_page
    from workbench.pipeline import map_run
    from workbench.transfer.connection import connect

    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, "polars", None, connection, to)
            mapped = map_run(run, to=to, pos_mapping=pos_mapping)
    except WorkbenchError as error:
        raise _fail(error) from error
    page_frame = preview_page(mapped, page=page, page_size=rows)
    _out.print(f"DATEV-Felder, Seite {page} ({rows} Datensätze je Seite, "
               f"{mapped.records.height} Datensätze insgesamt)")
    for record, fields in page_frame.group_by("record", maintain_order=True):
        first = fields.row(0, named=True)
        _out.print(f"[bold]Datensatz {record[0]}[/]  ← {first['source_file']}:{first['source_row']}",
                   highlight=False)
        for row in fields.iter_rows(named=True):
            origin = f"{row['source_column']} = {row['source_value']!r}" if row["source_column"] \
                else "(abgeleitet)"
            notes = (f"  [yellow]{row['severity']}: {', '.join(row['rules'])}[/]"
                     if row.get("rules") else "")
            _out.print(f"    {row['field']:<22} {row['value']!s:<32} ← {origin}{notes}",
                       highlight=False)
    raise typer.Exit(run.exit_code)


@app.command()
def transfer(
    kind: Annotated[Kind, typer.Argument()],
    files: Files,
    client: ClientOption = None,
    month: Annotated[str | None, typer.Option("--month", help="Buchungsmonat JJJJ-MM.")] = None,
    document_kind: Annotated[str | None, typer.Option("--document-kind", help="Beleg-Art, z. B. Rechnungseingang.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage übertragen.")] = False,
    to: Annotated[str | None, typer.Option("--to", help="xml oder extf (Vorgabe je Quellart).")] = None,
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
) -> None:
    """Daten an DATEV übertragen, je Mandant, Buchungsmonat und Beleg-Art (fragt vorher nach)."""
    from workbench.config import load_settings
    from workbench.pipeline import map_run, transfer_run
    from workbench.transfer.connection import connect

    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, "polars", None, connection, to)
            if kind is Kind.calls:
                _transfer_calls(run, connection, yes=yes)
                raise typer.Exit(run.exit_code)
            mapped = map_run(run, to=to, pos_mapping=pos_mapping)
            _print_frame(mapped.counts(), title="Zeilen: abgebildet, gesperrt, übersprungen")
            if not yes and not typer.confirm(
                    f"{mapped.records.height} DATEV-Datensätze für {client} übertragen?",
                    default=False, err=True):
                _err.print("Abgebrochen: nichts übertragen.")
                raise typer.Exit(3)
            out_dir = load_settings().home / "packages"
            transfers = transfer_run(run, connection, out_dir=out_dir, month=month,
                                     document_kind=document_kind, to=to)
            rows = [describe_transfer(connection.ledger, item) for item in transfers]
    except WorkbenchError as error:
        raise _fail(error) from error
    if not rows:
        _out.print("Nichts zu übertragen: alle Positionen sind bereits übertragen oder gesperrt.")
    else:
        _print_frame(pl.DataFrame(rows).drop("job_ids"), title="Übertragungen")
        _out.print("Bitte prüfen Sie den Status mit 'workbench status --refresh'.")
    failed = any(row["local_status"] == "Fehlgeschlagen" for row in rows)
    raise typer.Exit(2 if failed or run.exit_code == 2 else 0)


def _transfer_calls(run: object, connection: object, *, yes: bool) -> None:
    """Billed call time as expense postings on the Mandanten's orders (DATEVconnect)."""
    from workbench.calls import plan_expense_postings, transfer_expense_postings

    _print_frame(run.billing.summary(), title="Abrechnung je Mandant und Monat")
    plan = plan_expense_postings(run.billing, run.directory)
    if not yes and not _confirm(f"{plan.postings.height} Auslagen in DATEV buchen?"):
        _err.print("Abgebrochen: nichts übertragen.")
        raise typer.Exit(3)
    posted = transfer_expense_postings(plan, connection.datev, ledger=connection.ledger)
    _print_frame(posted.group_by("status").len().sort("status"), title="Auslagen")


def describe_transfer(ledger: object, transfer: object) -> dict:
    from workbench.transfer.jobs import describe

    return describe(ledger, transfer)  # type: ignore[arg-type]


@app.command()
def status(
    transfer_id: Annotated[str | None, typer.Argument(help="Übertragung (ID); ohne: alle.")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Status bei DATEV abrufen.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Abgerufenen Status ohne Rückfrage speichern.")] = False,
    protocol: Annotated[bool, typer.Option("--protocol", help="DATEV-Protokoll zeigen (max. 1000 Zeilen).")] = False,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Übertragungen mit lokalem und DATEV-Status auflisten, Status aktualisieren, Protokoll zeigen."""
    from workbench.transfer.backmap import backmap_findings
    from workbench.transfer.jobs import refresh_status
    from workbench.transfer.connection import connect

    try:
        with connect() as connection:
            ledger = connection.ledger
            transfers = [ledger.get(transfer_id)] if transfer_id else ledger.transfers()
            if refresh:
                for item in transfers:
                    if not item.job_id:
                        continue
                    shown = refresh_status(ledger, connection.datev, item.id, confirm=False)
                    note = " (bei DATEV bereits gelöscht)" if shown.gone else ""
                    _err.print(f"{item.id}: DATEV-Status {shown.datev_status}{note}",
                               highlight=False)
                    # Seed 004: the status is only stored once the user confirms it.
                    if not shown.gone and (yes or _confirm("Status übernehmen?")):
                        refresh_status(ledger, connection.datev, item.id, confirm=True)
                transfers = [ledger.get(item.id) for item in transfers]
            rows = [describe_transfer(ledger, item) for item in transfers]
            protocols = {item.id: item.protocol or [] for item in transfers} if protocol else {}
            backmapped = ({item.id: backmap_findings(ledger, item.id) for item in transfers}
                          if protocol else {})
    except WorkbenchError as error:
        raise _fail(error) from error
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        if rows:
            _print_frame(pl.DataFrame(rows).with_columns(pl.col("job_ids").list.join(", ")),
                         title="Übertragungen", limit=200)
        else:
            _out.print("Noch keine Übertragungen.")
        for identifier, entries in protocols.items():
            if entries:
                _print_frame(pl.DataFrame(entries[:1000]), title=f"Protokoll {identifier}",
                             limit=1000)
            if backmapped[identifier].height:
                _print_frame(backmapped[identifier].select("source", "row", "item_id", "message"),
                             title=f"Betroffene Quellzeilen {identifier}", limit=200)
    failed = any(row["local_status"] == "Fehlgeschlagen"
                 or row["datev_status"] in ("Abgebrochen", "Zu Prüfen", "Storniert mit Fehler")
                 for row in rows)
    raise typer.Exit(2 if failed else 0)


def _ledger_action(action: str, transfer_id: str, yes: bool, question: str) -> None:
    from workbench.transfer import jobs
    from workbench.transfer.connection import connect

    try:
        with connect() as connection:
            transfer = connection.ledger.get(transfer_id)
            if not yes and not _confirm(f"{question} ({transfer.client}, {transfer.month}, "
                                        f"{transfer.document_kind})?"):
                _err.print("Abgebrochen.")
                raise typer.Exit(3)
            operation = {"resume": jobs.resume, "delete": jobs.delete_transfer,
                         "retransfer": jobs.retransfer}[action]
            result = operation(connection.ledger, connection.datev, transfer_id)
            row = describe_transfer(connection.ledger, result)
    except WorkbenchError as error:
        raise _fail(error) from error
    _print_frame(pl.DataFrame([row]).with_columns(pl.col("job_ids").list.join(", ")),
                 title="Übertragung")


TransferId = Annotated[str, typer.Argument(help="Übertragung (ID aus 'workbench status').")]
YesOption = Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage.")]


@app.command()
def resume(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine unterbrochene Übertragung fortsetzen (ohne doppelte Uploads)."""
    _ledger_action("resume", transfer_id, yes, "Übertragung fortsetzen")


@app.command()
def delete(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine noch offene oder von DATEV nicht verarbeitete Übertragung löschen."""
    _ledger_action("delete", transfer_id, yes, "Übertragung löschen")


@app.command()
def retransfer(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine fehlgeschlagene Übertragung neu übertragen."""
    _ledger_action("retransfer", transfer_id, yes, "Übertragung neu starten")


def _confirm(question: str) -> bool:
    try:
        return typer.confirm(question, default=False, err=True)
    except typer.Abort:
        return False


@app.command()
def login(
    offline: Annotated[bool, typer.Option("--offline", help="Langzeit-Zugang (offline_access, ca. 2 Jahre).")] = False,
) -> None:
    """Bei DATEV anmelden (OAuth2 mit PKCE im Browser); der Zugang wird verschlüsselt gespeichert."""
    from workbench.config import load_settings
    from workbench.transfer.connection import interactive_login

    try:
        interactive_login(load_settings(), offline=offline)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print("Angemeldet.")


def _parse_sources(specs: list[str]) -> list[dict]:
    """``KIND=PATH[,PATH…][:PROFILE]`` → report source dicts."""
    sources = []
    for spec in specs:
        kind, sep, rest = spec.partition("=")
        if not sep or kind not in {item.value for item in Kind}:
            raise WorkbenchError(f"Quelle '{spec}' hat nicht die Form ART=DATEI[,DATEI][:PROFIL] "
                                 f"(ART: calls, invoices, receipts, pos).")
        files, _, profile = rest.partition(":")
        sources.append({"kind": kind, "files": files.split(","), "profile": profile or "auto"})
    return sources


@app.command()
def report(
    client: Annotated[list[str], typer.Option("--client", help="Mandant; mehrfach für mehrere Mandanten (mit Übersicht).")],
    period: Annotated[str, typer.Option("--period", help="Monat JJJJ-MM.")],
    out: Annotated[Path | None, typer.Option("--out", help="HTML-Datei (ein Mandant) oder Ordner (mehrere).")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="ART=DATEI[,DATEI][:PROFIL]; ohne: aus den Einstellungen des Mandanten.")] = None,
    transfer: Annotated[bool, typer.Option("--transfer/--no-transfer", help="Geprüfte Daten des Monats auch übertragen.")] = False,
    engine: Annotated[str, typer.Option(help="polars oder gx.")] = "polars",
    pos_mapping: PosMappingOption = None,
) -> None:
    """Monatsbericht je Mandant als HTML (papermill, Code ausgeblendet); Exit-Code nach Befunden."""
    from workbench.config import load_settings
    from workbench.reports import run_report, run_reports

    try:
        settings = load_settings()
        given = _parse_sources(source or [])
        sources = {}
        for each in client:
            configured = settings.clients.get(each, {}).get("sources", [])
            sources[each] = given or configured
            if not sources[each]:
                raise WorkbenchError(f"Für den Mandanten {each} sind keine Quellen angegeben: "
                                     f"--source ART=DATEI oder [clients.\"{each}\"] sources in den "
                                     f"Einstellungen.")
        options = {"transfer": transfer, "engine": engine,
                   "pos_mapping": str(pos_mapping) if pos_mapping else None, "base": Path.cwd()}
        if len(client) == 1:
            target = out or Path(f"bericht_{client[0]}_{period}.html")
            results = [run_report(client=client[0], period=period, sources=sources[client[0]],
                                  out=target, **options)]
            _out.print(f"Bericht: {target}")
        else:
            results, overview = run_reports(clients=client, period=period, sources=sources,
                                            out_dir=out or Path(f"berichte_{period}"), **options)
            _out.print(f"Übersicht: {overview}")
    except WorkbenchError as error:
        raise _fail(error) from error
    for result in results:
        _out.print(f"{result.client}: {result.details['errors']} Fehler, "
                   f"{result.details['warnings']} Warnungen, {result.details['transfers']} "
                   f"Übertragungen → {result.html}")
    raise typer.Exit(max(result.exit_code for result in results))


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
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        if debug:
            raise
        _err.print(f"[bold red]Fehler:[/] {error}" if isinstance(error, WorkbenchError) else
                   f"[bold red]Unerwarteter Fehler:[/] {type(error).__name__}: {error} "
                   f"(Details mit 'workbench --debug …')", highlight=False)
        raise SystemExit(3) from None


if __name__ == "__main__":  # pragma: no cover
    run()
