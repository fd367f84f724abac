"""``workbench schedule …``: unattended runs with a test file before go-live (seed 003)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._app import (
    OutputFormat,
    PosMappingOption,
    ProfileOption,
    _client_id,
    _err,
    _fail,
    _month,
    _out,
    _print_frame,
    app,
)
from workbench.cli._help import command_group
from workbench.errors import WorkbenchError
from workbench.kinds import kind_spec

if TYPE_CHECKING:
    from workbench.operations import PeriodOutcome

schedule_app = command_group(
    help="Zeitpläne: Dateien täglich, wöchentlich oder monatlich nach dem Tagesabschluss, erst "
    "als Testdatei, nach 'go-live' an DATEV; 'run-due' für cron oder einen systemd-Timer.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")

#: ``--every`` as a person reads it.
EVERY_WORDS = {"daily": "täglich", "weekly": "wöchentlich", "monthly": "monatlich"}
STATUS_WORDS = {
    "done": "erledigt",
    "failed": "fehlgeschlagen",
    "skipped": "übersprungen",
    "waiting": "wartet",
}


@schedule_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name des Zeitplans, z. B. kasse-taeglich.")],
    client: Annotated[
        str, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.", callback=_client_id)
    ],
    kind: Annotated[str, typer.Option("--kind", help="calls, invoices, receipts oder pos.")],
    source: Annotated[
        list[str],
        typer.Option("--source", help="Datei oder Muster (z. B. 'kasse/*.csv'); mehrfach."),
    ],
    every: Annotated[
        str | None,
        typer.Option("--every", help="daily, weekly oder monthly (Kasse: aus der Zuordnung)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Tagesabschluss HH:MM (Kasse: aus der Zuordnung, sonst 00:00)."),
    ] = None,
    deliver: Annotated[
        str, typer.Option("--deliver", help="transfer (an DATEV), files oder email.")
    ] = "transfer",
    first: Annotated[
        str | None,
        typer.Option(
            "--from", help="Erster Monat JJJJ-MM (Vorgabe: der laufende Zeitraum).", callback=_month
        ),
    ] = None,
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
    mail_to: Annotated[
        str | None, typer.Option("--mail-to", help="Empfänger für --deliver email.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Ordner für Dateien und Testdateien.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="xml oder extf (Vorgabe je Art).")] = None,
) -> None:
    """Einen Zeitplan anlegen; er beginnt im Testmodus (Testdateien, nichts an DATEV)."""
    from workbench.config import load_settings
    from workbench.operations import ScheduleStore, new_schedule

    try:
        schedule = new_schedule(
            name=name,
            client=client,
            kind=kind,
            sources=source,
            every=every,
            at=at,
            deliver=deliver,
            first_month=first,
            profile=profile,
            pos_mapping=pos_mapping,
            mail_to=mail_to,
            out=out,
            target=to,
        )
        with ScheduleStore(load_settings().ledger_path) as store:
            store.add(schedule)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(
        f"Zeitplan {schedule.name} angelegt: {kind_spec(schedule.kind).label} für "
        f"{schedule.client}, {EVERY_WORDS.get(schedule.every, schedule.every)} um "
        f"{schedule.at:%H:%M}, ab {schedule.first:%d.%m.%Y}, im Testmodus. "
        f"Prüfen Sie die Testdateien, dann 'workbench schedule go-live {schedule.name}'.",
        highlight=False,
    )


@schedule_app.command("list")
def list_(
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Zeitpläne mit Modus und letztem Lauf."""
    import polars as pl

    from workbench.config import load_settings
    from workbench.operations import ScheduleStore

    try:
        with ScheduleStore(load_settings().ledger_path) as store:
            rows = []
            for schedule in store.schedules():
                row = schedule.describe()
                runs = store.runs(schedule.id)
                row["last_run"] = (
                    {
                        "period": runs[-1].period,
                        "status": runs[-1].status,
                        "finished_at": runs[-1].finished_at,
                    }
                    if runs
                    else None
                )
                rows.append(row)
    except WorkbenchError as error:
        raise _fail(error) from error
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        _out.print("Noch keine Zeitpläne ('workbench schedule add').")
        return
    _print_frame(
        pl.DataFrame(
            [
                {
                    "Name": row["name"],
                    "Mandant": row["client"],
                    "Art": kind_spec(row["kind"]).label,
                    "Rhythmus": f"{EVERY_WORDS.get(row['every'], row['every'])} {row['at']}",
                    "Lieferung": row["deliver"],
                    "Modus": "live" if row["mode"] == "live" else "Test",
                    "Letzter Lauf": (
                        f"{row['last_run']['period']} "
                        f"{STATUS_WORDS.get(row['last_run']['status'], row['last_run']['status'])}"
                        if row["last_run"]
                        else "–"
                    ),
                }
                for row in rows
            ]
        ),
        title="Zeitpläne",
    )


@schedule_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="Name des Zeitplans.")]) -> None:
    """Einen Zeitplan entfernen (seine Läufe bleiben im Protokoll)."""
    from workbench.config import load_settings
    from workbench.operations import ScheduleStore

    try:
        with ScheduleStore(load_settings().ledger_path) as store:
            store.remove(name)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"Zeitplan {name} entfernt.")


@schedule_app.command("go-live")
def go_live(name: Annotated[str, typer.Argument(help="Name des Zeitplans.")]) -> None:
    """Vom Testmodus auf Übertragen umschalten, ab dem laufenden Zeitraum."""
    from workbench.operations import go_live as switch
    from workbench.operations.schedules import first_live_period

    try:
        schedule = switch(name)
    except WorkbenchError as error:
        raise _fail(error) from error
    period = first_live_period(schedule)
    _out.print(
        f"Zeitplan {name} ist live: ab {period.label if period else '–'} wird "
        f"{'an DATEV übertragen' if schedule.deliver == 'transfer' else 'geliefert'}. "
        f"Frühere Zeiträume holt 'workbench backfill' nach.",
        highlight=False,
    )


def print_outcomes(outcomes: list[PeriodOutcome], title: str) -> None:
    """One line per period run: status, counts, what was sent (shared with backfill)."""
    import polars as pl

    from workbench.pipeline.left_out import LEFT_OUT_SCHEMA

    if not outcomes:
        return
    _print_frame(
        pl.DataFrame(
            [
                {
                    "Job": outcome.job,
                    "Mandant": outcome.client,
                    "Zeitraum": outcome.period.label,
                    "Modus": "live" if outcome.mode == "live" else "Test",
                    "Status": STATUS_WORDS.get(outcome.status, outcome.status),
                    "Zeilen": outcome.rows,
                    "Datensätze": outcome.records,
                    "Fehler": outcome.errors,
                    "Übertragungen": len(outcome.transfers),
                    "Hinweis": outcome.error
                    or (outcome.mailed_to and f"an {outcome.mailed_to}")
                    or "",
                }
                for outcome in outcomes
            ]
        ),
        title=title,
        limit=500,
    )
    for outcome in outcomes:
        if outcome.left_out:
            rows = pl.DataFrame(list(outcome.left_out), schema=LEFT_OUT_SCHEMA)
            _print_frame(
                rows.with_columns(pl.col("rules").list.join(", ")),
                title=f"Nicht übernommen – {outcome.period.label} ({rows.height})",
                limit=100,
            )


def outcomes_exit_code(outcomes: list[PeriodOutcome]) -> int:
    """The worst period's code (2 failed or errors, 1 warnings, 0 clean), as ``transfer``."""
    return max((outcome.exit_code for outcome in outcomes), default=0)


@schedule_app.command("run-due")
def run_due(
    all_clients: Annotated[
        bool,
        typer.Option("--all-clients", help="Je Mandant eine Arbeitseinheit (Prozesse/Cluster)."),
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Prozesse für --all-clients.")
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Dask-Scheduler, z. B. tcp://scheduler:8786."),
    ] = None,
) -> None:
    """Alle fälligen, noch nicht erledigten Zeiträume ausführen, älteste zuerst (für cron)."""
    from workbench.operations import run_due as run

    if all_clients or cluster or workers:
        from workbench.cli.fanout import fan_out

        raise typer.Exit(fan_out("run-due", period=None, workers=workers, cluster=cluster))
    try:
        due = run()
    except WorkbenchError as error:
        raise _fail(error) from error
    for name in due.busy:
        _err.print(f"Zeitplan {name} läuft bereits in einem anderen Prozess; übersprungen.")
    if not due.outcomes:
        _out.print("Nichts fällig.")
    print_outcomes(due.outcomes, "Läufe")
    raise typer.Exit(2 if due.failed else outcomes_exit_code(due.outcomes))


@schedule_app.command("serve")
def serve() -> None:
    """Dauerhaft laufen und jeden Zeitplan zu seinem Tagesabschluss ausführen (APScheduler)."""
    from workbench.operations.serve import serve as run_forever

    try:
        run_forever(on_run=lambda due: print_outcomes(due.outcomes, "Läufe"))
    except WorkbenchError as error:
        raise _fail(error) from error
