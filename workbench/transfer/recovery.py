"""Keeping transfers unstuck: what happens after a crash or a failed call.

Every interrupted or failed dxso transfer ends in a state one command resolves, and the user is
told which: a transient failure (no answer, 429, 5xx) leaves it resumable; a rejection fails it
and deletes its open job at DATEV (else the group client / Beleg-Art / month stays blocked with
#DCO01001); #DCO01001 itself names the transfer that holds the group and the command that frees
it; a transfer without files never reaches DATEV.
"""

from __future__ import annotations

from workbench.errors import DatevApiError, TransferError
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger, Transfer

__all__ = ["TRANSIENT", "after_failure", "delete_open_job", "group_busy", "no_files"]


def no_files(ledger: Ledger, transfer: Transfer) -> None:
    """A transfer without files (its preparation was cut off, in a ledger from before the
    registration became one transaction) never goes to DATEV as an empty job: it fails, so its
    items are offered again."""
    message = (
        f"Die Übertragung {transfer.id} hat keine registrierten Dateien (ihre Vorbereitung wurde "
        f"unterbrochen); sie wird nicht übertragen, ihre Positionen werden wieder angeboten. "
        f"Übertragen Sie die Daten erneut mit 'workbench transfer'."
    )
    ledger.update(transfer.id, action="ohne Dateien", local_status="Fehlgeschlagen", error=message)
    raise TransferError(message)


def group_busy(ledger: Ledger, transfer: Transfer, unknown_job: bool) -> str:
    """The message for #DCO01001 at job creation: which transfer holds the group (client,
    Beleg-Art, month) and the command that frees it."""
    group = f"{transfer.document_kind} {transfer.month} (Mandant {transfer.client})"
    holders = [
        other
        for other in ledger.transfers(client=transfer.client)
        if other.id != transfer.id
        and other.job_id
        and other.document_kind == transfer.document_kind
        and other.month == transfer.month
        and other.local_status != "Gelöscht"
        and other.datev_status in (None, "0", "1")
    ]
    if holders:
        holder = holders[-1]
        if holder.local_status == "Transferiert":
            action = (
                f"DATEV verarbeitet sie noch: 'workbench status {holder.id} --refresh', "
                f"danach 'workbench resume {transfer.id}'"
            )
        else:
            action = (
                f"setzen Sie sie fort ('workbench resume {holder.id}') oder löschen Sie sie "
                f"('workbench delete {holder.id}'), danach 'workbench resume {transfer.id}'"
            )
        return (
            f"DATEV nimmt für {group} keinen neuen Job an (#DCO01001): die Übertragung "
            f"{holder.id} ({holder.local_status}) hält noch den Job {holder.job_id}; {action}."
        )
    if unknown_job:
        return (
            f"DATEV nimmt für {group} keinen neuen Job an (#DCO01001). Die Übertragung "
            f"{transfer.id} wurde abgebrochen, während DATEV ihren Job anlegte; dessen Nummer "
            f"wurde nicht mehr gespeichert, und DATEVs Schnittstelle kann offene Jobs weder "
            f"auflisten noch ohne Nummer löschen. Lassen Sie den offenen, leeren Job für {group} "
            f"in DATEV Unternehmen online bzw. vom DATEV-Support löschen und setzen Sie dann "
            f"fort: 'workbench resume {transfer.id}'."
        )
    return (
        f"DATEV nimmt für {group} keinen neuen Job an (#DCO01001): dort ist noch ein Job offen, "
        f"den dieses Übertragungsprotokoll nicht kennt (von einem anderen Arbeitsplatz?). "
        f"Schließen Sie jene Übertragung ab und setzen Sie dann fort: "
        f"'workbench resume {transfer.id}'."
    )


#: Answers after which DATEV did nothing with the request: resuming later sends it again (401:
#: the token ran out even after a refresh; nothing about the data was refused).
TRANSIENT = (None, 401, 408, 429, 500, 502, 503, 504)


def after_failure(
    ledger: Ledger, datev: DatevClient, transfer: Transfer, error: DatevApiError
) -> DatevApiError:
    """After a failed call the transfer is never left stuck: a transient failure (no answer,
    429, 5xx) leaves it resumable; a rejection fails it and deletes its open job at DATEV, so
    the group (client, Beleg-Art, month) is free again. The returned error says which."""
    transfer = ledger.get(transfer.id)
    if error.status in TRANSIENT:
        ledger.log("unterbrochen", transfer.id, error=str(error))
        what = (
            f"Setzen Sie sie fort, wenn DATEV wieder antwortet: 'workbench resume {transfer.id}'."
        )
    else:
        freed = delete_open_job(datev, transfer)
        ledger.update(
            transfer.id,
            action="fehlgeschlagen",
            local_status="Fehlgeschlagen",
            error=str(error),
            **({"job_id": None} if freed else {}),
        )
        again = f"'workbench retransfer {transfer.id}' oder 'workbench transfer …'"
        if not freed:
            what = (
                f"Löschen Sie sie mit 'workbench delete {transfer.id}', bevor Sie neu übertragen."
            )
        elif transfer.job_id is None:  # DATEV refused to create the job (e.g. #DCO01002)
            what = f"Bei DATEV wurde kein Job angelegt; nach der Korrektur: {again}."
        else:
            what = (
                f"Ihr offener Job {transfer.job_id} wurde bei DATEV gelöscht; nach der "
                f"Korrektur: {again}."
            )
    return DatevApiError(
        f"{error} Die Übertragung {transfer.id} ist "
        f"{'unterbrochen' if error.status in TRANSIENT else 'fehlgeschlagen'}. {what}",
        status=error.status,
        code=error.code,
        request_id=error.request_id,
    )


def delete_open_job(datev: DatevClient, transfer: Transfer) -> bool:
    """Delete the transfer's job at DATEV while it is open (status 0); True when none is left."""
    if not transfer.job_id:
        return True
    try:
        if int(datev.dxso_job(transfer.client, transfer.job_id)["status"]) != 0:
            return False
        datev.delete_dxso_job(transfer.client, transfer.job_id)
    except DatevApiError as error:
        return error.status == 404
    return True
