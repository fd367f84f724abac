"""Request bodies are limited while they stream in: a 200 MB JSON body is refused after the first
megabyte, never buffered whole.

DATEV publishes limits per file (20 MB per dxso file and Belegbild, 50 MB per EXTF file, see
FACTS.md); the largest request any client needs is one such upload plus its multipart frame.
Assumption (no DATEV source): everything else (JSON bodies, forms) stays under 1 MiB, and a
larger body is answered 413 with a ProblemDetails body before the rest is read.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BodyLimitMiddleware", "JSON_LIMIT", "UPLOAD_LIMIT"]

#: Multipart and binary uploads: above DATEV's largest file (50 MB EXTF) plus framing.
UPLOAD_LIMIT = 64 * 1024 * 1024
#: Every other body (JSON, forms).
JSON_LIMIT = 1024 * 1024

_UPLOADS = ("multipart/form-data", "application/octet-stream")


class BodyLimitMiddleware:
    """Pure ASGI: reads the body chunk by chunk up to the limit for its kind, then hands the
    app the body it read; beyond the limit it answers 413 at once."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        kind = headers.get(b"content-type", b"").decode("latin-1").lower()
        limit = UPLOAD_LIMIT if kind.startswith(_UPLOADS) else JSON_LIMIT
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Any, limit: int) -> None:
    body = json.dumps(
        {
            "type": "http://www.datev.de/hilfe/413",
            "title": "Payload Too Large",
            "detail": f"The request body is larger than {limit} bytes.",
            "status": 413,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
