"""accounting-extf-files v3 (Buchungsdatenservice): raw EXTF upload, asynchronous job result.

The file is validated when it arrives; the job shows `pending` until `extf_seconds` have
passed on the sandbox clock, then `succeeded` or `failed` with `validation_details`.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.clients import find_client, paged, paging, state_of
from workbench.sandbox.clock import isoformat
from workbench.sandbox.errors import Reject, json_response, problem
from workbench.sandbox.extf_rules import check_extf
from workbench.sandbox.oauth import require
from workbench.sandbox.postings import extf_bookings, store_bookings

BASE = "/accounting-extf-files/platform/v3/clients/{client_id}/extf-files"
SCOPE = "datev:accounting:extf-files-import"
MAX_BYTES = 50 * 1024 * 1024
CLIENT_ID = re.compile(r"^[1-9]\d{3,6}-[1-9]\d{0,4}$")
FILENAME = re.compile(r"EXTF_.{0,51}\.csv")
REFERENCE = re.compile(r"[-0-9A-Za-z_äöüÄÖÜß_. +?;]{0,254}")


def _header_text(request: Request, name: str) -> str | None:
    """Header value with umlauts: clients send UTF-8 bytes, Starlette decodes latin-1."""
    value = request.headers.get(name)
    if value is None:
        return None
    raw = value.encode("latin-1")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return value


def _header_error(reason: str, name: str) -> Reject:
    return Reject(
        problem(400, "1008832", "Invalid header fields", reason, [{"name": name, "reason": reason}])
    )


async def import_file(request: Request) -> Response:
    require(request, SCOPE, "problem")
    client_id = request.path_params["client_id"]
    if not CLIENT_ID.match(client_id):
        raise Reject(
            problem(
                400,
                "1008835",
                "Invalid request URI path",
                "Request-URI contains one or more invalid path segments",
                [{"name": "client-id", "reason": "Path segment client-id is invalid"}],
            )
        )
    client = find_client(request, "problem")
    filename = _header_text(request, "filename") or ""
    if not filename:
        raise _header_error("Filename is empty", "Filename")
    if not FILENAME.fullmatch(filename):
        raise _header_error(
            "Filename must conform to following pattern'EXTF_.{0,51}.csv", "Filename"
        )
    reference = _header_text(request, "reference-id")
    if reference is not None and not REFERENCE.fullmatch(reference):
        raise _header_error(
            "Reference-Id must conform to following pattern'[-0-9A-Za-z_äöüÄÖÜß_. +\\?;]{0,254}",
            "Reference-Id",
        )
    # Assumption: the OpenAPI declares 415 with a bare ProblemDetails; the code is ours.
    media = request.headers.get("content-type", "application/octet-stream").split(";")[0]
    if media.strip() != "application/octet-stream":
        raise Reject(
            problem(
                415,
                "1008831",
                "Unsupported media type",
                "The file must be sent as application/octet-stream.",
            )
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise Reject(problem(413, "1008833", "Invalid file", "File size exceeds 50 MB"))
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        raise Reject(
            problem(400, "1008831", "Invalid message-body", "Message body for request is missing")
        )
    state = state_of(request)
    outcome = await run_in_threadpool(check_extf, content, client)
    bookings = (
        await run_in_threadpool(extf_bookings, content, client)
        if outcome["result"] == "succeeded" and outcome.get("data_category_id") == 21
        else []
    )
    now = state.clock.now()
    job_id = str(uuid.uuid4())
    job: dict[str, Any] = {"id": job_id, "filename": filename, "timestamp": isoformat(now)}
    if reference:
        job["reference_id"] = reference
    version = _header_text(request, "client-application-version")
    if version:
        job["client_application_version"] = version
    ready_at = now + state.settings.extf_seconds
    with state.store.transaction() as conn:
        conn.execute(
            "INSERT INTO extf_jobs (id, client_id, received_at, ready_at, job, outcome, content) "
            "VALUES (?,?,?,?,?,?,?)",
            (job_id, client.id, now, ready_at, json.dumps(job), json.dumps(outcome), content),
        )
        # The Buchungsdatenservice books what it accepted once the job has succeeded.
        store_bookings(conn, client.id, job_id, ready_at, bookings)
    headers = {
        "Location": f"/clients/{client.id}/extf-files/jobs/{job_id}",
        "Retry-After": str(math.ceil(state.settings.extf_seconds)),
    }
    return Response(status_code=202, headers=headers)


def _job_view(row: Any, now: float) -> dict[str, Any]:
    job = json.loads(row["job"])
    if now < row["ready_at"]:
        return {**job, "result": "pending"}
    return {**job, **json.loads(row["outcome"])}


async def get_job(request: Request) -> Response:
    require(request, SCOPE, "problem")
    client = find_client(request, "problem")
    state = state_of(request)
    rows = state.store.query(
        "SELECT * FROM extf_jobs WHERE id = ? AND client_id = ?",
        (request.path_params["job_id"], client.id),
    )
    if not rows:  # Assumption: the OpenAPI gives 404 without a body; this one is ours.
        raise Reject(problem(404, "1008835", "Not found", "The specified resource was not found."))
    return json_response(_job_view(rows[0], state.clock.now()))


async def list_jobs(request: Request) -> Response:
    require(request, SCOPE, "problem")
    client = find_client(request, "problem")
    skip, top = paging(request, clamp=True)
    state = state_of(request)
    now = state.clock.now()
    rows = state.store.query(
        "SELECT * FROM extf_jobs WHERE client_id = ? ORDER BY received_at, rowid", (client.id,)
    )
    return paged([_job_view(row, now) for row in rows], skip, top)


routes = [
    Route(f"{BASE}/import", import_file, methods=["POST"]),
    Route(f"{BASE}/jobs", list_jobs),
    Route(f"{BASE}/jobs/{{job_id}}", get_job),
]
