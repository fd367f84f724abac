"""The check stage: everything DATEV would reject, as one findings table for the loaded rows.

Client settings (Sachkontenlänge, fiscal years, Beleg-Arten) come from DATEV through the
connection, or from the cache when there is none. Calls are resolved against DATEV's master
data and billed here, since what is wrong with a call (unknown number, fax, inactive
addressee) is only known then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.checks.period import select_period
from workbench.clients import normalise_client_id
from workbench.errors import ConfigError
from workbench.findings import concat_findings
from workbench.kinds import Target
from workbench.pipeline.results import CheckedRun, LoadedRun

if TYPE_CHECKING:
    from workbench.checks.runner import Period
    from workbench.clients import ClientSettings
    from workbench.pipeline.connection import Connection
    from workbench.transfer.jobs import Progress

__all__ = ["check_run", "choose_target"]


def check_run(
    loaded: LoadedRun,
    *,
    client: str | None,
    connection: Connection | None = None,
    engine: str = "polars",
    period: Period = None,
    target: str | Target | None = None,
    progress: Progress | None = None,
) -> CheckedRun:
    """Check a loaded run for ``client``; ``target`` (default: the kind's) selects the rules
    of the format the data will be written in.

    ``period`` (``2026-01``, ``01/2026``, ``Januar 2026``, a range ``2026-01..2026-03``)
    selects rows: the whole files are checked (cash balances and duplicates need the other
    months), then rows of other months are set aside and counted per file
    (``checked.other_months``, one ``period.other_months`` Hinweis per file); they never become
    findings. Safe fixes recorded for these files (:func:`~workbench.pipeline.fixes.fix_run`)
    are applied first. ``progress(done, total, label)`` hears of each step.

    >>> checked = check_run(load_run("receipts", ["belege.csv"]), client="455148-1",
    ...                     connection=connection)  # doctest: +SKIP
    >>> checked.exit_code  # doctest: +SKIP
    2
    """
    from workbench.german import parse_period

    client = normalise_client_id(client) if client is not None else None
    step = progress or _no_progress
    period = parse_period(period)
    chosen = choose_target(loaded, target)
    if loaded.spec.billed:
        step(0, 4, "Rufnummern mit DATEV abgleichen")
        return _check_calls(loaded, client, connection, chosen, period)
    if client is None:
        raise ConfigError(
            f"Für '{loaded.kind.value}' ist der Mandant nötig (--client, z. B. 455148-1)."
        )
    from workbench.checks import check_sources
    from workbench.pipeline.talk import with_talk_receipts

    # one chunk per column from here on: checks and mapping gather rows by position many times,
    # several times slower across the chunks of a large CSV (one join, ~0.2 s per 1M rows)
    loaded = replace(loaded, result=replace(loaded.result, frame=loaded.result.frame.rechunk()))
    step(0, 4, "Gespeicherte Korrekturen anwenden")
    loaded, applied = _apply_recorded(loaded, client, connection)
    loaded = with_talk_receipts(loaded, client, connection)
    step(1, 4, f"Einstellungen des Mandanten {client} von DATEV")
    settings = _client_settings(client, connection)
    step(2, 4, "Prüfregeln: Zeichensatz, Konten, Wirtschaftsjahr, Felder, Beträge, Dubletten …")
    # no period to the suite: the selection below sets other months aside instead
    findings = check_sources(
        loaded.result,
        settings=settings,
        engine=engine,
        target="extf" if chosen is Target.EXTF else "xml",
        folder=loaded.files[0].resolve().parent,
        attachment_sizes=_attachment_sizes(loaded.files),
    )
    step(3, 4, "Zeitraum auswählen")
    selection = select_period(loaded.result, findings, period)
    step(4, 4, "Geprüft")
    return CheckedRun(
        loaded=replace(loaded, result=selection.loaded),
        client=client,
        target=chosen,
        settings=settings,
        findings=selection.findings,
        period=period,
        other_months=selection.other_months,
        applied_fixes=applied,
    )


def _no_progress(done: int, total: int, label: str) -> None:
    """Progress callback that reports nowhere (the default)."""


def choose_target(loaded: LoadedRun, target: str | Target | None) -> Target:
    """``target`` if the kind can be written that way, else a clear error; None: the default."""
    spec = loaded.spec
    if target is None:
        return spec.default_target
    allowed = ", ".join(choice.value for choice in spec.targets)
    try:
        chosen = Target(target)
    except ValueError:
        chosen = None
    if chosen not in spec.targets:
        raise ConfigError(
            f"Das Ziel '{target}' gibt es für {spec.label} ({spec.kind.value}) nicht; "
            f"erlaubt: {allowed}.",
            value=str(target),
        )
    return chosen


def _client_settings(client: str, connection: Connection | None) -> ClientSettings:
    from workbench.clients import load_client_settings

    if connection is not None:
        return connection.client_settings(client)
    return load_client_settings(client)


def _attachment_sizes(paths: Sequence[Path]) -> dict[str, int] | None:
    """Declared Belegbild sizes (``attachment_sizes.json`` beside the sources), if any."""
    sizes: dict[str, int] = {}
    for folder in {path.resolve().parent for path in paths}:
        declared = folder / "attachment_sizes.json"
        if declared.is_file():
            sizes.update(json.loads(declared.read_text(encoding="utf-8")))
    return sizes or None


def _check_calls(
    loaded: LoadedRun,
    client: str | None,
    connection: Connection | None,
    target: Target,
    period: str | tuple[str, str] | None,
) -> CheckedRun:
    from workbench.calls import CallSettings, bill_calls, fetch_directory
    from workbench.checks.formulas import formula_findings
    from workbench.checks.sources import encoding_findings

    if connection is None:
        raise ConfigError(
            "Für Anruflisten werden die Stammdaten aus DATEV (DATEVconnect) "
            "gebraucht; es besteht keine Verbindung."
        )
    # Calls are billed per month: the other months' calls are simply not billed here.
    selection = select_period(loaded.result, loaded.result.findings, period)
    loaded = replace(loaded, result=selection.loaded)
    directory = fetch_directory(connection.datev)
    settings = CallSettings.from_table(connection.settings.calls)
    billing = bill_calls(loaded.result, directory, settings=settings)
    if client:
        # DATEVconnect knows a Mandant by its number: the second part of 455148-2
        billing = billing.for_client(int(client.partition("-")[2]))
    note = selection.findings.filter(pl.col("rule") == "period.other_months")
    files = encoding_findings((*loaded.result.sources, *loaded.result.position_sources))
    return CheckedRun(
        loaded=loaded,
        client=client,
        target=target,
        settings=None,
        findings=concat_findings(
            [files, loaded.result.findings, formula_findings(loaded.result), billing.findings, note]
        ),
        billing=billing,
        directory=directory,
        period=period,
        other_months=selection.other_months,
    )


def _apply_recorded(
    loaded: LoadedRun, client: str, connection: Connection | None
) -> tuple[LoadedRun, pl.DataFrame]:
    """``loaded`` with the safe fixes recorded for ``client`` on these exact files
    (:func:`~workbench.pipeline.fixes.fix_run`), and those fixes."""
    from workbench.checks.fixstore import apply_recorded_fixes
    from workbench.config import load_settings

    home = connection.settings.home if connection is not None else load_settings().home
    result, applied = apply_recorded_fixes(
        loaded.result, loaded.files, client=client, home=Path(home)
    )
    return replace(loaded, result=result), applied
