"""``workbench talk …``: questions to the client (Mandantentalk, seed 002) and the client page."""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._app import _err, _fail, _out, _print_frame, app
from workbench.cli._help import command_group
from workbench.clients import normalise_client_id
from workbench.errors import ConfigError, WorkbenchError

talk_app = command_group(
    help="Mandantentalk: Fragen an Mandanten stellen, per E-Mail ankündigen, Antworten sehen.",
    no_args_is_help=True,
)
app.add_typer(talk_app, name="talk")

_STATUSES = ("offen", "beantwortet", "intern", "geschlossen")
#: Kinds tried, in this order, when ``--row`` names a file without ``--kind``.
_ROW_KINDS = ("receipts", "invoices", "bank", "calls", "pos")


def _store():
    from workbench.config import load_settings
    from workbench.talk import TalkStore

    return TalkStore.open(load_settings())


def _row_item(spec: str, kind: str | None, profile: str):
    """The item of ``FILE:ROW``: the file is loaded (kind and profile detected) like ``check``."""
    from workbench.kinds import SourceKind
    from workbench.pipeline import detect_profile
    from workbench.pipeline.registry import REGISTRY
    from workbench.sources import load_bank
    from workbench.sources.bank import sniff_bank_format
    from workbench.talk import item_for_row

    file_text, _, row_text = spec.rpartition(":")
    if not file_text or not row_text.isdigit():
        raise ConfigError(f"--row erwartet DATEI:ZEILE (z. B. belege.csv:5), nicht '{spec}'.")
    path = Path(file_text)
    if not path.is_file():
        raise ConfigError(f"Die Datei {path} gibt es nicht.", file=path.name)
    kinds = [kind] if kind else list(_ROW_KINDS)
    if kind is None and sniff_bank_format(path) in ("camt", "mt940"):
        kinds = ["bank"]
    for candidate in kinds:
        try:
            chosen = profile
            if profile == "auto" and not (candidate == "bank" and sniff_bank_format(path) != "csv"):
                chosen = detect_profile(candidate, [path])
            load = load_bank if candidate == "bank" else REGISTRY[SourceKind(candidate)].load
            loaded = load([path], profile=chosen)
        except WorkbenchError:
            if kind:
                raise
            continue
        return item_for_row(loaded, path.name, int(row_text))
    raise ConfigError(
        f"Die Datei {path.name} passt zu keiner Quellart ({', '.join(_ROW_KINDS)}); geben Sie "
        f"--kind und --profile an.",
        file=path.name,
    )


@talk_app.command("ask")
def ask(
    client: Annotated[str, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.")],
    to: Annotated[str, typer.Option("--to", help="E-Mail des Ansprechpartners oder 'intern'.")],
    sender: Annotated[str, typer.Option("--from", help="Ihr Name (Absender).")],
    text: Annotated[str, typer.Option("--text", help="Die Frage an den Mandanten.")],
    item: Annotated[
        str | None, typer.Option("--item", help="Positions-, Beleg- oder Umsatz-ID.")
    ] = None,
    row: Annotated[
        str | None, typer.Option("--row", help="DATEI:ZEILE einer Quelldatei (z. B. belege.csv:5).")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Quellart der --row-Datei (sonst erkannt).")
    ] = None,
    profile: Annotated[str, typer.Option("--profile", help="Spaltenprofil der Datei.")] = "auto",
    rule: Annotated[
        str | None, typer.Option("--rule", help="Regel des Befunds, um den es geht.")
    ] = None,
) -> None:
    """Eine Frage zu einer Position stellen; gibt die Talk-ID aus."""
    from workbench.talk import Item

    try:
        client = normalise_client_id(client)
        if (item is None) == (row is None):
            raise ConfigError("Geben Sie genau eines an: --item ID oder --row DATEI:ZEILE.")
        target = _row_item(row, kind, profile) if row else Item(item_id=str(item).strip())
        if rule:
            target = replace(target, rule=rule.strip())
        with _store() as store:
            talk = store.ask(client, target, recipient=to, sender=sender, text=text)
    except WorkbenchError as error:
        raise _fail(error) from error
    sys.stdout.write(f"{talk.id}\n")


@talk_app.command("list")
def list_(
    client: Annotated[str | None, typer.Option("--client", help="Nur dieser Mandant.")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="offen, beantwortet, intern oder geschlossen.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table oder json.")] = "table",
) -> None:
    """Talks auflisten (Talk-Filter), mit Nachrichten und Anhängen."""
    try:
        if status is not None and status not in _STATUSES:
            raise ConfigError(
                f"Unbekannter Status '{status}': erlaubt sind {', '.join(_STATUSES)}."
            )
        if output not in ("table", "json"):
            raise ConfigError(f"Unbekanntes Format '{output}': erlaubt sind table und json.")
        with _store() as store:
            talks = store.talks(
                client=normalise_client_id(client) if client else None, status=status
            )
    except WorkbenchError as error:
        raise _fail(error) from error
    if output == "json":
        payload = [_talk_json(talk) for talk in talks]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        return
    if not talks:
        _out.print("Keine Talks.")
        return
    import polars as pl

    _print_frame(
        pl.DataFrame(
            [
                {
                    "Talk": talk.id,
                    "Mandant": talk.client,
                    "Status": talk.status,
                    "Position": talk.label or talk.item_id,
                    "Empfänger": talk.recipient,
                    "Nachrichten": len(talk.visible_messages),
                    "Belege": ", ".join(a.name for a in talk.attachments),
                    "Letzte Nachricht": (talk.visible_messages or talk.messages)[-1].text[:60],
                }
                for talk in talks
            ]
        ),
        title=f"Talks ({len(talks)})",
        limit=500,
    )


def _talk_json(talk) -> dict:
    return {
        "id": talk.id,
        "client": talk.client,
        "item_id": talk.item_id,
        "source": talk.source,
        "row": talk.row,
        "rule": talk.rule,
        "status": talk.status,
        "recipient": talk.recipient,
        "label": talk.label,
        "created_at": talk.created_at,
        "closed_at": talk.closed_at,
        "close_reason": talk.close_reason,
        "messages": [
            {
                "id": message.id,
                "sender": message.sender,
                "author": message.author,
                "text": message.text,
                "at": message.at,
                "delivery": message.delivery,
                "attachments": [
                    {
                        "name": a.name,
                        "content_type": a.content_type,
                        "size": a.size,
                        "sha256": a.sha256,
                    }
                    for a in message.attachments
                ],
            }
            for message in talk.visible_messages
        ],
    }


@talk_app.command("send")
def send(
    client: Annotated[str | None, typer.Option("--client", help="Nur dieser Mandant.")] = None,
    talk: Annotated[int | None, typer.Option("--talk", help="Nur dieser Talk, sofort.")] = None,
) -> None:
    """Fällige E-Mails senden: je Empfänger eine gesammelte Nachricht; gibt die Anzahl aus."""
    from workbench.config import load_settings
    from workbench.mail import smtp_settings
    from workbench.talk import due_notices, send_due

    try:
        settings = load_settings()
        client = normalise_client_id(client) if client else None
        with _store() as store:
            sent = 0
            # Nothing due needs no mail server: checked only when there is something to send.
            if due_notices(store, client=client, talk_id=talk):
                sent = send_due(
                    store,
                    smtp_settings(settings),
                    base_url=settings.talk_url,
                    client=client,
                    talk_id=talk,
                    token_days=int(settings.talk.get("token_days", 30)),
                    kanzlei=settings.talk.get("kanzlei"),
                )
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"{sent} E-Mail(s) gesendet.")


@talk_app.command("close")
def close(
    talk_id: Annotated[int, typer.Argument(help="Talk-ID.")],
    by: Annotated[str | None, typer.Option("--from", help="Ihr Name.")] = None,
) -> None:
    """Einen Talk schließen (alle Unklarheiten geklärt)."""
    try:
        with _store() as store:
            talk = store.close_talk(talk_id, by=by or store.user)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"Talk {talk.id} geschlossen.")


@talk_app.command("reply")
def reply(
    talk_id: Annotated[int, typer.Argument(help="Talk-ID.")],
    sender: Annotated[str, typer.Option("--from", help="Ihr Name.")],
    text: Annotated[str, typer.Option("--text", help="Nachricht.")],
) -> None:
    """Eine weitere Nachricht der Kanzlei in einem Talk (Rückfrage)."""
    try:
        with _store() as store:
            talk = store.reply(talk_id, sender=sender, text=text)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"Talk {talk.id}: Nachricht gespeichert ({talk.status}).")


@talk_app.command("delete")
def delete(
    message_id: Annotated[int, typer.Argument(help="Nachrichten-ID (talk list --format json).")],
    by: Annotated[str | None, typer.Option("--from", help="Ihr Name.")] = None,
) -> None:
    """Eine Nachricht zurücknehmen, die der Mandant noch nicht gelesen hat."""
    try:
        with _store() as store:
            store.delete_message(message_id, by=by or store.user)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"Nachricht {message_id} gelöscht.")


@talk_app.command("revoke")
def revoke(
    client: Annotated[str, typer.Option("--client", help="DATEV-Mandant.")],
    to: Annotated[str | None, typer.Option("--to", help="Nur dieser Empfänger.")] = None,
) -> None:
    """Login-Links des Mandanten (oder eines Empfängers) widerrufen."""
    try:
        with _store() as store:
            count = store.revoke_tokens(normalise_client_id(client), recipient=to, by=store.user)
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"{count} Zugang/Zugänge widerrufen.")


@talk_app.command("password")
def password(
    client: Annotated[str, typer.Option("--client", help="DATEV-Mandant.")],
    to: Annotated[str, typer.Option("--to", help="E-Mail des Ansprechpartners.")],
) -> None:
    """Das Passwort eines Ansprechpartners setzen (Option "Mandantentalk Passwort")."""
    try:
        if sys.stdin.isatty():
            first = getpass.getpass("Neues Passwort: ")
            if getpass.getpass("Wiederholen: ") != first:
                raise ConfigError("Die Passwörter stimmen nicht überein.")
        else:
            first = sys.stdin.readline().rstrip("\n")
        with _store() as store:
            store.set_password(normalise_client_id(client), to, first, by=store.user)
    except WorkbenchError as error:
        raise _fail(error) from error
    _err.print(f"Passwort für {to} gesetzt.")


@talk_app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Adresse (hinter einem Reverse Proxy).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8780,
) -> None:
    """Die Mandantenseite bereitstellen (Antworten und Belege der Mandanten)."""
    from workbench.config import load_settings
    from workbench.talk.server import serve_talk

    try:
        serve_talk(load_settings(), host=host, port=port)
    except WorkbenchError as error:
        raise _fail(error) from error
