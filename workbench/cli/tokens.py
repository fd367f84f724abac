"""DATEV access keys: ``workbench login``, ``workbench tokens [revoke ID | select ID]`` (seed 001's
"Zugangsschlüsselverwaltung"). Everything is per Kanzlei (``workbench --kanzlei NAME``)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from typing import Annotated

import typer

from workbench.cli._app import OutputFormat, _err, _fail, _out, _print_frame, app
from workbench.cli._help import command_group
from workbench.errors import WorkbenchError

#: DATEV's app for managing connected applications (DATEV requires the link in every app).
CONNECTED_APPS_URL = "https://apps.datev.de/tokrevui"
_COLUMNS = {
    "id": "ID",
    "type": "Tokentyp",
    "person": "Person",
    "datenbestand": "Datenbestand",
    "service": "Datenservice",
    "issued_at": "Ausgestellt am",
    "renewed_at": "Letzte Verlängerung am",
    "expires_at": "Ablauf am",
    "revoked_at": "Widerrufen am",
    "status": "Status",
}

tokens_app = command_group(
    help="Zugangsschlüssel (Token) der Kanzlei: Übersicht, widerrufen, Bestand auswählen.",
    no_args_is_help=False,
)
app.add_typer(tokens_app, name="tokens")


def _german(value: str | None) -> str:
    """ISO time -> ``31.01.2026 14:03`` (Europe/Berlin, as stored)."""
    return dt.datetime.fromisoformat(value).strftime("%d.%m.%Y %H:%M") if value else ""


def _rows() -> list[dict]:
    from workbench.config import load_settings
    from workbench.transfer.access import open_registry

    registry = open_registry(load_settings())
    if registry is None:
        return []
    now = time.time()
    return [entry.overview(now) for entry in registry.entries()]


def _show(rows: list[dict], title: str) -> None:
    import polars as pl

    table = pl.DataFrame(
        [
            {
                **row,
                "datenbestand": row["datenbestand"]
                or ("Bestand auswählen" if row["type"] == "Kurzzeittoken" else ""),
                **{key: _german(row[key]) for key in _COLUMNS if key.endswith("_at")},
            }
            for row in rows
        ],
        schema=dict.fromkeys(_COLUMNS, pl.String),
    ).rename(_COLUMNS)
    _print_frame(table, title=title, limit=20)


@tokens_app.callback(invoke_without_command=True)
def tokens(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Übersicht der Zugangsschlüssel (max. 10, aktive und inaktive)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        rows = _rows()
    except WorkbenchError as error:
        raise _fail(error) from error
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        _out.print("Noch keine Zugangsschlüssel. Anmelden mit 'workbench login'.")
    else:
        _show(rows, "Übersicht Zugangsschlüssel")
    _out.print(f"Verbundene Anwendungen bei DATEV verwalten: {CONNECTED_APPS_URL}")


EntryId = Annotated[str, typer.Argument(help="Zugangsschlüssel (ID aus 'workbench tokens').")]


@tokens_app.command("revoke")
def revoke(entry_id: EntryId) -> None:
    """Zugangsschlüssel bei DATEV widerrufen; er wird inaktiv, sein Geheimnis gelöscht."""
    from workbench.config import load_settings
    from workbench.pipeline.connection import revoke as revoke_entry

    try:
        entry = revoke_entry(load_settings(), entry_id)
    except WorkbenchError as error:
        raise _fail(error) from error
    _show([entry.overview(time.time())], "Widerrufen")
    _out.print(
        "Der Zugangsschlüssel ist widerrufen. Für den nächsten Zugriff auf DATEV ist eine neue "
        "Anmeldung nötig ('workbench login'), falls kein anderer aktiv ist."
    )


@tokens_app.command("select")
def select(
    entry_id: EntryId,
    client: Annotated[
        str, typer.Option("--client", help="Berater- und Mandantennummer, z. B. 455148-1.")
    ],
) -> None:
    """Bestand auswählen: den Datenbestand eines Kurzzeittokens festlegen."""
    from workbench.config import load_settings
    from workbench.transfer.access import open_registry

    try:
        registry = open_registry(load_settings())
        if registry is None:
            raise WorkbenchError("Es gibt noch keine Zugangsschlüssel (siehe 'workbench login').")
        entry = registry.select(entry_id, client)
    except WorkbenchError as error:
        raise _fail(error) from error
    _show([entry.overview(time.time())], "Bestand ausgewählt")


@app.command()
def login(
    offline: Annotated[
        bool, typer.Option("--offline", help="Langzeittoken (offline_access, ca. 2 Jahre).")
    ] = False,
    service: Annotated[
        str,
        typer.Option(
            "--service",
            help="Datenservice: rechnungsdatenservice, buchungsdatenservice oder "
            "export-rechnungswesen (Abgleich mit DATEV).",
        ),
    ] = "rechnungsdatenservice",
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            help="Datenbestand (Berater-Mandant, z. B. 455148-1); Pflicht mit --offline.",
        ),
    ] = None,
) -> None:
    """Bei DATEV anmelden (OAuth2 mit PKCE im Browser); der Zugangsschlüssel wird verschlüsselt
    gespeichert und ersetzt den bisherigen desselben Datenservices."""
    from workbench.config import load_settings
    from workbench.pipeline.connection import interactive_login

    if offline and client is None:
        if not sys.stdin.isatty():
            _err.print(
                "[bold red]Fehler:[/] Ein Langzeittoken gilt für einen Datenbestand: geben Sie "
                "--client BERATER-MANDANT an (z. B. 455148-1).",
                highlight=False,
            )
            raise typer.Exit(3)
        client = typer.prompt("Berater- und Mandantennummer (z. B. 455148-1)", err=True)
    try:
        entry = interactive_login(load_settings(), offline=offline, service=service, client=client)
    except WorkbenchError as error:
        raise _fail(error) from error
    _show([entry.overview(time.time())], "Angemeldet")
    _out.print(f"Verbundene Anwendungen bei DATEV verwalten: {CONNECTED_APPS_URL}")
