"""accounting-dxso-jobs v2 (DATEV XML-Schnittstelle online): create job, upload one file per
multipart request, finalise with a merge-patch, read status and protocol, delete while open.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.belege import content_error
from workbench.sandbox.clients import find_client, require_consistent, state_of
from workbench.sandbox.clock import isoformat
from workbench.sandbox.errors import Reject, dco_error, dco_no_access, dco_not_found, json_response
from workbench.sandbox.oauth import require
from workbench.sandbox.processing import visible_job
from workbench.sandbox.rules import FOLDER_CATEGORIES
from workbench.sandbox.seed import AccountingClient

BASE = "/accounting-dxso-jobs/platform/v2/clients/{client_id}/dxso-jobs"
SCOPE = "accounting:dxso-jobs"
MAX_FILE = 20 * 1024 * 1024
IMPORT_KINDS = {
    "accountsPayableLedgerImport": "accountsPayableLedger",
    "accountsReceivableLedgerImport": "accountsReceivableLedger",
    "cashLedgerImport": "cashLedger",
}
# Extension -> media types DATEV accepts for it (octet-stream is always fine).
FILE_TYPES = {
    "xml": {"application/xml", "text/xml"},
    "pdf": {"application/pdf"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
    "tif": {"image/tiff"},
    "tiff": {"image/tiff"},
    "gif": {"image/gif"},
}
NAME_ALLOWED = re.compile(r"[^ &()+\-._0-9A-Za-zÀ-ÖØ-öø-ÿ]")


@contextlib.asynccontextmanager
async def multipart_form(request: Request, *, max_files: int) -> AsyncIterator[FormData]:
    """The multipart body, or #DCO01004 for anything Starlette cannot parse."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Reject(dco_error("01004"))
    try:
        form = await request.form(max_files=max_files, max_fields=10)
    except HTTPException:
        raise Reject(dco_error("01004")) from None
    try:
        yield form
    finally:
        await form.close()


def sanitize_filename(name: str) -> str:
    """DATEV's whitelist: precomposed, anything else becomes '_'."""
    return NAME_ALLOWED.sub("_", unicodedata.normalize("NFC", name))


def _client_with_service(request: Request) -> AccountingClient:
    require(request, SCOPE, "dco", web_only=True)
    client = find_client(request, "dco")
    if not client.has_service("Rechnungsdatenservice 1.0"):
        raise Reject(dco_no_access())
    if client.raw.get("belege_online_next"):
        raise Reject(dco_error("01301"))  # new Belege online takes no RDS 1.0 uploads
    require_consistent(client)
    return client


async def _visible(request: Request, client: AccountingClient) -> dict[str, Any] | None:
    """The job with due transitions applied; processing (XSDs, rules) runs off the event loop."""
    return await run_in_threadpool(
        visible_job, state_of(request), client.id, request.path_params["job_id"]
    )


async def _job_for_change(request: Request, client: AccountingClient) -> dict[str, Any]:
    job = await _visible(request, client)
    if job is None:
        raise Reject(dco_error("01003"))
    if job["status"] != 0 or job["finalized_at"] is not None:
        raise Reject(dco_error("01007"))
    return job


async def create_job(request: Request) -> Response:
    client = _client_with_service(request)
    state = state_of(request)
    raw = await request.body()
    body: dict[str, Any] = {}
    if raw.strip():
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise Reject(dco_error("01008")) from None
        if not isinstance(body, dict):
            raise Reject(dco_error("01008"))
    import_type, month = body.get("import_type"), body.get("accounting_month")
    if (import_type is None) != (month is None):
        raise Reject(dco_error("01017"))
    if import_type is not None and (
        import_type not in IMPORT_KINDS
        or not isinstance(month, str)
        or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month)
    ):
        raise Reject(dco_error("01008"))
    payable, receivable = client.folders("invoices_received"), client.folders("outgoing_invoices")
    result: dict[str, Any] = {
        "account_length": client.account_length,
        "ledger_folder_names": payable + receivable,
    }
    if import_type is not None and month is not None:  # both or neither, see above
        kind = IMPORT_KINDS[import_type]
        names = (
            client.cash_ledgers if kind == "cashLedger" else client.folders(FOLDER_CATEGORIES[kind])
        )
        if not names:
            raise Reject(dco_error("01002"))
        day = date(int(month[:4]), int(month[5:]), 1)
        if client.fiscal_year_for(day) is None:
            created = None if kind == "cashLedger" else client.auto_create_fiscal_year(day)
            if created is None:
                raise Reject(dco_error("01002"))
            state.remember_fiscal_year(client.id, created)
        if kind == "cashLedger":
            result["ledger_folder_names"] = []
            result["cash_ledger_names"] = names
        else:
            result["ledger_folder_names"] = names
    job_id = uuid.uuid4().hex.upper()
    if import_type is not None and month is not None:
        await run_in_threadpool(_settle_open_jobs, state, client.id, import_type, month)
    with state.store.transaction() as conn:
        if import_type is not None:
            # One job per ledger kind and month while the previous one is not finished.
            busy = conn.execute(
                "SELECT 1 FROM dxso_jobs WHERE client_id = ? AND import_type = ? AND month = ? "
                "AND deleted = 0 AND status IN (0, 1)",
                (client.id, import_type, month),
            ).fetchone()
            if busy:
                raise Reject(dco_error("01001"))
        conn.execute(
            "INSERT INTO dxso_jobs (id, client_id, import_type, month, created_at) "
            "VALUES (?,?,?,?,?)",
            (job_id, client.id, import_type, month, state.clock.now()),
        )
    return json_response({"id": job_id, **result}, 201)


def _settle_open_jobs(state: Any, client_id: str, import_type: str, month: str) -> None:
    """Move the group's open jobs to where the clock says they are: DATEV finishes a job within
    seconds of finalising it, whether or not anyone asks for its status (so a second home does
    not see #DCO01001 until the first one polls)."""
    rows = state.store.query(
        "SELECT id FROM dxso_jobs WHERE client_id = ? AND import_type = ? AND month = ? "
        "AND deleted = 0 AND status IN (0, 1) AND finalized_at IS NOT NULL",
        (client_id, import_type, month),
    )
    for row in rows:
        visible_job(state, client_id, row["id"])


async def upload_file(request: Request) -> Response:
    client = _client_with_service(request)
    state = state_of(request)
    job = await _job_for_change(request, client)
    async with multipart_form(request, max_files=10) as form:
        parts = form.getlist("files")
        upload = parts[0] if len(parts) == 1 else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Reject(dco_error("01004"))
        if (upload.size or 0) > MAX_FILE:
            raise Reject(dco_error("01016"))
        name = sanitize_filename(upload.filename)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in FILE_TYPES:
            raise Reject(dco_error("01015"))
        media = (upload.content_type or "application/octet-stream").split(";")[0].strip()
        if media != "application/octet-stream" and media not in FILE_TYPES[extension]:
            raise Reject(dco_error("01219"))
        content = await upload.read()
    if len(content) > MAX_FILE:
        raise Reject(dco_error("01016"))
    if code := content_error(extension, content):
        raise Reject(dco_error(code))
    now = state.clock.now()
    with state.store.transaction() as conn:
        if conn.execute(
            "SELECT 1 FROM dxso_files WHERE job_id = ? AND name = ?", (job["id"], name)
        ).fetchone():
            raise Reject(dco_error("01001"))
        conn.execute(
            "INSERT INTO dxso_files (job_id, name, size, content, uploaded_at) VALUES (?,?,?,?,?)",
            (job["id"], name, len(content), content, now),
        )
        conn.execute(
            "INSERT INTO protocol (job_id, time, visible_at, text, context, type, "
            "filename) VALUES (?,?,?,?,?,?,?)",
            (job["id"], now, now, "wurde empfangen!", None, "information", name),
        )
    return json_response({}, 201, media_type="application/json")


async def finalize_job(request: Request) -> Response:
    client = _client_with_service(request)
    state = state_of(request)
    job = await _job_for_change(request, client)
    if not request.headers.get("content-type", "").startswith("application/merge-patch+json"):
        raise Reject(dco_error("01008"))
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        raise Reject(dco_error("01008")) from None
    if not isinstance(body, dict) or str(body.get("ready")).lower() != "true":
        raise Reject(dco_error("01008"))
    with state.store.transaction() as conn:
        updated = conn.execute(
            "UPDATE dxso_jobs SET finalized_at = ? WHERE id = ? AND finalized_at IS NULL",
            (state.clock.now(), job["id"]),
        )
        if updated.rowcount != 1:
            raise Reject(dco_error("01007"))
    return Response(status_code=204)


async def get_job(request: Request) -> Response:
    client = _client_with_service(request)
    job = await _visible(request, client)
    if job is None:
        raise Reject(dco_not_found())
    return json_response({"id": job["id"], "status": job["status"]})


async def protocol_entries(request: Request) -> Response:
    client = _client_with_service(request)
    state = state_of(request)
    job = await _visible(request, client)
    if job is None:
        raise Reject(dco_not_found())
    rows = state.store.query(
        "SELECT * FROM protocol WHERE job_id = ? AND visible_at <= ? ORDER BY seq",
        (job["id"], state.clock.now()),
    )
    entries = []
    for row in rows:
        entry = {
            "time": isoformat(row["time"]),
            "text": row["text"],
            "type": row["type"],
            "filename": row["filename"],
        }
        if row["context"]:
            entry["context"] = row["context"]
        entries.append(entry)
    return json_response(entries)


async def delete_job(request: Request) -> Response:
    client = _client_with_service(request)
    state = state_of(request)
    job = await _visible(request, client)
    if job is None:
        raise Reject(dco_not_found())
    if job["status"] != 0 or job["finalized_at"] is not None:
        raise Reject(dco_error("01007"))
    with state.store.transaction() as conn:
        conn.execute("UPDATE dxso_jobs SET deleted = 1 WHERE id = ?", (job["id"],))
        conn.execute("DELETE FROM dxso_files WHERE job_id = ?", (job["id"],))
        conn.execute("DELETE FROM protocol WHERE job_id = ?", (job["id"],))
    return Response(status_code=204)


routes = [
    Route(BASE, create_job, methods=["POST"]),
    Route(f"{BASE}/{{job_id}}/files", upload_file, methods=["POST"]),
    Route(f"{BASE}/{{job_id}}", get_job, methods=["GET"]),
    Route(f"{BASE}/{{job_id}}", finalize_job, methods=["PUT"]),
    Route(f"{BASE}/{{job_id}}", delete_job, methods=["DELETE"]),
    Route(f"{BASE}/{{job_id}}/protocol-entries", protocol_entries),
]
