"""Where a transfer stands: DATEV's status and protocol, failures, the JSON shape of a transfer.

Both channels (dxso packages and EXTF files) share these; the sending modules
(``jobs.py``, ``extf_jobs.py``) record their failures here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger, Transfer
from workbench.transfer.recovery import TRANSIENT

__all__ = ["FAILED_STATUSES", "StatusResult", "describe", "record_failure", "refresh_status"]

#: DATEV statuses (as shown, seed 004) that need the user's attention: the processing in DATEV
#: Unternehmen online failed in full or in part, or a cancellation failed.
FAILED_STATUSES = ("Abgebrochen", "Zu Prüfen", "Storniert mit Fehler")


@dataclass(frozen=True)
class StatusResult:
    """What DATEV said now, and whether it was stored (only after the user confirmed)."""

    transfer: Transfer
    datev_status: str | None
    protocol: list[dict] | None
    gone: bool
    saved: bool


def refresh_status(
    ledger: Ledger, datev: DatevClient, transfer_id: str, *, confirm: bool
) -> StatusResult:
    """Ask DATEV for status and protocol; store them only when ``confirm`` (seed 004).

    After DATEV deleted status and protocol (404, about two months), the last stored values
    stay and ``gone`` is true.
    """
    transfer = ledger.get(transfer_id)
    if not transfer.job_id:
        return StatusResult(transfer, transfer.datev_status, transfer.protocol, False, False)
    try:
        if transfer.channel == "extf":
            job = datev.extf_job(transfer.client, transfer.job_id)
            status = str(job.get("result"))
            protocol = [job["validation_details"]] if job.get("validation_details") else []
        else:
            status = str(datev.dxso_job(transfer.client, transfer.job_id)["status"])
            # whole: a large transfer's first thousand lines are receipt confirmations, the
            # rejections come after them (seed 004's 1,000 lines limit a vendor's display)
            protocol = datev.dxso_protocol(transfer.client, transfer.job_id)
    except DatevApiError as error:
        if error.status == 404:
            if confirm:
                ledger.log("status: bei DATEV gelöscht", transfer.id)
            return StatusResult(transfer, transfer.datev_status, transfer.protocol, True, False)
        raise
    if not confirm:
        return StatusResult(transfer, status, protocol, False, False)
    updated = ledger.update(
        transfer.id,
        action="status aktualisiert",
        datev_status=status,
        protocol=protocol,
        protocol_fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return StatusResult(updated, status, protocol, False, True)


def record_failure(ledger: Ledger, transfer_id: str, error: DatevApiError) -> None:
    """DATEV said no: the transfer failed. No answer at all, or "try again later" (401 after
    the refresh, 429, 5xx): it was only interrupted, the ledger still says where it stood, and
    the next call resumes."""
    if error.status in TRANSIENT:
        ledger.log("unterbrochen", transfer_id, error=str(error))
    else:
        ledger.update(
            transfer_id, action="fehlgeschlagen", local_status="Fehlgeschlagen", error=str(error)
        )


def describe(ledger: Ledger, transfer: Transfer) -> dict:
    """The JSON shape of ``workbench status --format json`` (ARCHITECTURE §4.1)."""
    return {
        "id": transfer.id,
        "client": transfer.client,
        "kind": transfer.kind,
        "month": transfer.month,
        "document_kind": transfer.document_kind,
        "items": len(ledger.items(transfer.id)),
        "local_status": transfer.local_status,
        "datev_status": transfer.datev_status_text,
        "job_ids": [transfer.job_id] if transfer.job_id else [],
    }
