"""``workbench demo`` (what ``make demo`` runs): the main job on the bundled sample data,
against the bundled DATEV sandbox.

1. load every sample file (the naming scheme ``<kind>_<profile>[_<detail>].<ext>`` says how);
2. start the sandbox (state in ``$WORKBENCH_HOME/sandbox``) and point every step at it;
3. for each demo client: check, map and transfer one month, poll DATEV's status and write the
   HTML report (papermill), plus an overview over the clients;
4. bill the call log and post the billed minutes to the Mandanten's orders.

The sample data carries seeded defects on purpose: the demo succeeds when every step ran, and
the report shows what DATEV would have rejected.
"""

from __future__ import annotations

import os
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from workbench.cli._app import _fail, _out, app
from workbench.errors import SourceError, WorkbenchError
from workbench.kinds import SourceKind
from workbench.resources import resource_path

__all__ = ["DEMO_CLIENTS", "group_samples", "run_demo"]

_SUFFIXES = {".csv", ".xlsx", ".json"}

#: Which sample files the demo reports on per client (see data/samples/README.md).
DEMO_CLIENTS = {
    "455148-1": [
        {"kind": "receipts", "files": ["receipts_juston_booking_detail.csv"], "profile": "juston"},
        {"kind": "receipts", "files": ["receipts_juston_expense.csv"], "profile": "juston"},
        {"kind": "receipts", "files": ["receipts_juston_kasse.csv"], "profile": "juston"},
        {"kind": "invoices", "files": ["invoices_crmplus.xlsx"], "profile": "crmplus"},
        {"kind": "pos", "files": ["pos_lightspeed.csv"], "profile": "lightspeed"},
    ],
    "455148-2": [
        {"kind": "receipts", "files": ["receipts_canonical.csv"], "profile": "canonical"},
        {
            "kind": "invoices",
            "files": ["invoices_canonical.csv", "invoices_canonical_positions.csv"],
            "profile": "canonical",
        },
    ],
}
DEMO_PERIOD = "2026-01"
TRANSFER_CLIENT = "455148-1"


def group_samples(folder: Path) -> dict[tuple[str, str], list[Path]]:
    """Sample files per (kind, profile), from their names."""
    from workbench.sources import available_profiles

    profiles = set(available_profiles())
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        parts = path.stem.split("_")
        if (
            path.suffix.lower() in _SUFFIXES
            and len(parts) >= 2
            and parts[0] in set(SourceKind)
            and parts[1] in profiles
        ):
            groups[(parts[0], parts[1])].append(path)
    return dict(groups)


@app.command()
def demo(
    samples: Annotated[
        Path | None,
        typer.Option(help="Ordner mit Beispieldaten (Standard: die mitgelieferten)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Ordner für Berichte.")] = Path("out/demo"),
) -> None:
    """Was `make demo` ausführt: Beispieldaten laden, prüfen, abbilden, übertragen, berichten."""
    try:
        code = run_demo(samples or resource_path("samples"), console=_out, out=out)
    except WorkbenchError as error:
        raise _fail(error) from error
    raise typer.Exit(code)


def run_demo(
    samples: Path, *, console: Console, out: Path = Path("out/demo"), transfer: bool = True
) -> int:
    """Run the demo; returns 0 when every step ran (findings in the samples are expected)."""
    if not samples.is_dir():
        raise SourceError(f"Der Ordner mit Beispieldaten {samples} fehlt.", file=str(samples))
    _show_loading(samples, console)
    from workbench.config import load_settings

    settings = load_settings()
    with _sandbox(settings, console):
        from workbench.reports import run_report, write_overview

        console.print(f"2. Prüfen, abbilden, übertragen ({DEMO_PERIOD}) und berichten …")
        results = []
        for client, specs in DEMO_CLIENTS.items():
            sources = [
                {**source, "files": [str(samples / name) for name in source["files"]]}
                for source in specs
            ]
            # The first client's month goes to DATEV; the others are checked and reported.
            results.append(
                run_report(
                    client=client,
                    period=DEMO_PERIOD,
                    sources=sources,
                    out=out / f"bericht_{client}_{DEMO_PERIOD}.html",
                    transfer=transfer and client == TRANSFER_CLIENT,
                    pos_mapping=str(samples / "pos_mapping.toml"),
                    base=Path.cwd(),
                )
            )
        overview = write_overview(results, out_dir=out, period=DEMO_PERIOD)
        table = Table(title=f"Berichte {DEMO_PERIOD}", header_style="bold")
        for name in ("Mandant", "Fehler", "Warnungen", "Übertragungen", "Bericht"):
            table.add_column(name)
        for result in results:
            table.add_row(
                result.client,
                str(result.details["errors"]),
                str(result.details["warnings"]),
                str(result.details["transfers"]),
                str(result.html),
            )
        console.print(table)
        _bill_calls(samples, console, transfer=transfer)
    console.print(f"Fertig. Übersicht: {overview}")
    return 0


@contextmanager
def _sandbox(settings, console: Console):
    """One sandbox for every step of the demo, the report kernels included."""
    if settings.mode != "sandbox" or settings.sandbox_url:
        yield
        return
    from workbench.sandbox import start_sandbox

    with start_sandbox(state_dir=settings.home / "sandbox") as sandbox:
        console.print(
            f"DATEV-Sandbox läuft auf {sandbox.url} (Zustand in {settings.home / 'sandbox'})."
        )
        os.environ["WORKBENCH_SANDBOX_URL"] = sandbox.url
        try:
            yield
        finally:
            del os.environ["WORKBENCH_SANDBOX_URL"]


def _bill_calls(samples: Path, console: Console, *, transfer: bool) -> None:
    import polars as pl

    from workbench.pipeline import check_run, load_run, map_run, package_run, send_run
    from workbench.pipeline.connection import connect

    console.print("3. Anrufliste abrechnen und Auslagen in DATEV buchen …")
    with connect() as connection:
        loaded = load_run(SourceKind.CALLS, [samples / "calls_starface.csv"])
        checked = check_run(loaded, client=None, connection=connection)
        packaged = package_run(map_run(checked), out_dir=connection.settings.home / "packages")
        posted = send_run(packaged, connection).postings if transfer else None
    billing = checked.billing
    summary = billing.summary() if billing is not None else pl.DataFrame()
    billed = billing.billed.height if billing is not None else 0
    console.print(
        f"{loaded.frame.height} Anrufe, davon {billed} abgerechnet; "
        f"{summary.height} Zeilen Abrechnung je Mandant und Monat."
    )
    if posted is not None:
        counts = dict(posted["status"].value_counts().iter_rows())
        console.print(
            f"Auslagen gebucht: {counts.get('posted', 0)}, fehlgeschlagen: "
            f"{counts.get('failed', 0)}, übersprungen: {counts.get('skipped', 0)}."
        )


def _show_loading(samples: Path, console: Console) -> None:
    import polars as pl

    groups = group_samples(samples)
    if not groups:
        raise SourceError(
            f"Im Ordner {samples} liegen keine Beispieldateien (<art>_<profil>_….csv/.xlsx/.json).",
            file=str(samples),
        )
    table = Table(title="1. Laden: Beispieldaten", header_style="bold")
    for name in ("Art", "Profil", "Dateien", "Zeilen", "Kodierung", "Zeilenprobleme"):
        table.add_column(name)
    from workbench.pipeline import load_run

    for (kind, profile), files in sorted(groups.items()):
        result = load_run(kind, files, profile=profile).result
        summary = result.summary()
        encodings = ", ".join(sorted({str(value) for value in summary["encoding"].to_list()}))
        table.add_row(
            kind,
            profile,
            ", ".join(path.name for path in files),
            str(result.frame.height),
            encodings,
            str(result.findings.height),
        )
        loaded = summary.filter(pl.col("kind") != "positions")["rows"].sum()
        if loaded != result.frame.height:  # pragma: no cover - guards the loader's invariant
            raise SourceError(
                f"Zeilen gingen verloren: {loaded} gelesen, {result.frame.height} "
                f"geladen ({', '.join(path.name for path in files)})."
            )
    console.print(table)
