"""`/_sandbox/...`: health (always on) and, only when enabled, the test controls: clock,
reset, faults, token expiry, Storno of a processed dxso job (done in Belege online by real
users, so DATEV's API has no call for it), the list of every job ever created (so tests can
prove that a command created none) and a colleague's manual posting (contract:
``POST /_sandbox/clients/{id}/postings``, see :mod:`workbench.sandbox.booked`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.clock import isoformat
from workbench.sandbox.errors import Reject, json_response
from workbench.sandbox.state import SandboxState

CLIENT_ID = re.compile(r"[1-9]\d{3,6}-[1-9]\d{0,4}")


def _enabled(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    if not state.control:
        raise Reject(
            json_response(
                {
                    "error": "not_found",
                    "error_description": "The sandbox control endpoint is disabled.",
                },
                404,
            )
        )
    return state


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise Reject(
            json_response({"error": "invalid_json", "error_description": "nested too deeply"}, 400)
        ) from None
    except ValueError as exc:
        raise Reject(
            json_response({"error": "invalid_json", "error_description": str(exc)}, 400)
        ) from exc
    if not isinstance(data, dict):
        raise Reject(json_response({"error": "invalid_json"}, 400))
    return data


async def health(request: Request) -> Response:
    return json_response({"status": "ok"})


async def clock(request: Request) -> Response:
    state = _enabled(request)
    if request.method == "POST":
        body = await _body(request)
        if body.get("freeze"):
            state.clock.freeze()
        if body.get("unfreeze"):
            state.clock.unfreeze()
        if "advance" in body:
            state.clock.advance(_seconds(body["advance"]))
    now = state.clock.now()
    return json_response({"now": isoformat(now), "epoch": now, "frozen": state.clock.controlled})


#: The clock moves at most this far in one step (ten years: far beyond DATEV's retention).
MAX_ADVANCE = 10 * 366 * 86400.0


def _seconds(value: Any) -> float:
    """A clock step in seconds: a finite number from 0 to :data:`MAX_ADVANCE`, else a 400 (an
    infinite or NaN step would break every later call until a restart)."""
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0 <= number <= MAX_ADVANCE:
        raise Reject(
            json_response(
                {
                    "error": "invalid_advance",
                    "error_description": f"advance must be a number of seconds from 0 to "
                    f"{MAX_ADVANCE:.0f}, not {value!r}",
                },
                400,
            )
        )
    return number


async def reset(request: Request) -> Response:
    _enabled(request).reset()
    return Response(status_code=204)


async def faults(request: Request) -> Response:
    state = _enabled(request)
    if request.method == "POST":
        body = await _body(request)
        if body.pop("clear", False):
            state.faults.clear()
        try:
            state.faults.update(body)
        except (TypeError, ValueError) as exc:
            raise Reject(
                json_response({"error": "invalid_fault", "error_description": str(exc)}, 400)
            ) from exc
    return json_response(state.faults.describe())


async def expire_tokens(request: Request) -> Response:
    _enabled(request).expire_access_tokens()
    return Response(status_code=204)


#: dxso status -> state word of `/_sandbox/jobs` (FACTS §3).
DXSO_STATES = {
    0: "open",
    1: "processing",
    2: "succeeded",
    3: "failed",
    4: "partially_processed",
    5: "cancelled",
    6: "cancellation_refused",
}


def _dxso_jobs(state: SandboxState, client: str | None) -> list[dict[str, Any]]:
    from workbench.sandbox.processing import visible_job

    sql = "SELECT * FROM dxso_jobs" + (" WHERE client_id = ?" if client else "")
    out = []
    for row in state.store.query(sql + " ORDER BY created_at, rowid", (client,) if client else ()):
        job = dict(row)
        if not job["deleted"]:  # apply due transitions, so the state is today's
            job = visible_job(state, job["client_id"], job["id"]) or {**job, "expired": True}
        word = (
            "deleted"
            if job["deleted"]
            else ("expired" if job.get("expired") else DXSO_STATES[job["status"]])
        )
        out.append(
            {
                "id": job["id"],
                "api": "dxso",
                "client": job["client_id"],
                "created_at": isoformat(job["created_at"]),
                "state": word,
                "status": job["status"],
                "import_type": job["import_type"],
                "accounting_month": job["month"],
            }
        )
    return out


def _extf_jobs(state: SandboxState, client: str | None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM extf_jobs" + (" WHERE client_id = ?" if client else "")
    now = state.clock.now()
    out = []
    for row in state.store.query(sql + " ORDER BY received_at, rowid", (client,) if client else ()):
        job = json.loads(row["job"])
        result = "pending" if now < row["ready_at"] else json.loads(row["outcome"])["result"]
        out.append(
            {
                "id": row["id"],
                "api": "extf",
                "client": row["client_id"],
                "created_at": isoformat(row["received_at"]),
                "state": result,
                "filename": job.get("filename"),
            }
        )
    return out


async def jobs(request: Request) -> Response:
    """Every dxso and EXTF job ever created (deleted ones too), oldest first."""
    state = _enabled(request)
    client = request.query_params.get("client")
    if client is not None and not CLIENT_ID.fullmatch(client):
        raise Reject(
            json_response(
                {"error": "invalid_client", "error_description": f"No client id: {client!r}"}, 400
            )
        )
    listed = _dxso_jobs(state, client) + _extf_jobs(state, client)
    return json_response(sorted(listed, key=lambda job: job["created_at"]))


async def cancel_job(request: Request) -> Response:
    from workbench.sandbox.processing import cancel

    state = _enabled(request)
    body = await _body(request)
    status = cancel(
        state,
        request.path_params["client_id"],
        request.path_params["job_id"],
        refused=bool(body.get("refused", False)),
    )
    if status is None:
        return json_response(
            {
                "error": "invalid_state",
                "error_description": "Only processed jobs (status 2 or 4) can be cancelled.",
            },
            409,
        )
    return json_response({"id": request.path_params["job_id"], "status": status})


async def postings(request: Request) -> Response:
    from workbench.sandbox.booked import PostingError, change_bookings

    state = _enabled(request)
    client = state.seed.client(request.path_params["client_id"])
    if client is None:
        return json_response(
            {"error": "not_found", "error_description": "Den Mandanten gibt es nicht."}, 404
        )
    body = await _body(request)
    try:
        answer = change_bookings(state, client, body)
    except PostingError as error:
        code = "not_found" if error.status == 404 else "invalid_posting"
        return json_response({"error": code, "error_description": str(error)}, error.status)
    return json_response(answer, 201 if answer["action"] == "add" else 200)


routes = [
    Route("/_sandbox/health", health),
    Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/jobs", jobs),
    Route("/_sandbox/faults", faults, methods=["GET", "POST"]),
    Route("/_sandbox/tokens/expire", expire_tokens, methods=["POST"]),
    Route("/_sandbox/clients/{client_id}/dxso-jobs/{job_id}/cancel", cancel_job, methods=["POST"]),
    Route("/_sandbox/clients/{client_id}/postings", postings, methods=["POST"]),
]
