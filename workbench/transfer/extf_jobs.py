"""Sending EXTF files (Buchungsdatenservice): one Buchungsstapel file per transfer, resumable.

The package stage (``workbench/pipeline/package.py``) writes the file, with DATEV's own
``Buchungs GUID`` on every booking, and the ledger's items name each booking's line, so DATEV's
``affected_elements`` ("Zeile 17, Konto") lead back to the source row. The upload sends the
transfer id as ``Reference-Id``: if the process dies after DATEV accepted the file but before
the job id was stored, the job is found again in DATEV's job list instead of uploading twice.
Belegbilder the bookings link to (``Beleglink``) go to the Belegbilderservice first
(``belegbilder.py``).
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import DatevApiError
from workbench.transfer.belegbilder import listed_belegbilder, upload_belegbilder
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger, Transfer
from workbench.transfer.recovery import TRANSIENT
from workbench.transfer.status import record_failure

__all__ = ["send_extf"]


def send_extf(ledger: Ledger, datev: DatevClient, transfer_id: str) -> Transfer:
    """Upload the transfer's EXTF file once; after a crash, find the job by its Reference-Id."""
    transfer = ledger.get(transfer_id)
    if transfer.job_id or transfer.local_status in ("Transferiert", "Gelöscht"):
        return transfer
    [entry] = ledger.files(transfer.id)
    if entry["upload_started_at"]:
        found = [
            job
            for job in datev.list_extf_jobs(transfer.client)
            if job.get("reference_id") == transfer.id
        ]
        if found:
            return ledger.update(
                transfer.id,
                action="fortgesetzt: Import gefunden",
                job_id=found[0]["id"],
                local_status="Transferiert",
                datev_status=str(found[0].get("result", "pending")),
            )
    path = Path(transfer.package_path or "")
    ledger.update(transfer.id, action="übertragen", local_status="In Übertragung")
    try:
        # the Beleglinks must lead somewhere before the bookings arrive
        upload_belegbilder(
            datev,
            transfer.client,
            listed_belegbilder(path),
            ledger=ledger,
            transfer_id=transfer.id,
        )
    except DatevApiError as error:
        record_failure(ledger, transfer.id, error)
        raise
    ledger.mark_upload_started(transfer.id, entry["name"])
    try:
        job = datev.upload_extf(
            transfer.client, path.name, path.read_bytes(), reference_id=transfer.id
        )
    except DatevApiError as error:
        record_failure(ledger, transfer.id, error)
        how = (
            f"Die Übertragung {transfer.id} ist unterbrochen; setzen Sie sie fort: "
            f"'workbench resume {transfer.id}'."
            if error.status in TRANSIENT
            else f"Die Übertragung {transfer.id} ist fehlgeschlagen; nach der Korrektur: "
            f"'workbench retransfer {transfer.id}'."
        )
        raise DatevApiError(
            f"{error} {how}", status=error.status, code=error.code, request_id=error.request_id
        ) from error
    ledger.mark_uploaded(transfer.id, entry["name"])
    return ledger.update(
        transfer.id,
        action="übertragen",
        job_id=job,
        local_status="Transferiert",
        datev_status="pending",
    )
