"""Transfers to DATEV as resumable state machines, recorded step by step in the ledger.

A dxso transfer (XML-Schnittstelle online) goes ``Neu`` → ``Vorbereitet zur Übertragung``
(files registered with their hashes) → ``In Übertragung`` (DATEV job created, files uploading)
→ ``Transferiert`` (job finalised; DATEV processes it). Each step is written to the ledger
before the next one starts, so :func:`send_dxso` can be called again after a crash at any point
and continues without duplicating anything:

* a file whose upload had started but was not confirmed may or may not be at DATEV; the open job
  is then deleted (allowed in status 0) and the package uploaded again into a fresh job;
* a job that was finalised before the crash is recognised by its DATEV status (≥ 1).

Items are grouped per client, Buchungsmonat and Beleg-Art (seed 004); all not yet transferred
items of a group go together; a package that hit the file limit continues in the next package.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.datev.limits import MAX_FILES_PER_PACKAGE
from workbench.errors import DatevApiError, TransferError
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger, Transfer

__all__ = [
    "IMPORT_TYPES",
    "StatusResult",
    "content_hashes",
    "delete_transfer",
    "describe",
    "pending_items",
    "record_failure",
    "refresh_status",
    "register_package",
    "resume",
    "retransfer",
    "send_dxso",
    "transfer_records",
]

#: Lineage columns that travel with mapped records but are not DATEV elements.
LINEAGE = ("item_id", "source_file", "source_row")

log = logging.getLogger(__name__)

#: Beleg-Art -> dxso import type.
IMPORT_TYPES = {
    "Rechnungseingang": "accountsPayableLedgerImport",
    "Rechnungsausgang": "accountsReceivableLedgerImport",
    "Kasse": "cashLedgerImport",
}
_MEDIA_TYPES = {
    ".xml": "text/xml",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
}

Progress = Callable[[int, int, str], None]


def content_hashes(records: pl.DataFrame, *, exclude: tuple[str, ...] = ()) -> pl.Series:
    """A stable SHA-256 per record over its DATEV values (same values, same hash, any run)."""
    columns = sorted(column for column in records.columns if column not in exclude)
    texts = records.select(
        pl.concat_str(
            [pl.col(column).cast(pl.String).fill_null("\u2400") for column in columns],
            separator="\u241f",
        )
    ).to_series()
    return pl.Series(
        "content_hash", [hashlib.sha256(text.encode()).hexdigest() for text in texts.to_list()]
    )


def pending_items(ledger: Ledger, client: str, item_ids: list[str]) -> set[str]:
    """The item ids not yet in a live transfer of ``client``."""
    done = ledger.transferred_items(client, item_ids)
    return {item for item in item_ids if item not in done}


def register_package(
    ledger: Ledger,
    *,
    client: str,
    kind: str,
    package_path: Path,
    month: str,
    document_kind: str,
    items: list[dict],
    package_no: int,
    max_files_reached: bool,
    retransfer_of: str | None = None,
) -> Transfer:
    """Record a written package as a new transfer with its items and files."""
    transfer = ledger.create(
        client=client,
        kind=kind,
        channel="dxso",
        month=month,
        document_kind=document_kind,
        items=items,
        package_no=package_no,
        package_path=str(package_path),
        max_files_reached=max_files_reached,
        retransfer_of=retransfer_of,
    )
    ledger.update(transfer.id, action="vorbereiten", local_status="In Vorbereitung")
    files = _package_files(package_path)
    ledger.add_files(
        transfer.id, [(path.name, _sha256(path), path.stat().st_size) for path in files]
    )
    return ledger.update(
        transfer.id, action="vorbereitet", local_status="Vorbereitet zur Übertragung"
    )


def _package_files(package_path: Path) -> list[Path]:
    # document.xml last: DATEV starts reading a package from its description.
    files = sorted(path for path in package_path.iterdir() if path.is_file())
    return [path for path in files if path.name != "document.xml"] + [
        path for path in files if path.name == "document.xml"
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    if transfer.job_id:
        transfer = _resume_job(ledger, datev, transfer)
        if transfer.local_status == "Transferiert":
            return transfer
    if not transfer.job_id:
        _wait_for_previous(ledger, datev, transfer, wait=wait)
    try:
        if not transfer.job_id:
            job = datev.create_dxso_job(
                transfer.client,
                import_type=IMPORT_TYPES[transfer.document_kind],
                accounting_month=transfer.month,
            )
            transfer = ledger.update(
                transfer.id, action="job angelegt", job_id=job["id"], local_status="In Übertragung"
            )
        _upload_missing(ledger, datev, transfer, progress)
        _finalize(datev, transfer)
    except DatevApiError as error:
        record_failure(ledger, transfer.id, error)
        raise
    return ledger.update(
        transfer.id, action="übertragen", local_status="Transferiert", datev_status="0"
    )


def record_failure(ledger: Ledger, transfer_id: str, error: DatevApiError) -> None:
    """DATEV said no: the transfer failed. No answer at all: it was only interrupted, the
    ledger still says where it stood, and the next call resumes."""
    if error.status is None:
        ledger.log("unterbrochen", transfer_id, error=str(error))
    else:
        ledger.update(
            transfer_id, action="fehlgeschlagen", local_status="Fehlgeschlagen", error=str(error)
        )


def _finalize(datev: DatevClient, transfer: Transfer) -> None:
    try:
        datev.finalize_dxso_job(transfer.client, transfer.job_id)
    except DatevApiError as error:
        # #DCO01007: already finalised, i.e. we crashed after DATEV accepted the finalisation.
        if error.code != "#DCO01007":
            raise


def _resume_job(ledger: Ledger, datev: DatevClient, transfer: Transfer) -> Transfer:
    try:
        status = int(datev.dxso_job(transfer.client, transfer.job_id)["status"])
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
            datev.delete_dxso_job(transfer.client, transfer.job_id)
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


def _upload_missing(
    ledger: Ledger, datev: DatevClient, transfer: Transfer, progress: Progress | None
) -> None:
    files = ledger.files(transfer.id)
    folder = Path(transfer.package_path or "")
    total = len(files)
    for number, entry in enumerate(files, start=1):
        if entry["uploaded_at"]:
            continue
        path = folder / entry["name"]
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            raise TransferError(
                f"Die Datei {path} wurde seit der Vorbereitung verändert. "
                f"Bereiten Sie die Übertragung neu vor.",
                file=entry["name"],
            )
        ledger.mark_upload_started(transfer.id, entry["name"])
        datev.upload_dxso_file(
            transfer.client,
            transfer.job_id,
            entry["name"],
            content,
            _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        )
        ledger.mark_uploaded(transfer.id, entry["name"])
        if progress:
            progress(number, total, entry["name"])


def transfer_records(
    ledger: Ledger,
    datev: DatevClient,
    *,
    client: str,
    records: pl.DataFrame,
    out_dir: Path,
    kind: str = "receipts",
    month: str | None = None,
    document_kind: str | None = None,
    max_files: int = MAX_FILES_PER_PACKAGE,
    folders: dict[str, str] | None = None,
    retransfer_of: str | None = None,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> list[Transfer]:
    """Package and send all not yet transferred records, one transfer per package.

    ``records`` are LedgerImport records (XSD element columns, ``document_id``,
    ``document_kind``, ``accounting_month``, optional ``attachment``) plus the lineage columns
    ``item_id``, ``source_file`` and ``source_row``. ``month`` / ``document_kind`` restrict the
    groups (seed 004 transfers one Buchungsmonat and Beleg-Art at a time). ``folders`` names
    the Rechnungsordner / Kassenbuch per Beleg-Art (seed 004's Ziel-Ordner).
    """
    from workbench.datev.package import build_packages

    if retransfer_of is None:
        pending = pending_items(ledger, client, records["item_id"].to_list())
        records = records.filter(pl.col("item_id").is_in(list(pending)))
    if month:
        records = records.filter(pl.col("accounting_month") == month)
    if document_kind:
        records = records.filter(pl.col("document_kind") == document_kind)
    if records.is_empty():
        return []
    busy = ledger.in_progress(client)
    if busy:
        raise TransferError(
            f"Für den Mandanten {client} läuft bereits die Übertragung {busy[0].id} "
            f"({busy[0].local_status}). Setzen Sie sie zuerst fort oder löschen Sie sie."
        )
    hashes = content_hashes(records, exclude=LINEAGE)
    lineage = records.select(*LINEAGE).with_columns(hashes)
    result = build_packages(
        records.drop(*LINEAGE), out_dir=out_dir, client=client, max_files=max_files, folders=folders
    )
    manifest = result.manifest.with_columns(pl.col("row").cast(pl.Int64))
    transfers = []
    for number, package in enumerate(result.packages, start=1):
        rows = manifest.filter(pl.col("package") == package.name)
        items = (
            lineage.with_row_index("row")
            .with_columns(pl.col("row").cast(pl.Int64))
            .join(rows, on="row")
            .with_columns(
                pl.concat_str(
                    "package",
                    pl.lit("/"),
                    "datafile",
                    pl.lit("#"),
                    pl.col("consolidate").cast(pl.String),
                    pl.lit("/"),
                    pl.col("record").cast(pl.String),
                ).alias("record_ref")
            )
        )
        transfer = register_package(
            ledger,
            client=client,
            kind=kind,
            package_path=package.path,
            month=package.accounting_month,
            document_kind=package.document_kind,
            items=_one_per_item(items),
            package_no=number,
            max_files_reached=package.max_files_reached,
            retransfer_of=retransfer_of,
        )
        transfers.append(send_dxso(ledger, datev, transfer.id, progress=progress, wait=wait))
    return transfers


def _one_per_item(items: pl.DataFrame) -> list[dict]:
    """One ledger entry per item, even when an item became several records (an invoice's
    positions): its hash covers all its records, its place is its first record."""
    return (
        items.sort("row")
        .group_by("item_id", maintain_order=True)
        .agg(
            pl.col("content_hash").str.join(",").alias("hashes"),
            pl.col("source_file", "source_row", "record_ref").first(),
        )
        .with_columns(
            pl.col("hashes")
            .map_elements(
                lambda joined: hashlib.sha256(joined.encode()).hexdigest(), return_dtype=pl.String
            )
            .alias("content_hash")
        )
        .select("item_id", "content_hash", "source_file", "source_row", "record_ref")
        .to_dicts()
    )


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
            protocol = datev.dxso_protocol(transfer.client, transfer.job_id)[:1000]
    except DatevApiError as error:
        if error.status == 404:
            if confirm:
                ledger.log("status: bei DATEV gelöscht", transfer.id)
            return StatusResult(transfer, transfer.datev_status, transfer.protocol, True, False)
        raise
    if not confirm:
        return StatusResult(transfer, status, protocol, False, False)
    from datetime import UTC, datetime

    updated = ledger.update(
        transfer.id,
        action="status aktualisiert",
        datev_status=status,
        protocol=protocol,
        protocol_fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return StatusResult(updated, status, protocol, False, True)


def delete_transfer(ledger: Ledger, datev: DatevClient, transfer_id: str) -> Transfer:
    """Delete a transfer DATEV has not started processing, or one it did not process at all
    (status 3, EXTF ``failed``); its items become free again for a corrected transfer."""
    transfer = ledger.get(transfer_id)
    if transfer.local_status == "Gelöscht":
        return transfer
    if transfer.local_status == "Fehlgeschlagen" or transfer.datev_status in ("3", "failed"):
        # DATEV processed nothing of it: the items become free for a corrected transfer.
        return ledger.update(transfer.id, action="löschen", local_status="Gelöscht")
    if transfer.job_id:
        status = int(datev.dxso_job(transfer.client, transfer.job_id)["status"])
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
    items = [
        {
            key: item[key]
            for key in ("item_id", "content_hash", "source_file", "source_row", "record_ref")
        }
        for item in ledger.items(old.id)
    ]
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
    )
    ledger.add_files(
        new.id, [(entry["name"], entry["sha256"], entry["size"]) for entry in ledger.files(old.id)]
    )
    ledger.update(new.id, action="vorbereitet", local_status="Vorbereitet zur Übertragung")
    return resume(ledger, datev, new.id, progress=progress, wait=wait)


def resume(
    ledger: Ledger,
    datev: DatevClient,
    transfer_id: str,
    *,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> Transfer:
    """Continue an interrupted transfer from where the ledger says it stopped."""
    transfer = ledger.get(transfer_id)
    if transfer.channel == "extf":
        from workbench.transfer.extf_jobs import send_extf

        return send_extf(ledger, datev, transfer_id)
    return send_dxso(ledger, datev, transfer_id, progress=progress, wait=wait)


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
