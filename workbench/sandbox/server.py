"""Run the sandbox: blocking (`serve`, for `workbench sandbox`) or in a background thread on a
free loopback port (`start_sandbox`, for the workbench without DATEV credentials and tests).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from workbench.sandbox.app import build_app
from workbench.sandbox.state import SandboxState


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: Path | None = None,
    state_dir: Path | None = None,
    control: bool = False,
    faults: str | None = None,
) -> None:
    """Serve the sandbox until interrupted.

    >>> serve(port=8765, control=True)  # doctest: +SKIP
    """
    state = SandboxState.create(seed=seed, state_dir=state_dir, control=control, faults=faults)
    print(
        f"DATEV sandbox on http://{host}:{port} (control endpoint "
        f"{'on' if control else 'off'}, state {state_dir or 'in memory'})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(build_app(state), host=host, port=port, log_level="warning")


class RunningSandbox:
    """A sandbox serving from a background thread; `.url` is its origin."""

    def __init__(
        self, state: SandboxState, server: uvicorn.Server, thread: threading.Thread, url: str
    ) -> None:
        self.state = state
        self.url = url
        self._server = server
        self._thread = thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.state.store.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    *,
    seed: Path | None = None,
    state_dir: Path | None = None,
    control: bool = False,
    port: int = 0,
    faults: str | None = None,
) -> RunningSandbox:
    """Start the sandbox on 127.0.0.1 (port 0 = a free one) and wait until it is healthy.

    >>> with start_sandbox(control=True) as sandbox:  # doctest: +SKIP
    ...     httpx.get(f"{sandbox.url}/_sandbox/health").status_code
    200
    """
    state = SandboxState.create(seed=seed, state_dir=state_dir, control=control, faults=faults)
    # Binding the socket here gives us the real port before uvicorn starts.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY; without it every answer waits ~40 ms for the
    # client's delayed ACK (Nagle), which made each request 60 times slower.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(
        build_app(state), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="datev-sandbox", daemon=True
    )
    thread.start()
    # uvicorn sets `started` once it accepts on the socket; polling the flag (not the health
    # endpoint over HTTP) spares every command an HTTP client and its TLS context (~0.1 s).
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the DATEV sandbox did not become healthy within 15 s")
        time.sleep(0.005)
    return RunningSandbox(state, server, thread, url)
