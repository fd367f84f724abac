"""Fault injection for testing clients: latency, 5xx, 429 with Retry-After, dropped
connections and early token expiry.

Faults come from the CLI
(`--faults "latency=0.2,5xx=0.1,429=0.05,drop=0.01,expire=0.1,token_ttl=30"`)
or from `POST /_sandbox/faults`. Rates are random (seeded, so runs repeat); `next` queues
one-shot faults for the next API requests, which is what deterministic tests use.
They hit only the DATEV API paths, never `/_sandbox/` or the OAuth endpoints.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

KINDS = ("500", "503", "429", "drop", "expire")
API_PREFIXES = ("/accounting-", "/datev/api/")


@dataclass
class Faults:
    latency: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    drop_rate: float = 0.0
    expire_rate: float = 0.0
    retry_after: int = 2
    token_ttl: float | None = None
    seed: int = 0
    queued: deque[str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        """Parse `key=value,...`; keys: latency, 5xx, 429, drop, expire, retry_after, token_ttl,
        seed."""
        faults = cls()
        if spec:
            faults.update(dict(part.split("=", 1) for part in spec.split(",") if part.strip()))
        return faults

    def update(self, values: dict[str, Any]) -> None:
        names = {
            "latency": "latency",
            "5xx": "error_rate",
            "error_rate": "error_rate",
            "429": "rate_limit_rate",
            "rate_limit_rate": "rate_limit_rate",
            "drop": "drop_rate",
            "drop_rate": "drop_rate",
            "expire": "expire_rate",
            "expire_rate": "expire_rate",
            "retry_after": "retry_after",
            "token_ttl": "token_ttl",
            "seed": "seed",
        }
        with self._lock:
            for key, value in values.items():
                key = key.strip()
                if key == "next":
                    for kind in value:
                        if kind not in KINDS:
                            raise ValueError(f"unknown fault {kind!r}; use one of {KINDS}")
                        self.queued.append(kind)
                    continue
                if key not in names:
                    raise ValueError(f"unknown fault option {key!r}")
                attr = names[key]
                if attr in ("retry_after", "seed"):
                    setattr(self, attr, int(value))
                elif value is None:
                    setattr(self, attr, None)
                else:
                    setattr(self, attr, float(value))
            self._random = random.Random(self.seed)

    def clear(self) -> None:
        with self._lock:
            self.latency = self.error_rate = self.rate_limit_rate = self.drop_rate = 0.0
            self.expire_rate = 0.0
            self.token_ttl = None
            self.queued.clear()

    def describe(self) -> dict[str, Any]:
        return {
            "latency": self.latency,
            "5xx": self.error_rate,
            "429": self.rate_limit_rate,
            "drop": self.drop_rate,
            "expire": self.expire_rate,
            "retry_after": self.retry_after,
            "token_ttl": self.token_ttl,
            "next": list(self.queued),
        }

    def pick(self) -> str | None:
        """The fault for this request, if any."""
        with self._lock:
            if self.queued:
                return self.queued.popleft()
            roll = self._random.random()
            for kind, rate in (
                ("503", self.error_rate),
                ("429", self.rate_limit_rate),
                ("drop", self.drop_rate),
                ("expire", self.expire_rate),
            ):
                if roll < rate:
                    return kind
                roll -= rate
            return None


TITLES = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _fault_body(path: str, status: int) -> dict[str, Any]:
    """The error body the API at `path` uses (DATEVconnect Error or ProblemDetails)."""
    request_id = str(uuid.uuid4())
    if path.startswith("/datev/api/"):
        return {
            "error": TITLES[status].replace(" ", ""),
            "error_description": TITLES[status],
            "request_id": request_id,
        }
    return {"title": TITLES[status], "request_id": request_id, "status": status}


class FaultMiddleware:
    """Pure ASGI middleware, so it can cut a response off half-way (a dropped connection)."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        faults: Faults = self.state.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        kind = faults.pick()
        if kind is None:
            await self.app(scope, receive, send)
        elif kind == "expire":
            self.state.expire_access_tokens()
            await self.app(scope, receive, send)
        elif kind == "drop":
            # Promise a body, send part of it, then return: uvicorn closes the connection and
            # the client sees an incomplete response, like a proxy dropping it.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"1000"),
                        (b"x-sandbox-fault", b"drop"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
        else:
            status = int(kind)
            # x-sandbox-fault marks injected answers, so tests can tell them from DATEV's.
            headers = [
                (b"content-type", b"application/json;charset=utf-8"),
                (b"x-sandbox-fault", kind.encode()),
            ]
            if status in (429, 503):
                headers.append((b"retry-after", str(faults.retry_after).encode()))
            payload = json.dumps(_fault_body(scope["path"], status)).encode()
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
