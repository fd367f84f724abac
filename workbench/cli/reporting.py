"""Commands around the main job: report, demo, sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from workbench.cli._app import PosMappingOption, _client_ids, _err, _fail, _month, _out, app
from workbench.cli.fanout import AllClientsOption, ClusterOption, TestOption, WorkersOption
from workbench.errors import WorkbenchError
from workbench.kinds import SourceKind

if TYPE_CHECKING:
    from workbench.reports import ReportOptions


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Adresse, an die der Server bindet.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP-Port.")] = 8765,
    seed: Annotated[
        Path | None, typer.Option(help="Seed-Datei (JSON) mit Mandanten und Stammdaten.")
    ] = None,
    state: Annotated[
        Path | None, typer.Option(help="Ordner, in dem Jobs und Dateien dauerhaft liegen.")
    ] = None,
    control: Annotated[
        bool,
        typer.Option(
            "--control/--no-control", help="Steuer-Endpunkte unter /_sandbox/ einschalten."
        ),
    ] = False,
    faults: Annotated[
        str | None, typer.Option(help="Fehler einspielen, z. B. 'latency=0.2,5xx=0.1,429=0.1'.")
    ] = None,
) -> None:
    """Den DATEV-Sandbox-Server starten (alle DATEV-APIs lokal)."""
    from workbench.sandbox.server import serve

    serve(host=host, port=port, seed=seed, state_dir=state, control=control, faults=faults)


def _parse_sources(specs: list[str]) -> list[dict]:
    """``KIND=PATH[,PATH…][:PROFILE]`` → report source dicts."""
    sources = []
    for spec in specs:
        kind, sep, rest = spec.partition("=")
        if not sep or kind not in {item.value for item in SourceKind}:
            raise WorkbenchError(
                f"Quelle '{spec}' hat nicht die Form ART=DATEI[,DATEI][:PROFIL] "
                f"(ART: {', '.join(item.value for item in SourceKind)})."
            )
        files, _, profile = rest.partition(":")
        sources.append({"kind": kind, "files": files.split(","), "profile": profile or "auto"})
    return sources


def _report_all_clients(
    period: str,
    out: Path | None,
    *,
    transfer: bool,
    engine: str,
    test: bool,
    pos_mapping: Path | None,
    workers: int | None,
    cluster: str | None,
) -> None:
    """``report --all-clients``: one report per Mandant with sources, and the overview."""
    from workbench.cli.fanout import fan_out

    options: dict = {"transfer": transfer, "engine": engine, "test": test}
    if pos_mapping:
        options["pos_mapping"] = str(pos_mapping.resolve())
    try:
        code = fan_out(
            "report", period=period, workers=workers, cluster=cluster, out=out, options=options
        )
    except WorkbenchError as error:
        raise _fail(error) from error
    raise typer.Exit(code)


@app.command()
def report(
    period: Annotated[
        str,
        typer.Option("--period", help="Monat: 2026-01, 01/2026 oder Januar 2026.", callback=_month),
    ],
    client: Annotated[
        list[str] | None,
        typer.Option(
            "--client",
            help="Mandant; mehrfach für mehrere Mandanten (mit Übersicht).",
            callback=_client_ids,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML-Datei (ein Mandant) oder Ordner (mehrere).")
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="ART=DATEI[,DATEI][:PROFIL]; ohne: aus den Einstellungen des Mandanten, "
            "sonst nur die DATEV-Seite des Monats (Übertragungen, Status, Protokolle).",
        ),
    ] = None,
    transfer: Annotated[
        bool,
        typer.Option("--transfer/--no-transfer", help="Geprüfte Daten des Monats auch übertragen."),
    ] = False,
    engine: Annotated[str, typer.Option(help="polars oder gx.")] = "polars",
    pos_mapping: PosMappingOption = None,
    all_clients: AllClientsOption = False,
    workers: WorkersOption = None,
    cluster: ClusterOption = None,
    test: TestOption = False,
) -> None:
    """Monatsbericht je Mandant als HTML (papermill, Code ausgeblendet); Exit-Code nach Befunden."""
    from workbench.config import load_settings
    from workbench.reports import run_report, run_reports

    if all_clients:
        _report_all_clients(
            period, out, transfer=transfer, engine=engine, test=test, pos_mapping=pos_mapping,
            workers=workers, cluster=cluster,
        )  # fmt: skip
    if not client:
        raise _fail(
            WorkbenchError("Geben Sie --client ID (mehrfach möglich) oder --all-clients an.")
        )
    try:
        settings = load_settings()
        given = _parse_sources(source or [])
        # No sources given or configured: the report shows the DATEV side of the month.
        sources = {
            each: given or settings.clients.get(each, {}).get("sources", []) for each in client
        }
        options: ReportOptions = {
            "transfer": transfer,
            "engine": engine,
            "pos_mapping": str(pos_mapping) if pos_mapping else None,
            "base": Path.cwd(),
            "test": test,
        }
        if len(client) == 1:
            target = out or Path(f"bericht_{client[0]}_{period}.html")
            results = [
                run_report(
                    client=client[0],
                    period=period,
                    sources=sources[client[0]],
                    out=target,
                    **options,
                )
            ]
            _out.print(f"Bericht: {target}")
        else:
            results, overview = run_reports(
                clients=client,
                period=period,
                sources=sources,
                out_dir=out or Path(f"berichte_{period}"),
                **options,
            )
            _out.print(f"Übersicht: {overview}")
    except WorkbenchError as error:
        raise _fail(error) from error
    for result in results:
        # sources the report could not read: named on stderr, as every other command does
        for problem in result.details.get("problems", []):
            _err.print(f"[bold red]Fehler:[/] {escape(f'{result.client}: {problem}')}")
        _out.print(
            f"{result.client}: {result.details['errors']} Fehler, "
            f"{result.details['warnings']} Warnungen, {result.details['transfers']} "
            f"Übertragungen, {result.details.get('open_items', 0)} offene Positionen "
            f"→ {result.html}"
        )
    raise typer.Exit(max(result.exit_code for result in results))
