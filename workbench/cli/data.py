"""Commands on source data: load, check, map, preview."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from workbench.cli._app import (
    ClientOption,
    Files,
    KindArgument,
    OutputFormat,
    PosMappingOption,
    ProfileOption,
    _fail,
    _out,
    _period,
    _print_frame,
    app,
)
from workbench.cli.fanout import AllClientsOption, ClusterOption, TestOption, WorkersOption
from workbench.cli.findings_list import print_findings
from workbench.cli.sent_before import print_sent_before, sent_before_of
from workbench.errors import UsageError, WorkbenchError
from workbench.kinds import SourceKind

if TYPE_CHECKING:
    import polars as pl

    from workbench.pipeline import CheckedRun, MappedRun
    from workbench.pipeline.connection import Connection


@app.command()
def load(
    kind: KindArgument,
    files: Files,
    profile: Annotated[
        str,
        typer.Option(
            "--profile", "-p", help="Spaltenprofil (Name, .toml oder 'auto': an der Datei erkannt)."
        ),
    ] = "auto",
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Ausgabe als Tabelle oder JSON.")
    ] = OutputFormat.table,
) -> None:
    """Quelldateien laden und zusammenfassen: Zeilen, Spalten, Kodierung, Zeilenprobleme."""
    from workbench.pipeline import load_run

    try:
        loaded = load_run(kind, files, profile=profile)
        result, chosen = loaded.result, loaded.profile
    except WorkbenchError as error:
        raise _fail(error) from error
    summary = result.summary()
    if output is OutputFormat.json:
        payload = {
            "kind": kind.value,
            "profile": chosen,
            "rows": result.frame.height,
            "columns": result.frame.columns,
            "files": summary.to_dicts(),
            "positions": result.positions.height if result.positions is not None else None,
            "findings": result.findings.to_dicts(),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _print_frame(
            summary.select(
                "file",
                "kind",
                "sheet",
                "variant",
                "encoding",
                "rows",
                "row_problems",
                "unmapped_columns",
            ),
            title=f"{kind.value}: {result.frame.height} Zeilen geladen (Profil {chosen})",
        )
        if result.positions is not None:
            _out.print(f"Positionen: {result.positions.height} Zeilen")
        if result.findings.height:
            _print_frame(
                result.findings.select(
                    "source", "sheet", "row", "column", "source_column", "value", "message"
                ),
                title=f"Zeilenprobleme ({result.findings.height})",
                limit=30,
            )
        else:
            _out.print("Keine Zeilenprobleme.")
    raise typer.Exit(2 if result.findings.height else 0)


EmployeeOption = Annotated[
    str | None,
    typer.Option(
        "--employee",
        help="Anruflisten: DATEV-Mitarbeiter (ID oder Nummer) für Gespräche, deren Nebenstelle "
        "keinem Mitarbeiter gehört.",
    ),
]
OptionalKindArgument = Annotated[
    SourceKind | None,
    typer.Argument(help="Quellart (ohne: --all-clients nimmt die Quellen der Einstellungen)."),
]
OptionalFiles = Annotated[
    list[Path] | None, typer.Argument(help="Quelldateien (CSV, XLSX oder JSON).")
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="Buchungsmonat oder Zeitraum (2026-01, 01/2026, Januar 2026, 2026-01..2026-03): "
        "wählt die Zeilen aus; Zeilen anderer Monate werden gezählt, nicht geprüft.",
        callback=_period,
    ),
]


TargetOption = Annotated[
    str | None,
    typer.Option("--to", help="extf, xml oder expense-postings (Vorgabe je Quellart)."),
]


def _checked_run(
    kind: SourceKind,
    files: list[Path],
    client: str | None,
    profile: str,
    engine: str,
    period: str | None,
    connection: Connection,
    target: str | None = None,
) -> CheckedRun:
    """Load and check: the first two stages every command runs (progress on a terminal)."""
    from workbench.cli.progress import progress_for
    from workbench.german import parse_period
    from workbench.pipeline import check_run, load_run

    selected = parse_period(period)  # a wrong period fails before anything is loaded
    with progress_for("Prüfen") as report:
        report(0, 1, f"{len(files)} Datei(en) laden")
        # passed on, not kept: check_run joins the reader's chunks into one copy, and the
        # chunked frame is freed then only if nothing here still holds it (1M rows: ~220 MB)
        return check_run(
            load_run(kind, files, profile=profile),
            client=client,
            connection=connection,
            engine=engine,
            period=selected,
            target=target,
            progress=report,
        )


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


@app.command()
def check(
    kind: OptionalKindArgument = None,
    files: OptionalFiles = None,
    client: ClientOption = None,
    output: Annotated[
        CheckFormat,
        typer.Option("--format", help="Tabelle, JSON oder xlsx (Excel-Prüfbericht, mit --out)."),
    ] = CheckFormat.table,
    out: Annotated[
        Path | None, typer.Option("--out", help="Datei für den Excel-Prüfbericht (.xlsx).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="polars (schnell) oder gx (Great Expectations).")
    ] = "polars",
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
    period: PeriodOption = None,
    all_clients: AllClientsOption = False,
    workers: WorkersOption = None,
    cluster: ClusterOption = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Mandanteneinstellungen neu von DATEV abrufen (sonst gilt der "
            "Zwischenspeicher bis 24 Stunden nach dem letzten Abruf).",
        ),
    ] = False,
) -> None:
    """Prüfungen ausführen und Befunde ausgeben (Exit-Code 0 sauber, 1 Warnungen, 2 Fehler)."""
    from workbench.checks import findings_json
    from workbench.pipeline.connection import SETTINGS_MAX_AGE, connect

    if all_clients:
        _check_all_clients(
            period, engine=engine, workers=workers, cluster=cluster, pos_mapping=pos_mapping
        )
    if kind is None or not files:
        raise _fail(
            WorkbenchError("Geben Sie die Quellart und Dateien an oder --all-clients --period.")
        )
    try:
        # DATEV is opened only when the settings are not cached (or --refresh): a repeated
        # check starts no sandbox
        max_age = None if refresh else SETTINGS_MAX_AGE
        with connect(settings_max_age=max_age, lazy=True) as connection:
            run = _checked_run(kind, files, client, profile, engine, period, connection)
            if pos_mapping is not None and kind is SourceKind.POS:
                from workbench.pipeline.map import with_mapping_findings

                run = with_mapping_findings(run, pos_mapping=pos_mapping)
            origin = connection.settings_origin(run.client) if run.client else None
            sent = sent_before_of(run.loaded.frame, connection, run.client)
        if output is CheckFormat.xlsx:
            from workbench.checks.excel_report import write_check_report  # openpyxl: ~0.2 s

            written = write_check_report(
                out or Path(f"Pruefbericht_{client or kind.value}.xlsx"),
                findings=run.findings,
                loaded=run.loaded.result,
                files=run.files,
                client=client,
                period=run.period,
                other_months=run.other_months,
            )
    except WorkbenchError as error:
        raise _fail(error) from error
    except OSError as error:
        raise _fail(
            WorkbenchError(
                f"Der Prüfbericht {out} kann nicht geschrieben werden: {error.strerror}."
            )
        ) from error
    used = f"{origin.describe()}." if origin is not None else None
    if kind is SourceKind.POS and pos_mapping is None:
        from workbench.pipeline.map import UNCHECKED_BALANCE

        used = f"{used}\n{UNCHECKED_BALANCE}" if used else UNCHECKED_BALANCE
    if output is CheckFormat.xlsx:
        _out.print(f"{kind.value}: {checked_summary(run)}")
        if used:
            _out.print(used, highlight=False)
        _out.print(f"Prüfbericht: {written}")
        print_sent_before(sent)
    elif output is CheckFormat.json:
        if used:  # stdout is the findings' JSON
            sys.stderr.write(used + "\n")
        sys.stdout.write(
            json.dumps(findings_json(run.findings), ensure_ascii=False, indent=1, default=str)
            + "\n"
        )
        print_sent_before(sent, to_stderr=True)
    else:
        _out.print(f"{kind.value}: {checked_summary(run)}")
        if used:
            _out.print(used, highlight=False)
        print_findings(run.findings)
        print_sent_before(sent)
    raise typer.Exit(run.exit_code)


def _check_all_clients(
    period: str | None,
    *,
    engine: str,
    workers: int | None,
    cluster: str | None,
    pos_mapping: Path | None,
) -> None:
    """``check --all-clients``: each Mandant's configured sources, one unit per Mandant; the
    findings go to ``befunde_<period>/befunde_<client>_<period>.json``. POS revenue is checked
    with ``pos_mapping`` (else its Mandant's line says the Zwischenkonto was not checked)."""
    from workbench.cli.fanout import fan_out

    options = {"engine": engine}
    if pos_mapping is not None:
        options["pos_mapping"] = str(pos_mapping.resolve())
    try:
        code = fan_out("check", period=period, workers=workers, cluster=cluster, options=options)
    except WorkbenchError as error:
        raise _fail(error) from error
    raise typer.Exit(code)


def checked_summary(run) -> str:
    """``99 Zeilen geprüft (Profil juston); 201 Zeilen anderer Monate nicht geprüft (…).``"""
    from workbench.german import format_count, format_period

    text = f"{format_count(run.loaded.frame.height)} Zeilen geprüft (Profil {run.profile})"
    other = sum(run.other_months.values())
    if other:
        text += (
            f"; {format_count(other)} Zeilen anderer Monate nicht geprüft "
            f"(Zeitraum {format_period(run.period)})"
        )
    return text + "."


@app.command(name="map")
def map_(
    kind: KindArgument,
    files: Files,
    client: ClientOption = None,
    to: TargetOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Zielordner (Vorgabe: out, mit --test der Testordner)."),
    ] = None,
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
    employee: EmployeeOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Tabelle oder JSON.")
    ] = OutputFormat.table,
    test: TestOption = False,
) -> None:
    """DATEV-Dateien schreiben: EXTF_*.csv, XML-Pakete mit document.xml oder Expense Postings."""
    from workbench.pipeline import map_run, package_run
    from workbench.pipeline.connection import connect
    from workbench.pipeline.testfile import as_test, folder_of_test_files, write_note

    if not test:
        out = out or Path("out")
    if out is not None and out.exists() and not out.is_dir():
        raise _fail(
            UsageError(
                f"--out {out} ist eine Datei, kein Ordner. Geben Sie einen (neuen oder leeren) "
                f"Ordner an, in den die DATEV-Dateien geschrieben werden."
            )
        )
    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, "polars", None, connection, to)
            mapped = map_run(run, pos_mapping=pos_mapping, employee=employee)
            if test:
                mapped = as_test(mapped)
                out = folder_of_test_files(connection.settings, f"map_{client or kind.value}", out)
                write_note(out, next_step="workbench map … ohne --test")
            packaged = package_run(mapped, out_dir=out or Path("out"))
            sent = _mapped_sent_before(mapped, connection)
    except WorkbenchError as error:
        raise _fail(error) from error
    except OSError as error:
        raise _fail(
            WorkbenchError(
                f"In den Zielordner {out} kann nicht geschrieben werden: "
                f"{error.strerror or error}. Wählen Sie mit --out einen anderen Ordner."
            )
        ) from error
    report_left_out(mapped, list(packaged.written), output=output)
    print_sent_before(sent, to_stderr=output is OutputFormat.json)
    raise typer.Exit(mapped.exit_code)  # the findings decide, the calls not postable included


def _mapped_sent_before(mapped: MappedRun, connection: Connection) -> pl.DataFrame | None:
    """The written records that a transfer already carries (XML records: by Beleg-Art and
    month); ``map`` writes them all, ``transfer`` would not send them again."""
    from workbench.pipeline.map import records_with_lineage

    if mapped.mapping is None:
        return None
    return sent_before_of(records_with_lineage(mapped.mapping), connection, mapped.client)


def report_left_out(mapped: MappedRun, written: list[Path], *, output: OutputFormat) -> None:
    """What was written, the row counts, and every row left out with its reason (table or
    JSON); the findings behind them decide the exit code."""
    import polars as pl

    from workbench.checks import findings_json
    from workbench.pipeline.left_out import left_out

    rows = left_out(mapped)
    counts = mapped.mapping.counts() if mapped.mapping is not None else None
    if output is OutputFormat.json:
        payload = {
            "written": [str(path) for path in written],
            "counts": counts.to_dicts() if counts is not None else [],
            "left_out": rows.to_dicts(),
            "findings": findings_json(mapped.findings),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    if counts is not None:
        _print_frame(counts, title="Zeilen: abgebildet, gesperrt, übersprungen")
    for path in written:
        _out.print(f"geschrieben: {escape(str(path))}", highlight=False)
    if not written:
        _out.print(
            "Keine Datei geschrieben: keine Zeile ließ sich abbilden (alle gesperrt oder "
            "übersprungen, siehe die Gründe unten)."
        )
    if rows.height:
        _print_frame(
            rows.with_columns(pl.col("rules").list.join(", ")),
            title=f"Nicht übernommen ({rows.height})",
            limit=100,
        )
        print_findings(mapped.findings)


@app.command()
def preview(
    kind: KindArgument,
    files: Files,
    client: ClientOption = None,
    rows: Annotated[int, typer.Option("--rows", help="Datensätze je Seite.", min=1)] = 20,
    page: Annotated[int, typer.Option("--page", help="Seite (ab 1).", min=1)] = 1,
    to: TargetOption = None,
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
) -> None:
    """Quelle und abgebildete DATEV-Felder nebeneinander.

    Je Feld: Wert, Quellspalte, Zeile und Befunde.
    """
    from workbench.pipeline import map_run
    from workbench.pipeline.connection import connect
    from workbench.pipeline.map import mapping_of

    try:
        with connect() as connection:
            run = _checked_run(kind, files, client, profile, "polars", None, connection, to)
            mapped = mapping_of(map_run(run, pos_mapping=pos_mapping))
    except WorkbenchError as error:
        raise _fail(error) from error
    from workbench.cli.preview import print_preview

    print_preview(mapped, run, page=page - 1, size=rows)
    raise typer.Exit(run.exit_code)
