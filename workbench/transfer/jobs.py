"""Transfers to DATEV as resumable state machines, recorded step by step in the ledger.

The package stage (``workbench/pipeline/package.py``) writes what goes to DATEV and describes
each transfer as an :class:`Upload`; :func:`register` records it in the ledger and
:func:`send_transfer` sends it. Nothing here builds files.

A dxso transfer (XML-Schnittstelle online) goes ``Neu`` → ``In Vorbereitung`` →
``Vorbereitet zur Übertragung`` (files registered with their hashes) → ``In Übertragung`` (DATEV
job created, files uploading) → ``Transferiert`` (job finalised; DATEV processes it). Each step
is written to the ledger before the next one starts, so :func:`send_dxso` can be called again
after a crash at any point and continues without duplicating anything:

* a file whose upload had started but was not confirmed may or may not be at DATEV; the open job
  is then deleted (allowed in status 0) and the package uploaded again into a fresh job;
* a job that was finalised before the crash is recognised by its DATEV status (≥ 1).

EXTF transfers (Buchungsdatenservice) are sent by ``extf_jobs.py``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DatevApiError, TransferError
from workbench.transfer.client import DatevClient
from workbench.transfer.extf_jobs import send_extf
from workbench.transfer.folders import fit_package_folder
from workbench.transfer.ledger import ITEM_FIELDS, Ledger, Transfer
from workbench.transfer.media_types import media_type
from workbench.transfer.recovery import after_failure, delete_open_job, group_busy, no_files
from workbench.transfer.status import refresh_status

__all__ = [
    "IMPORT_TYPES",
    "Upload",
    "delete_transfer",
    "pending_items",
    "register",
    "retransfer",
    "send_dxso",
    "send_transfer",
]

log = logging.getLogger(__name__)

#: Beleg-Art -> dxso import type.
IMPORT_TYPES = {
    "Rechnungseingang": "accountsPayableLedgerImport",
    "Rechnungsausgang": "accountsReceivableLedgerImport",
    "Kasse": "cashLedgerImport",
}

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Upload:
    """What one transfer sends, as the package stage wrote it.

    ``channel`` ``dxso``: ``path`` is an XML package folder (document.xml + data files +
    Belegbilder); ``extf``: ``path`` is one EXTF file. ``items`` are the ledger items it carries
    (``ITEM_FIELDS``; ``record_ref`` says where in the files each item is).
    """

    channel: str
    path: Path
    month: str | None
    document_kind: str
    items: tuple[dict, ...]
    package_no: int = 1
    max_files_reached: bool = False
    #: An explicit re-transfer (``backfill --mode all``): the live transfer these items were
    #: sent with before; without it the ledger refuses items that are already transferred.
    retransfer_of: str | None = None

    def files(self) -> list[Path]:
        """The files to upload, in upload order (document.xml last: DATEV starts reading a
        package from its description)."""
        if self.channel == "extf":
            return [self.path]
        files = sorted(path for path in self.path.iterdir() if path.is_file())
        return [path for path in files if path.name != "document.xml"] + [
            path for path in files if path.name == "document.xml"
        ]


def pending_items(ledger: Ledger, client: str, item_ids: list[str]) -> set[str]:
    """The item ids not yet in a live transfer of ``client``."""
    done = ledger.transferred_items(client, item_ids)
    return {item for item in item_ids if item not in done}


def register(ledger: Ledger, *, client: str, kind: str, upload: Upload) -> Transfer:
    """Record an upload as a new transfer with its items and files, ready to send, in one
    ledger transaction (never a transfer with items but no files)."""
    return ledger.create(
        client=client,
        kind=kind,
        channel=upload.channel,
        month=upload.month,
        document_kind=upload.document_kind,
        items=[{key: item[key] for key in ITEM_FIELDS} for item in upload.items],
        package_no=upload.package_no,
        package_path=str(upload.path),
        max_files_reached=upload.max_files_reached,
        retransfer_of=upload.retransfer_of,
        files=[_file_entry(path) for path in upload.files()],
    )


def _file_entry(path: Path) -> tuple[str, str, int]:
    """``(name, sha256, size)`` of a file to upload, from one read."""
    content = path.read_bytes()
    return path.name, hashlib.sha256(content).hexdigest(), len(content)


def send_transfer(
    ledger: Ledger,
    datev: DatevClient,
    transfer_id: str,
    *,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> Transfer:
    """Send a registered transfer, or continue an interrupted one from where the ledger says
    it stopped (``workbench resume``)."""
    transfer = ledger.get(transfer_id)
    if transfer.channel == "extf":
        return send_extf(ledger, datev, transfer_id)
    return send_dxso(ledger, datev, transfer_id, progress=progress, wait=wait)


def _wait_for_previous(
    ledger: Ledger,
    datev: DatevClient,
    transfer: Transfer,
    *,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """DATEV takes one job per Beleg-Art and month at a time: let the previous one finish."""
    deadline = time.monotonic() + wait
    while True:
        busy = [
            other
            for other in ledger.transfers(client=transfer.client)
            if other.id != transfer.id
            and other.channel == "dxso"
            and other.document_kind == transfer.document_kind
            and other.month == transfer.month
            and other.local_status == "Transferiert"
            and other.datev_status in ("0", "1")
        ]
        for other in busy:
            refresh_status(ledger, datev, other.id, confirm=True)
        busy = [other for other in busy if ledger.get(other.id).datev_status in ("0", "1")]
        if not busy:
            return
        if time.monotonic() >= deadline:
            raise TransferError(
                f"Die vorherige Übertragung {busy[0].id} ({transfer.document_kind}, "
                f"{transfer.month}) wird bei DATEV noch verarbeitet; DATEV nimmt je Beleg-Art und "
                f"Monat nur eine Übertragung gleichzeitig an. Aktualisieren Sie den Status und "
                f"setzen Sie die Übertragung {transfer.id} danach fort."
            )
        sleep(1.0)


def send_dxso(
    ledger: Ledger,
    datev: DatevClient,
    transfer_id: str,
    *,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> Transfer:
    """Create the DATEV job, upload every file once, finalise; resumes after a crash.

    ``wait``: seconds to wait for a previous transfer of the same Beleg-Art and month that DATEV
    is still processing.
    """
    transfer = ledger.get(transfer_id)
    if transfer.local_status in ("Transferiert", "Gelöscht"):
        return transfer
    if transfer.document_kind not in IMPORT_TYPES:
        raise TransferError(
            f"Die Beleg-Art '{transfer.document_kind}' kann nicht über die "
            f"XML-Schnittstelle übertragen werden."
        )
    if not ledger.files(transfer.id):
        no_files(ledger, transfer)
    if transfer.job_id:
        transfer = _resume_job(ledger, datev, transfer)
        if transfer.local_status == "Transferiert":
            return transfer
    if not transfer.job_id:
        _wait_for_previous(ledger, datev, transfer, wait=wait)
        transfer = _create_job(ledger, datev, transfer)
    try:
        fit_package_folder(ledger, transfer)
        _upload_missing(ledger, datev, transfer, progress)
        _finalize(datev, transfer)
    except DatevApiError as error:
        raise after_failure(ledger, datev, transfer, error) from error
    return ledger.update(
        transfer.id, action="übertragen", local_status="Transferiert", datev_status="0"
    )


def _create_job(ledger: Ledger, datev: DatevClient, transfer: Transfer) -> Transfer:
    """Create the DATEV job; the intent is in the ledger before the call, so a crash between
    DATEV creating the job and the ledger storing its id is known on the next run. What DATEV
    says about the Beleg-Art's folders (its answer names them, or #DCO01002 says there are
    none) goes into the folder cache, so that the checks know them from now on without ever
    creating a job themselves."""
    from workbench.clients import remember_folders

    unknown_job = transfer.local_status == "In Übertragung"  # intent recorded, no id stored
    month = transfer.month
    if month is None:
        raise TransferError(
            f"Der Übertragung {transfer.id} fehlt der Buchungsmonat; DATEV legt die "
            f"Datenübertragung je Buchungsmonat an. Bereiten Sie die Übertragung neu vor: "
            f"'workbench delete {transfer.id}', dann 'workbench transfer …'."
        )
    ledger.update(transfer.id, action="job wird angelegt", local_status="In Übertragung")
    document_kind = transfer.document_kind or ""
    import_type = IMPORT_TYPES[document_kind]
    try:
        job = datev.create_dxso_job(
            transfer.client, import_type=import_type, accounting_month=month
        )
    except DatevApiError as error:
        if error.code == "#DCO01002":
            remember_folders(transfer.client, document_kind, [], month=month)
        if error.code == "#DCO01001":
            raise TransferError(group_busy(ledger, transfer, unknown_job)) from error
        raise after_failure(ledger, datev, transfer, error) from error
    names = job.get(
        "cash_ledger_names" if import_type == "cashLedgerImport" else "ledger_folder_names"
    )
    remember_folders(transfer.client, document_kind, list(names or []), month=month)
    return ledger.update(transfer.id, action="job angelegt", job_id=job["id"])


def _job_id(transfer: Transfer) -> str:
    if not transfer.job_id:
        raise TransferError(f"Die Übertragung {transfer.id} hat keinen DATEV-Job.")
    return transfer.job_id


def _finalize(datev: DatevClient, transfer: Transfer) -> None:
    try:
        datev.finalize_dxso_job(transfer.client, _job_id(transfer))
    except DatevApiError as error:
        # #DCO01007: already finalised, i.e. we crashed after DATEV accepted the finalisation.
        if error.code != "#DCO01007":
            raise


def _resume_job(ledger: Ledger, datev: DatevClient, transfer: Transfer) -> Transfer:
    try:
        status = int(datev.dxso_job(transfer.client, _job_id(transfer))["status"])
    except DatevApiError as error:
        if error.status != 404:
            raise
        status = None
    if status is not None and status >= 1:
        # Finalised before the crash: DATEV already has everything.
        return ledger.update(
            transfer.id,
            action="fortgesetzt: bereits abgeschlossen",
            local_status="Transferiert",
            datev_status=str(status),
        )
    files = ledger.files(transfer.id)
    unclear = [f["name"] for f in files if f["upload_started_at"] and not f["uploaded_at"]]
    if status is None or unclear:
        if status == 0:
            datev.delete_dxso_job(transfer.client, _job_id(transfer))
        ledger.reset_uploads(transfer.id)
        return ledger.update(
            transfer.id,
            action="fortgesetzt: neuer Job",
            job_id=None,
            error=(
                f"Upload von {', '.join(unclear)} war unterbrochen; "
                f"das Paket wird vollständig neu übertragen."
                if unclear
                else "Job bei DATEV nicht mehr vorhanden."
            ),
        )
    ledger.log("fortgesetzt", transfer.id, job_id=transfer.job_id)
    return transfer


#: Uploads share one ledger transaction per batch: "upload started" is written for the whole
#: batch before its first byte goes out, "uploaded" for every file DATEV confirmed, once the
#: batch is through or broke off. A crash inside a batch leaves its unconfirmed files unclear,
#: and one unclear file already sends the whole package into a fresh job (``_resume_job``), as
#: with one mark per file; a crash between batches resumes in the same job. Batches double from
#: one file (a small package keeps nearly per-file marks, and a first upload DATEV refuses
#: stops the rest early) up to this many files or bytes: two commits per batch instead of two
#: per file.
UPLOAD_BATCH_FILES = 256
UPLOAD_BATCH_BYTES = 16 * 1024 * 1024


def _upload_missing(
    ledger: Ledger, datev: DatevClient, transfer: Transfer, progress: Progress | None
) -> None:
    files = ledger.files(transfer.id)
    folder = Path(transfer.package_path or "")
    total = len(files)
    missing = [(n, entry) for n, entry in enumerate(files, start=1) if not entry["uploaded_at"]]
    for batch in _batches(missing):
        contents = [_registered_content(folder, entry, transfer) for _, entry in batch]
        ledger.mark_upload_started(transfer.id, *(entry["name"] for _, entry in batch))
        confirmed: list[str] = []
        try:
            for (number, entry), content in zip(batch, contents, strict=True):
                name = entry["name"]
                datev.upload_dxso_file(
                    transfer.client, _job_id(transfer), name, content, media_type(name)
                )
                confirmed.append(name)
                if progress:
                    progress(number, total, name)
        finally:
            if confirmed:
                ledger.mark_uploaded(transfer.id, *confirmed)


def _batches(files: list[tuple[int, dict]]) -> list[list[tuple[int, dict]]]:
    """``files`` cut into upload batches of 1, 2, 4 … up to UPLOAD_BATCH_FILES files, each at
    most UPLOAD_BATCH_BYTES bytes unless one file alone is larger."""
    batches: list[list[tuple[int, dict]]] = []
    size = 0
    for numbered in files:
        entry_size = int(numbered[1]["size"])
        full = not batches or len(batches[-1]) >= min(2 ** (len(batches) - 1), UPLOAD_BATCH_FILES)
        if full or size + entry_size > UPLOAD_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(numbered)
        size += entry_size
    return batches


def _registered_content(folder: Path, entry: dict, transfer: Transfer) -> bytes:
    """The file's bytes, exactly as registered (same SHA-256), read before its batch starts."""
    path = folder / entry["name"]
    content = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(content).hexdigest() != entry["sha256"]:
        raise TransferError(
            f"Die Datei {path} fehlt oder wurde seit der Vorbereitung verändert. Bereiten "
            f"Sie die Übertragung neu vor: 'workbench delete {transfer.id}', dann "
            f"'workbench transfer …' mit denselben Quelldateien.",
            file=entry["name"],
        )
    return content


def delete_transfer(ledger: Ledger, datev: DatevClient, transfer_id: str) -> Transfer:
    """Delete a transfer DATEV has not started processing, or one it did not process at all
    (status 3, EXTF ``failed``); its items become free again for a corrected transfer."""
    transfer = ledger.get(transfer_id)
    if transfer.local_status == "Gelöscht":
        return transfer
    if transfer.local_status == "Fehlgeschlagen" or transfer.datev_status in ("3", "failed"):
        # DATEV processed nothing of it: the items become free for a corrected transfer, and an
        # open job is deleted at DATEV too (it would block the group with #DCO01001).
        if transfer.channel == "dxso" and transfer.datev_status in (None, "0"):
            delete_open_job(datev, transfer)
        return ledger.update(transfer.id, action="löschen", local_status="Gelöscht")
    if transfer.job_id:
        status = int(datev.dxso_job(transfer.client, _job_id(transfer))["status"])
        if status != 0:
            raise TransferError(
                f"Die Übertragung {transfer.id} ist bei DATEV bereits in Verarbeitung oder "
                f"verarbeitet (Status {status}) und kann nicht mehr gelöscht werden."
            )
        datev.delete_dxso_job(transfer.client, transfer.job_id)
    elif transfer.local_status == "Transferiert":
        raise TransferError(f"Die Übertragung {transfer.id} ist bereits übertragen.")
    return ledger.update(transfer.id, action="löschen", local_status="Gelöscht")


def retransfer(
    ledger: Ledger,
    datev: DatevClient,
    transfer_id: str,
    *,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> Transfer:
    """Send a failed transfer's package again as a new transfer (seed 004's "neu starten").

    Only for transfers that failed locally or that DATEV did not process completely (status 3,
    4 or 6, EXTF ``failed``); the new transfer records which one it repeats.
    """
    old = ledger.get(transfer_id)
    failed = old.local_status == "Fehlgeschlagen" or old.datev_status in ("3", "4", "6", "failed")
    if not failed or old.local_status == "Gelöscht":
        raise TransferError(
            f"Die Übertragung {old.id} ist nicht fehlgeschlagen "
            f"({old.local_status}, DATEV: {old.datev_status_text or '–'}); "
            f"neu übertragen lassen sich nur fehlgeschlagene Übertragungen."
        )
    if old.channel == "dxso" and old.job_id and old.datev_status in (None, "0"):
        delete_open_job(datev, old)  # its open job would block the group (#DCO01001)
    items = [{key: item[key] for key in ITEM_FIELDS} for item in ledger.items(old.id)]
    new = ledger.create(
        client=old.client,
        kind=old.kind,
        channel=old.channel,
        month=old.month,
        document_kind=old.document_kind,
        items=items,
        package_no=old.package_no,
        package_path=old.package_path,
        max_files_reached=old.max_files_reached,
        retransfer_of=old.id,
        files=[(entry["name"], entry["sha256"], entry["size"]) for entry in ledger.files(old.id)],
    )
    return send_transfer(ledger, datev, new.id, progress=progress, wait=wait)
