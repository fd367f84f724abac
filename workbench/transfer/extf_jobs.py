"""EXTF transfers (Buchungsdatenservice): one Buchungsstapel file per transfer, resumable.

Each booking carries DATEV's own ``Buchungs GUID`` (derived from the client and item id), so the
line of every booking in every written file is known from the file itself, and DATEV's
``affected_elements`` ("Zeile 17, Konto") lead back to the source row. The upload sends the
transfer id as ``Reference-Id``: if the process dies after DATEV accepted the file but before
the job id was stored, the job is found again in DATEV's job list instead of uploading twice.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import polars as pl

from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient
from workbench.transfer.jobs import LINEAGE, content_hashes, pending_items, record_failure
from workbench.transfer.ledger import Ledger, Transfer

__all__ = ["booking_guids", "send_extf", "transfer_bookings"]

GUID_FIELD = "Buchungs GUID"
_NAMESPACE = uuid.UUID("6f0c3a57-8a55-4e0f-9a3b-3c1f4a9d2e10")


def booking_guids(client: str, item_ids: pl.Series) -> pl.Series:
    """A stable GUID per booking: the same item of the same client always gets the same one."""
    return pl.Series(
        GUID_FIELD, [str(uuid.uuid5(_NAMESPACE, f"{client}/{item}")) for item in item_ids.to_list()]
    )


def transfer_bookings(
    ledger: Ledger,
    datev: DatevClient,
    *,
    client: str,
    bookings: pl.DataFrame,
    header: object,
    out_dir: Path,
    kind: str,
    retransfer_of: str | None = None,
) -> list[Transfer]:
    """Write one EXTF file per booking period (split above 99,999) and send each as a transfer.

    ``bookings`` has the verbatim German EXTF column names plus the lineage columns ``item_id``,
    ``source_file`` and ``source_row``; ``header`` is a :class:`workbench.datev.extf.ExtfHeader`.
    """
    from workbench.datev.extf import read_extf, write_extf_files

    # A ledger item is one booking: an item (invoice, POS category) can become several.
    occurrence = pl.int_range(1, pl.len() + 1).over("item_id").cast(pl.String)
    bookings = bookings.with_columns(
        pl.when(pl.len().over("item_id") > 1)
        .then(pl.concat_str("item_id", pl.lit("#"), occurrence))
        .otherwise(pl.col("item_id"))
        .alias("item_id")
    )
    if retransfer_of is None:
        pending = pending_items(ledger, client, bookings["item_id"].to_list())
        bookings = bookings.filter(pl.col("item_id").is_in(list(pending)))
    if bookings.is_empty():
        return []
    bookings = bookings.with_columns(booking_guids(client, bookings["item_id"]))
    lineage = bookings.select(GUID_FIELD, *LINEAGE).with_columns(
        content_hashes(bookings, exclude=LINEAGE)
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    files = write_extf_files(bookings.drop(*LINEAGE), header, directory=out_dir)
    transfers = []
    for number, path in enumerate(files, start=1):
        written = read_extf(path)
        lines = written.frame.select(GUID_FIELD).with_row_index("line", offset=3)
        items = lines.join(lineage, on=GUID_FIELD).with_columns(
            pl.format("{}#{}", pl.lit(path.name), pl.col("line")).alias("record_ref")
        )
        month = f"{written.header.date_from:%Y-%m}" if written.header.date_from else None
        transfer = ledger.create(
            client=client,
            kind=kind,
            channel="extf",
            month=month,
            document_kind="Buchungsstapel",
            items=items.select(
                "item_id", "content_hash", "source_file", "source_row", "record_ref"
            ).to_dicts(),
            package_no=number,
            package_path=str(path),
            retransfer_of=retransfer_of,
        )
        ledger.add_files(
            transfer.id,
            [(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)],
        )
        ledger.update(transfer.id, action="vorbereitet", local_status="Vorbereitet zur Übertragung")
        transfers.append(send_extf(ledger, datev, transfer.id))
    return transfers


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
    ledger.mark_upload_started(transfer.id, entry["name"])
    try:
        job = datev.upload_extf(
            transfer.client, path.name, path.read_bytes(), reference_id=transfer.id
        )
    except DatevApiError as error:
        record_failure(ledger, transfer.id, error)
        raise
    ledger.mark_uploaded(transfer.id, entry["name"])
    return ledger.update(
        transfer.id,
        action="übertragen",
        job_id=job,
        local_status="Transferiert",
        datev_status="pending",
    )
