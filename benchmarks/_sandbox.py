"""The sandbox as its own process for the benchmarks that measure client and server apart (run
as scripts: this folder is on sys.path)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sandbox_process(state: Path, *, control: bool = False) -> tuple[subprocess.Popen, str]:
    """``workbench sandbox`` on a free port with its state in ``state`` (``control``: the
    ``/_sandbox`` control endpoints on); the process and its URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "workbench.cli", "sandbox", "--port", str(port)]
    command += ["--state", str(state), *(["--control"] if control else [])]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("sandbox did not start")
