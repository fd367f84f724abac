"""``workbench bank match``: bank lines against receipt items, and "Beleg fehlt" questions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._app import _fail, _out, _print_frame, app
from workbench.cli._help import command_group
from workbench.clients import normalise_client_id
from workbench.errors import ConfigError, WorkbenchError

bank_app = command_group(
    help="Kontoumsätze (camt.053, MT940, CSV) mit Belegen abgleichen.", no_args_is_help=True
)
app.add_typer(bank_app, name="bank")

#: The question a bank line without a receipt becomes (seed 002: "Beleg fehlt").
MISSING_RECEIPT = (
    "Beleg fehlt: Zu diesem Kontoumsatz liegt uns kein Beleg vor. Bitte laden Sie die Rechnung "
    "oder Quittung hier hoch oder schreiben Sie uns, wofür die Zahlung war."
)

if TYPE_CHECKING:
    import polars as pl


@bank_app.command("match")
def match(
    bank_files: Annotated[
        list[Path], typer.Argument(help="Kontoauszüge: camt.053 (XML), MT940 (STA) oder CSV.")
    ],
    client: Annotated[str, typer.Option("--client", help="DATEV-Mandant, z. B. 455148-1.")],
    receipts: Annotated[
        list[Path], typer.Option("--receipts", help="Belegpositionen (mehrfach möglich).")
    ],
    profile: Annotated[
        str, typer.Option("--profile", help="Spaltenprofil der CSV-Kontoauszüge.")
    ] = "auto",
    receipts_profile: Annotated[
        str, typer.Option("--receipts-profile", help="Spaltenprofil der Belegpositionen.")
    ] = "auto",
    ask: Annotated[
        bool, typer.Option("--ask", help="Für jeden Umsatz ohne Beleg den Mandanten fragen.")
    ] = False,
    to: Annotated[
        str | None, typer.Option("--to", help="Empfänger der Fragen (E-Mail) bei --ask.")
    ] = None,
    sender: Annotated[str | None, typer.Option("--from", help="Ihr Name bei --ask.")] = None,
    output: Annotated[str, typer.Option("--format", help="table oder json.")] = "table",
) -> None:
    """Umsätze in drei Gruppen: zugeordnet, unklar, ohne Beleg (Exit 0, 1 oder 2)."""
    from workbench.bank import match_bank_lines
    from workbench.config import load_settings
    from workbench.pipeline import detect_profile
    from workbench.sources import load_bank, load_receipts

    try:
        client = normalise_client_id(client)
        if output not in ("table", "json"):
            raise ConfigError(f"Unbekanntes Format '{output}': erlaubt sind table und json.")
        settings = load_settings()
        recipient = to or settings.clients.get(client, {}).get("talk_contact")
        if ask and not recipient:
            raise ConfigError(
                f"Für --ask fehlt der Empfänger: --to E-MAIL oder talk_contact in "
                f'[clients."{client}"] der Einstellungsdatei.'
            )
        bank = load_bank(bank_files, profile=profile)
        chosen = (
            detect_profile("receipts", receipts) if receipts_profile == "auto" else receipts_profile
        )
        result = match_bank_lines(bank.frame, load_receipts(receipts, profile=chosen).frame)
        asked, already = (
            _ask(result, bank.frame, client, str(recipient), sender) if ask else ([], [])
        )
    except WorkbenchError as error:
        raise _fail(error) from error
    counts = {row["bucket"]: row["lines"] for row in result.counts().iter_rows(named=True)}
    if output == "json":
        payload = {
            "client": client,
            "counts": counts,
            "asked": asked,
            "lines": result.lines.to_dicts(),
            "findings": bank.findings.to_dicts(),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        _print_findings(bank.findings)
        _print_table(result, bank.frame.height, asked, already)
    raise typer.Exit(2 if counts["no_receipt"] else 1 if counts["unclear"] else 0)


def _ask(
    result, bank: pl.DataFrame, client: str, recipient: str, sender: str | None
) -> tuple[list, list[int]]:
    """One "Beleg fehlt" talk per bank line without receipt (none twice for the same line);
    returns the talks asked and the open talks that already ask for the other lines."""
    import polars as pl

    from workbench.config import load_settings
    from workbench.talk import Item, TalkStore
    from workbench.talk.items import describe_row

    missing = result.bucket("no_receipt")
    values = bank.filter(pl.col("line_id").is_in(missing["line_id"].implode()))
    asked = []
    with TalkStore.open(load_settings()) as store:
        already = {
            talk.item_id: talk.id
            for talk in store.talks(client=client, item_ids=values["line_id"].to_list())
            if talk.status != "geschlossen"
        }
        for row in values.iter_rows(named=True):
            if row["line_id"] in already:
                continue
            item = Item(
                item_id=row["line_id"],
                kind="bank",
                source=row["source_file"],
                row=row["source_row"],
                label=describe_row("bank", row),
            )
            talk = store.ask(
                client,
                item,
                recipient=recipient,
                sender=sender or store.user,
                text=MISSING_RECEIPT,
            )
            asked.append({"talk": talk.id, "line_id": row["line_id"]})
    return asked, sorted(already.values())


def _print_findings(findings: pl.DataFrame) -> None:
    """What loading the statements found (an unreadable date or amount), before the buckets:
    such a line cannot be matched by date or amount."""
    import polars as pl

    if findings.is_empty():
        return
    _print_frame(
        findings.select(
            pl.format("{}:{}", "source", pl.col("row").fill_null("")).alias("Zeile"),
            pl.col("source_column").fill_null("").alias("Spalte"),
            pl.col("value").fill_null("").alias("Wert"),
            pl.col("message").alias("Meldung"),
        ),
        title=f"Befunde beim Laden ({findings.height})",
        limit=200,
    )


def _print_table(result, lines: int, asked: list, already: list[int]) -> None:
    import polars as pl

    from workbench.german import number_expr

    _print_frame(
        result.counts().select(pl.col("label").alias("Gruppe"), pl.col("lines").alias("Umsätze")),
        title=f"{lines} Kontoumsätze abgeglichen",
    )
    for bucket in ("unclear", "no_receipt"):
        rows = result.bucket(bucket)
        if rows.is_empty():
            continue
        _print_frame(
            rows.select(
                pl.format("{}:{}", "source_file", "source_row").alias("Zeile"),
                pl.col("booking_date").dt.strftime("%d.%m.%Y").alias("Buchung"),
                (number_expr(pl.col("amount")) + " EUR").alias("Betrag"),
                pl.col("counterparty_name").alias("Gegenüber"),
                pl.col("document_id").alias("Beleg"),
                pl.col("reason").alias("Grund"),
            ),
            title=f"{rows['label'][0]} ({rows.height})",
            limit=200,
        )
    if asked:
        _out.print(
            f"{len(asked)} Frage(n) 'Beleg fehlt' angelegt (Talks "
            f"{', '.join(str(a['talk']) for a in asked)}); senden mit 'workbench talk send'."
        )
    if already:
        _out.print(
            f"{len(already)} Umsätze ohne Beleg haben schon eine offene Frage (Talks "
            f"{', '.join(str(talk) for talk in already)})."
        )
