"""Commands that talk to DATEV: transfer, status, resume, delete, retransfer (``login`` and the
access keys are in :mod:`workbench.cli.tokens`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbench.cli._app import (
    CANCELLED,
    ClientOption,
    Files,
    KindArgument,
    OutputFormat,
    PosMappingOption,
    ProfileOption,
    _confirm,
    _err,
    _fail,
    _month,
    _out,
    _print_frame,
    app,
)
from workbench.cli.data import (
    EmployeeOption,
    TargetOption,
    _checked_run,
)
from workbench.cli.fanout import TestOption
from workbench.cli.protocol import print_protocol
from workbench.cli.sent_before import NOT_SENT, print_sent_before
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import polars as pl

    from workbench.pipeline import MappedRun
    from workbench.pipeline.connection import Connection
    from workbench.transfer.ledger import Ledger, Transfer
    from workbench.transfer.status import StatusResult


@app.command()
def transfer(
    kind: KindArgument,
    files: Files,
    client: ClientOption = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month", help="Buchungsmonat (2026-01, 01/2026, Januar 2026).", callback=_month
        ),
    ] = None,
    document_kind: Annotated[
        str | None, typer.Option("--document-kind", help="Beleg-Art, z. B. Rechnungseingang.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage übertragen.")] = False,
    to: TargetOption = None,
    profile: ProfileOption = "auto",
    pos_mapping: PosMappingOption = None,
    employee: EmployeeOption = None,
    test: TestOption = False,
) -> None:
    """Daten an DATEV übertragen, je Mandant, Buchungsmonat und Beleg-Art (fragt vorher nach)."""
    import polars as pl

    from workbench.cli.progress import progress_for
    from workbench.german import format_month
    from workbench.pipeline import map_run, package_run, send_run
    from workbench.pipeline.connection import connect
    from workbench.transfer.ledger_schema import IN_PROGRESS

    sending = False
    try:
        with connect() as connection:
            # --month selects like --period: only that month's rows are checked and sent.
            run = _checked_run(kind, files, client, profile, "polars", month, connection, to)
            mapped = map_run(run, pos_mapping=pos_mapping, employee=employee)
            if test:
                _test_transfer(mapped, connection, month=month, document_kind=document_kind)
            if not yes:
                _offer_resume(connection, mapped.client)
            question = _show_what_goes(mapped)
            if not yes and not _confirm(question):
                _err.print("Abgebrochen: nichts übertragen.")
                raise typer.Exit(CANCELLED)
            packaged = package_run(
                mapped,
                out_dir=connection.settings.home / "packages",
                ledger=connection.ledger,
                month=month,
                document_kind=document_kind,
            )
            sending = True  # from here, DATEV refusing is "transfer failed"
            with progress_for("Übertragen") as report:
                sent = send_run(
                    packaged,
                    connection,
                    progress=lambda n, total, name: report(n, total, f"Hochladen {name}"),
                )
            rows = [describe_transfer(connection.ledger, item) for item in sent.transfers]
            unfinished = [
                t for t in connection.ledger.transfers(client=mapped.client)
                if t.local_status in IN_PROGRESS
            ]  # fmt: skip
    except WorkbenchError as error:
        raise _fail_transfer(error, sending) from error
    # never left out silently; those of a transfer that never finished are not "übertragen"
    print_sent_before(packaged.sent_before, outcome=NOT_SENT, unfinished={t.id for t in unfinished})
    if sent.postings is not None:
        from workbench.german import CALL_TITLES  # polars: not at import time

        _print_frame(_posting_counts(sent.postings), title="Auslagen", labels=CALL_TITLES)
    elif not rows:
        _out.print(
            "Nichts Neues zu übertragen."
            if unfinished
            else "Nichts zu übertragen: alle Positionen sind bereits übertragen oder gesperrt."
        )
        for open_transfer in unfinished:  # an interrupted transfer holds them: say how to finish
            _out.print(
                f"Die Übertragung {open_transfer.id} ({format_month(open_transfer.month)}, "
                f"{open_transfer.document_kind or open_transfer.kind}) ist nicht abgeschlossen: "
                f"fortsetzen mit 'workbench resume {open_transfer.id}' oder löschen mit "
                f"'workbench delete {open_transfer.id}'."
            )
    else:
        _print_frame(pl.DataFrame(rows).drop("job_ids"), title="Übertragungen")
        _out.print("Bitte prüfen Sie den Status mit 'workbench status --refresh'.")
    # the findings decide, as in check (calls that cannot be posted included)
    raise typer.Exit(2 if sent.failed else mapped.exit_code)


def _fail_transfer(error: WorkbenchError, sending: bool) -> typer.Exit:
    """One German line, as every error; DATEV refusing a transfer it was sent (a 4xx answer:
    the transfer is marked failed) is "transfer failed", exit 2 (ARCHITECTURE §4.1). No
    answer, 429 or 5xx leave it interrupted and resumable: a runtime error, exit 3."""
    from workbench.errors import DatevApiError
    from workbench.transfer.recovery import TRANSIENT

    code = _fail(error)
    if sending and isinstance(error, DatevApiError) and error.status not in TRANSIENT:
        return typer.Exit(2)
    return code


def _offer_resume(connection: Connection, client: str | None) -> None:
    """A transfer of the client that a killed process left in progress blocks new ones: say
    so and offer to resume it (safe: the ledger knows what DATEV confirmed). Declined, the
    transfer below refuses with the commands that finish it."""
    from workbench.pipeline.send import transfer_action
    from workbench.transfer.senders import interrupted_message, someone_sending

    ledger = connection.ledger
    if not client or someone_sending(ledger, client):
        return
    for open_transfer in ledger.in_progress(client):
        _err.print(interrupted_message(open_transfer), highlight=False)
        if _confirm(f"Übertragung {open_transfer.id} jetzt fortsetzen?"):
            resumed = transfer_action(connection, "resume", open_transfer.id)
            _print_frame(_transfer_table([describe_transfer(ledger, resumed)]), title="Fortgesetzt")


def _billing_table(summary: pl.DataFrame) -> pl.DataFrame:
    """Billed calls per Mandant and month as the user knows them: no DATEVconnect GUID, the
    Mandantennummer as a name (55003, not 55.003)."""
    import polars as pl

    return summary.drop("client_id", strict=False).with_columns(
        pl.col("client_number").cast(pl.String)
    )


def _posting_counts(postings: pl.DataFrame) -> pl.DataFrame:
    """How many expense postings went, were refused or skipped, in German words."""
    import polars as pl

    from workbench.german import POSTING_STATUS_WORDS

    return (
        postings.group_by("status")
        .len("count")
        .sort("status")
        .with_columns(pl.col("status").replace(POSTING_STATUS_WORDS))
    )


def _show_what_goes(mapped: MappedRun) -> str:
    """Show what would go to DATEV; returns the question to confirm it (seed 004: nothing is
    sent unconfirmed)."""
    if mapped.mapping is not None:
        _print_frame(mapped.mapping.counts(), title="Zeilen: abgebildet, gesperrt, übersprungen")
        _print_left_out(mapped)
        return f"{mapped.mapping.records.height} DATEV-Datensätze für {mapped.client} übertragen?"
    if mapped.checked.billing is not None:
        from workbench.german import CALL_TITLES

        _print_frame(
            _billing_table(mapped.checked.billing.summary()),
            title="Abrechnung je Mandant und Monat",
            labels=CALL_TITLES,
        )
    _print_left_out(mapped)
    postings = mapped.plan.postings.height if mapped.plan is not None else 0
    return f"{postings} Auslagen in DATEV buchen?"


def _print_left_out(mapped: MappedRun) -> None:
    import polars as pl

    from workbench.pipeline.left_out import left_out

    rows = left_out(mapped)
    if rows.height:
        _print_frame(
            rows.with_columns(pl.col("rules").list.join(", ")),
            title=f"Nicht übernommen ({rows.height})",
            limit=100,
        )


def _test_transfer(
    mapped: MappedRun, connection: object, *, month: str | None, document_kind: str | None
) -> None:
    """``transfer --test``: what would be sent, written as test files; nothing is sent or
    marked transferred (seed 003, "Testen")."""
    from workbench.pipeline import package_run
    from workbench.pipeline.testfile import as_test, folder_of_test_files, write_note

    settings = connection.settings  # type: ignore[attr-defined]
    folder = folder_of_test_files(settings, f"transfer_{mapped.client or mapped.kind.value}")
    packaged = package_run(
        as_test(mapped),
        out_dir=folder,
        ledger=connection.ledger,  # type: ignore[attr-defined]
        month=month,
        document_kind=document_kind,
    )
    write_note(folder, next_step="workbench transfer … ohne --test")
    for path in packaged.written:
        _out.print(f"Testdatei: {path}")
    _out.print("Testlauf: nichts an DATEV übertragen, nichts als übertragen markiert.")
    raise typer.Exit(mapped.exit_code)


def describe_transfer(ledger: Ledger, transfer: Transfer) -> dict:
    from workbench.transfer.status import describe

    return describe(ledger, transfer)


@app.command()
def status(
    transfer_id: Annotated[
        str | None, typer.Argument(help="Übertragung (ID oder ihre ersten Zeichen); ohne: alle.")
    ] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Status bei DATEV abrufen.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Abgerufenen Status ohne Rückfrage speichern.")
    ] = False,
    protocol: Annotated[
        bool,
        typer.Option(
            "--protocol",
            help="DATEV-Protokoll zeigen: Eingangsbestätigungen gezählt, je Datei mit Fehler "
            "oder Warnung eine Zeile mit DATEVs Meldungen (JSON: jeder Protokolleintrag).",
        ),
    ] = False,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    investigate: Annotated[
        bool,
        typer.Option(
            "--investigate",
            help="Untersuchung der Übertragung als HTML (warum gescheitert, welche Zeilen, was "
            "tun; ohne den Status zu speichern).",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML-Datei der Untersuchung (Vorgabe: untersuchung_ID.html)."),
    ] = None,
) -> None:
    """Übertragungen mit lokalem und DATEV-Status auflisten.

    Auf Wunsch den Status bei DATEV aktualisieren und das Protokoll zeigen, oder eine
    Übertragung untersuchen (--investigate).
    """
    if investigate:
        _investigate(transfer_id, out)

    from workbench.pipeline import status_run
    from workbench.pipeline.connection import connect
    from workbench.transfer.backmap import backmap_findings
    from workbench.transfer.ledger import datev_status_text

    def confirm(shown: StatusResult) -> bool:
        note = " (bei DATEV bereits gelöscht)" if shown.gone else ""
        said = datev_status_text(shown.datev_status) or "unbekannt"
        _err.print(f"{shown.transfer.id}: DATEV-Status {said}{note}", highlight=False)
        # Seed 004: the status is only stored once the user confirms it.
        return not shown.gone and (yes or _confirm("Status übernehmen?", no_answer=False))

    try:
        with connect() as connection:
            ledger = connection.ledger
            transfers = (
                [ledger.get(ledger.resolve(transfer_id))] if transfer_id else ledger.transfers()
            )
            if refresh:
                status_run(connection, [item.id for item in transfers], confirm=confirm)
                transfers = [ledger.get(item.id) for item in transfers]
            rows = [describe_transfer(ledger, item) for item in transfers]
            protocols = {item.id: item.protocol or [] for item in transfers} if protocol else {}
            backmapped = (
                {item.id: backmap_findings(ledger, item.id) for item in transfers}
                if protocol
                else {}
            )
            checked = {key: _einvoice_checks(ledger, key) for key in protocols}
    except WorkbenchError as error:
        raise _fail(error) from error
    _print_status(output, rows, protocols, checked, backmapped, protocol=protocol)
    # A listing is information (exit 0); a refresh that finds failed transfers is an outcome.
    failed = any(
        row["local_status"] == "Fehlgeschlagen"
        or row["datev_status"] in ("Abgebrochen", "Zu Prüfen", "Storniert mit Fehler")
        for row in rows
    )
    raise typer.Exit(2 if refresh and failed else 0)


def _transfer_table(rows: list[dict]) -> pl.DataFrame:
    """Transfers as a table; job ids joined as text (a transfer without a job has none)."""
    import polars as pl

    return pl.DataFrame(
        [{**row, "job_ids": ", ".join(row["job_ids"])} for row in rows],
        schema_overrides={"job_ids": pl.String},
    )


def _print_status(
    output: OutputFormat,
    rows: list[dict],
    protocols: dict[str, list[dict]],
    checked: dict[str, list[dict]],
    backmapped: dict[str, pl.DataFrame],
    *,
    protocol: bool = False,
) -> None:
    """``status``'s listing, and per transfer its protocol, e-invoice checks and source rows
    (JSON with ``protocol``: every protocol entry as DATEV wrote it, for machines)."""
    import polars as pl

    if output is OutputFormat.json:
        if protocol:
            rows = [{**row, "protocol": protocols[row["id"]]} for row in rows]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if rows:
        _print_frame(
            _transfer_table(rows),
            title="Übertragungen",
            limit=200,
        )
    else:
        _out.print("Noch keine Übertragungen.")
    for identifier, entries in protocols.items():
        print_protocol(identifier, entries)
        if checked[identifier]:
            _print_frame(
                pl.DataFrame(checked[identifier]),
                title=f"E-Rechnungsprüfung {identifier}",
                limit=200,
                labels={"format": "Format", "result": "Ergebnis"},
            )
        if backmapped[identifier].height:
            _print_frame(
                backmapped[identifier].select("source", "row", "item_id", "message"),
                title=f"Betroffene Quellzeilen {identifier}",
                limit=200,
            )


def _investigate(transfer_id: str | None, out: Path | None) -> None:
    """``status ID --investigate``: the investigation notebook run headless, as HTML."""
    from workbench.pipeline.connection import connect
    from workbench.reports.runner import run_investigation

    if not transfer_id:
        raise _fail(
            WorkbenchError("--investigate braucht die Übertragung (ID aus 'workbench status').")
        )
    try:
        with connect() as connection:
            transfer_id = connection.ledger.resolve(transfer_id)
        written = run_investigation(
            transfer_id, out or Path(f"untersuchung_{transfer_id[:8]}.html")
        )
    except WorkbenchError as error:
        raise _fail(error) from error
    _out.print(f"Untersuchung: {written}", highlight=False)
    raise typer.Exit(0)


def _einvoice_checks(ledger: Ledger, transfer_id: str) -> list[dict]:
    """The e-invoice check results the transfer's protocol keeps (one row per e-invoice)."""
    from workbench.checks.einvoice import PROTOCOL_ACTION

    rows = []
    for entry in ledger.audit_log(transfer_id):
        if entry["action"] == PROTOCOL_ACTION:
            details = json.loads(entry["details"])
            rows.append({k: details[k] for k in ("item_id", "file", "format", "result")})
    return rows


def _ledger_action(action: str, transfer_id: str, yes: bool, question: str) -> None:
    from workbench.pipeline.connection import connect
    from workbench.pipeline.send import transfer_action

    try:
        with connect() as connection:
            transfer_id = connection.ledger.resolve(transfer_id)
            transfer = connection.ledger.get(transfer_id)
            if not yes and not _confirm(
                f"{question} ({transfer.client}, {transfer.month}, {transfer.document_kind})?"
            ):
                _err.print("Abgebrochen: nichts geändert.")
                raise typer.Exit(CANCELLED)
            result = transfer_action(connection, action, transfer_id)
            row = describe_transfer(connection.ledger, result)
    except WorkbenchError as error:
        raise _fail_transfer(error, sending=action != "delete") from error
    _print_frame(_transfer_table([row]), title="Übertragung")


TransferId = Annotated[
    str,
    typer.Argument(help="Übertragung: ID aus 'workbench status' oder ihre ersten Zeichen (ab 4)."),
]
YesOption = Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage.")]


@app.command()
def resume(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine unterbrochene Übertragung fortsetzen (ohne doppelte Uploads)."""
    _ledger_action("resume", transfer_id, yes, "Übertragung fortsetzen")


@app.command()
def delete(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine noch offene oder von DATEV nicht verarbeitete Übertragung löschen."""
    _ledger_action("delete", transfer_id, yes, "Übertragung löschen")


@app.command()
def retransfer(transfer_id: TransferId, yes: YesOption = False) -> None:
    """Eine fehlgeschlagene Übertragung neu übertragen."""
    _ledger_action("retransfer", transfer_id, yes, "Übertragung neu starten")
