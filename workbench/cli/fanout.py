"""``--all-clients``: one unit of work per Mandant for ``report``, ``check`` and
``schedule run-due``, on a process pool (``--workers``) or a Dask cluster (``--cluster``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from workbench.cli._app import _err, _out, _print_frame
from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.operations import UnitResult

__all__ = ["AllClientsOption", "ClusterOption", "TestOption", "WorkersOption", "fan_out"]

AllClientsOption = Annotated[
    bool,
    typer.Option(
        "--all-clients",
        help="Jeder Mandant mit Quellen in den Einstellungen, je Mandant eine Arbeitseinheit.",
    ),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Prozesse für --all-clients (Vorgabe: Kerne).")
]
ClusterOption = Annotated[
    str | None,
    typer.Option("--cluster", help="Dask-Scheduler für --all-clients, z. B. tcp://host:8786."),
]
TestOption = Annotated[
    bool,
    typer.Option(
        "--test", help="Testdatei: nichts übertragen, Dateien in den Testordner, als Test markiert."
    ),
]


def _clients(action: str, settings: Any) -> list[str]:
    if action == "run-due":
        from workbench.operations import ScheduleStore

        with ScheduleStore(settings.ledger_path) as store:
            return sorted({schedule.client for schedule in store.schedules()})
    clients = settings.clients_with_sources
    if not clients:
        raise ConfigError(
            "In den Einstellungen hat kein Mandant Quellen: tragen Sie sie als "
            '[clients."455148-1"] sources = [{kind = "receipts", files = ["belege/*.csv"]}] ein.'
        )
    return clients


def _progress(total: int, label: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=_err,
        disable=not _err.is_terminal,
        transient=True,
    )


def fan_out(
    action: str,
    *,
    period: str | None,
    workers: int | None = None,
    cluster: str | None = None,
    out: Path | None = None,
    options: dict[str, Any] | None = None,
    on_result: Callable[[UnitResult], None] | None = None,
) -> int:
    """Run ``action`` for every Mandant, print one line per Mandant, and return the exit code
    (the worst of all Mandanten; 3 if one of them failed). ``on_result`` also sees each
    Mandant's result as it arrives."""
    import polars as pl

    from workbench.config import load_settings
    from workbench.operations import Unit, run_units
    from workbench.operations.fanout import base_folder, shared_sandbox, unit_environment

    settings = load_settings()
    clients = _clients(action, settings)
    if not clients:
        _out.print("Keine Mandanten mit Zeitplänen.")
        return 0
    folder = out or Path(f"{'berichte' if action == 'report' else 'befunde'}_{period or 'alle'}")
    unit_options = {
        **(options or {}),
        "base": base_folder(None),
        "out_dir": str(folder.resolve()) if action != "run-due" else None,
    }
    with shared_sandbox(settings) as url:
        environment = unit_environment(settings, sandbox_url=url)
        units = [
            Unit(
                action=action,
                client=client,
                period=period,
                sources=tuple(settings.client_sources(client)),
                options=unit_options,
                environment=environment,
            )
            for client in clients
        ]
        with _progress(len(units), f"{action} je Mandant") as progress:
            task = progress.add_task(action, total=len(units))

            def arrived(result: UnitResult) -> None:
                progress.advance(task)
                if on_result:
                    on_result(result)

            results = run_units(units, workers=workers, cluster=cluster, on_result=arrived)
    if action == "report":
        from workbench.reports.runner import ReportResult, write_overview

        reports = [
            ReportResult(r.client, Path(r.html), r.exit_code, r.details)
            for r in results
            if not r.failed and r.html
        ]
        failures = [(r.client, r.error or "") for r in results if r.failed]
        overview = write_overview(reports, out_dir=folder, period=period or "", failures=failures)
        _out.print(f"Übersicht: {overview}")
    _print_frame(
        pl.DataFrame(
            [
                {
                    "Mandant": r.client,
                    "Status": "fehlgeschlagen" if r.failed else "fertig",
                    "Fehler": r.details.get("errors", r.details.get("failed", "")),
                    "Warnungen": r.details.get("warnings", ""),
                    "Übertragungen": r.details.get("transfers", ""),
                    "Ergebnis": r.error or r.html or "; ".join(r.details.get("problems", [])),
                }
                for r in results
            ]
        ),
        title=f"{len(results)} Mandanten",
        limit=10_000,
    )
    for result in results:
        if result.failed:
            _err.print(f"{result.client}: {result.error}", highlight=False, markup=False)
    return max(result.exit_code for result in results)
