"""The check stage: everything DATEV would reject, as one findings table for the loaded rows.

Client settings (Sachkontenlänge, fiscal years, Beleg-Arten) come from DATEV through the
connection, or from the cache when there is none. Calls are resolved against DATEV's master
data and billed here, since what is wrong with a call (unknown number, fax, inactive
addressee) is only known then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.clients import normalise_client_id
from workbench.errors import ConfigError
from workbench.findings import concat_findings
from workbench.kinds import Target
from workbench.pipeline.results import CheckedRun, LoadedRun

if TYPE_CHECKING:
    from workbench.checks.runner import Period
    from workbench.clients import ClientSettings
    from workbench.pipeline.connection import Connection

__all__ = ["check_run", "choose_target"]


def check_run(
    loaded: LoadedRun,
    *,
    client: str | None,
    connection: Connection | None = None,
    engine: str = "polars",
    period: Period = None,
    target: str | Target | None = None,
) -> CheckedRun:
    """Check a loaded run for ``client``; ``target`` (default: the kind's) selects the rules
    of the format the data will be written in.

    >>> checked = check_run(load_run("receipts", ["belege.csv"]), client="455148-1",
    ...                     connection=connection)  # doctest: +SKIP
    >>> checked.exit_code  # doctest: +SKIP
    2
    """
    client = normalise_client_id(client) if client is not None else None
    chosen = choose_target(loaded, target)
    if loaded.spec.billed:
        return _check_calls(loaded, client, connection, chosen)
    if client is None:
        raise ConfigError(
            f"Für '{loaded.kind.value}' ist der Mandant nötig (--client, z. B. 455148-1)."
        )
    from workbench.checks import check_sources
    from workbench.pipeline.talk import with_talk_receipts

    loaded = with_talk_receipts(loaded, client, connection)
    settings = _client_settings(client, connection)
    findings = check_sources(
        loaded.result,
        settings=settings,
        engine=engine,
        period=period,
        target="extf" if chosen is Target.EXTF else "xml",
        folder=loaded.files[0].resolve().parent,
        attachment_sizes=_attachment_sizes(loaded.files),
    )
    return CheckedRun(
        loaded=loaded, client=client, target=chosen, settings=settings, findings=findings
    )


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
    loaded: LoadedRun, client: str | None, connection: Connection | None, target: Target
) -> CheckedRun:
    from workbench.calls import CallSettings, bill_calls, fetch_directory
    from workbench.checks.formulas import formula_findings

    if connection is None:
        raise ConfigError(
            "Für Anruflisten werden die Stammdaten aus DATEV (DATEVconnect) "
            "gebraucht; es besteht keine Verbindung."
        )
    directory = fetch_directory(connection.datev)
    settings = CallSettings.from_table(connection.settings.calls)
    billing = bill_calls(loaded.result, directory, settings=settings)
    if client:
        # DATEVconnect knows a Mandant by its number: the second part of 455148-2
        billing = billing.for_client(int(client.partition("-")[2]))
    return CheckedRun(
        loaded=loaded,
        client=client,
        target=target,
        settings=None,
        findings=concat_findings(
            [loaded.result.findings, formula_findings(loaded.result), billing.findings]
        ),
        billing=billing,
        directory=directory,
    )
