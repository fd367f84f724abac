"""Serve the client page: blocking (``workbench talk serve``) or from a background thread (tests).

In production the page runs behind a reverse proxy that terminates TLS (see docs/mandantentalk.md);
``WORKBENCH_TALK_URL`` is the public https address, which also turns on the Secure cookie flag.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

import httpx
import uvicorn
from starlette.types import ASGIApp

from workbench.config import Settings
from workbench.talk.store import TalkStore
from workbench.talk.web import build_talk_app

__all__ = ["RunningTalkServer", "password_option", "serve_talk", "start_talk_server", "talk_app"]


def password_option(settings: Settings) -> Callable[[str], bool]:
    """``client -> bool``: the option "Mandantentalk Passwort", globally or per client."""
    default = bool(settings.talk.get("password", False))

    def required(client: str) -> bool:
        return bool(settings.clients.get(client, {}).get("talk_password", default))

    return required


def talk_app(settings: Settings, store: TalkStore | None = None) -> ASGIApp:
    """The ASGI app for these settings (store opened from ``settings`` unless given)."""
    store = store or TalkStore.open(settings)
    secure = (settings.talk_url or "").startswith("https://")
    return build_talk_app(store, password_required=password_option(settings), secure_cookie=secure)


def serve_talk(settings: Settings, *, host: str = "127.0.0.1", port: int = 8780) -> None:
    """Serve until interrupted (``workbench talk serve``)."""
    print(
        f"Mandantentalk auf http://{host}:{port} (öffentliche Adresse: "
        f"{settings.talk_url or 'nicht gesetzt, WORKBENCH_TALK_URL'})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        talk_app(settings),
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )


class RunningTalkServer:
    """The client page serving from a background thread; ``.url`` is its origin."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, url: str) -> None:
        self.url = url
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningTalkServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_talk_server(settings: Settings, *, store: TalkStore | None = None) -> RunningTalkServer:
    """Start the page on a free loopback port and wait until it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        talk_app(settings, store), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="mandantentalk", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(f"{url}/_health", timeout=1).status_code == 200:
                return RunningTalkServer(server, thread, url)
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the Mandantentalk page did not answer within 15 s")
        time.sleep(0.02)
