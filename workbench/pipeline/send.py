"""The send and status stages: upload what the package stage wrote, record it in the ledger,
and follow DATEV's status.

Sending builds nothing: each upload is registered in the ledger (items, files and their hashes)
before its first byte goes out, then sent; a crash at any point resumes from the ledger
(``workbench resume``). Status is only stored once the user confirmed it (seed 004).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from workbench.errors import TransferError
from workbench.pipeline.results import PackagedRun, SentRun

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection
    from workbench.transfer.client import DatevClient
    from workbench.transfer.jobs import Progress, Upload
    from workbench.transfer.ledger import Ledger, Transfer
    from workbench.transfer.status import StatusResult

__all__ = ["send_run", "send_uploads", "status_run", "transfer_action"]


def send_run(
    packaged: PackagedRun,
    connection: Connection,
    *,
    progress: Progress | None = None,
    wait: float = 60.0,
) -> SentRun:
    """Send a packaged run to DATEV (or the sandbox) and record it in the ledger.

    ``wait``: seconds to wait for a previous transfer of the same Beleg-Art and month that
    DATEV is still processing (DATEV takes one at a time).

    >>> sent = send_run(package_run(mapped, out_dir=home / "packages",
    ...                             ledger=connection.ledger), connection)  # doctest: +SKIP
    """
    plan = packaged.mapped.plan
    if plan is not None:
        from workbench.calls import consultant_client_ids, transfer_expense_postings

        postings = transfer_expense_postings(
            plan,
            connection.datev,
            ledger=connection.ledger,
            client_ids=consultant_client_ids(connection.datev),
        )
        return SentRun(packaged=packaged, transfers=(), postings=postings)
    if not packaged.client:
        raise TransferError("Ohne Mandant kann nichts an DATEV übertragen werden.")
    from workbench.pipeline.talk import close_talks

    transfers = send_uploads(
        connection.ledger,
        connection.datev,
        packaged.uploads,
        client=packaged.client,
        kind=packaged.kind.value,
        progress=progress,
        wait=wait,
    )
    sent = SentRun(packaged=packaged, transfers=tuple(transfers))
    _log_document_checks(sent, connection.ledger)
    close_talks(sent, connection)
    return sent


def _log_document_checks(sent: SentRun, ledger: Ledger) -> None:
    """Keep each sent e-invoice's check result (schema, EN 16931, XRechnung) in its transfer's
    protocol: the audit log ``workbench status --protocol`` shows. An e-invoice is one file, so
    a ledger item belongs to the e-invoice of its source file."""
    from workbench.checks.einvoice import PROTOCOL_ACTION, check_protocol

    checked = sent.packaged.mapped.checked
    entries = {
        entry["file"]: entry
        for entry in check_protocol(checked.findings, checked.loaded.result.details)
    }
    if not entries:
        return
    for transfer in sent.transfers:
        files = dict.fromkeys(item["source_file"] for item in ledger.items(transfer.id))
        for file in files:
            if file in entries:
                ledger.log(PROTOCOL_ACTION, transfer.id, **entries[file])


def send_uploads(
    ledger: Ledger,
    datev: DatevClient,
    uploads: Sequence[Upload],
    *,
    client: str,
    kind: str,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> list[Transfer]:
    """Register and send each upload as one transfer, in order, holding the client's sending
    lock: a transfer in progress that no process sends was interrupted (``senders.py``)."""
    from workbench.transfer.jobs import register, send_transfer
    from workbench.transfer.senders import interrupted_message, sending

    with sending(ledger, client):
        if any(upload.channel == "dxso" for upload in uploads):
            busy = ledger.in_progress(client)
            if busy:  # we hold the lock: nobody sends it any more
                raise TransferError(interrupted_message(busy[0]))
        transfers = []
        for upload in uploads:
            transfer = register(ledger, client=client, kind=kind, upload=upload)
            transfers.append(
                send_transfer(ledger, datev, transfer.id, progress=progress, wait=wait)
            )
    return transfers


def transfer_action(connection: Connection, action: str, transfer_id: str) -> Transfer:
    """``resume``, ``retransfer`` or ``delete`` one transfer of the ledger (the expert actions
    of the CLI and the app). Items that reach DATEV this way close their talks, as in a
    transfer: the one that sent them first may have been interrupted before it could."""
    from workbench.pipeline.talk import close_talks_of
    from workbench.transfer import jobs
    from workbench.transfer.senders import sending

    operation = {
        "resume": jobs.send_transfer,
        "retransfer": jobs.retransfer,
        "delete": jobs.delete_transfer,
    }[action]
    with sending(connection.ledger, connection.ledger.get(transfer_id).client):
        transfer = operation(connection.ledger, connection.datev, transfer_id)
    if action != "delete":
        close_talks_of([transfer], connection)
    return transfer


def status_run(
    connection: Connection,
    transfer_ids: Sequence[str] | None = None,
    *,
    client: str | None = None,
    confirm: bool | Callable[[StatusResult], bool] = True,
) -> list[StatusResult]:
    """Ask DATEV for the status and protocol of transfers that have a DATEV job, and store it.

    ``confirm``: True stores at once (polling, reports), False only shows, a function is
    shown what DATEV said and decides per transfer (seed 004: the user confirms; it is also
    shown a status DATEV has already deleted, ``shown.gone``, which is never stored).
    Transfers default to every transfer (of ``client``, if given). One result per asked
    transfer.

    >>> status_run(connection, confirm=lambda shown: ask(shown.datev_status))  # doctest: +SKIP
    """
    from workbench.transfer.status import refresh_status

    ledger = connection.ledger
    transfers = (
        [ledger.get(identifier) for identifier in transfer_ids]
        if transfer_ids is not None
        else ledger.transfers(client=client)
    )
    results = []
    for transfer in transfers:
        if not transfer.job_id:
            continue
        if isinstance(confirm, bool):
            results.append(refresh_status(ledger, connection.datev, transfer.id, confirm=confirm))
            continue
        shown = refresh_status(ledger, connection.datev, transfer.id, confirm=False)
        if confirm(shown) and not shown.gone:
            shown = refresh_status(ledger, connection.datev, transfer.id, confirm=True)
        results.append(shown)
    return results
