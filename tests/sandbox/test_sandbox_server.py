"""Server lifecycle: durability under --state DIR, concurrency, real-time processing,
seeds, the blocking `serve`, and the package's public surface."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

import workbench.sandbox
from workbench.resources import resource_path
from workbench.sandbox import start_sandbox
from workbench.sandbox.seed import load_seed

REPO = Path(__file__).resolve().parents[2]
DXSO = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><archive '
    b'xmlns="http://xml.datev.de/bedi/tps/document/v06.0" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="6.0">'
    b"<header><date>2026-03-01T10:00:00</date></header><content><document>"
    b'<extension xsi:type="File" name="Kassenbon.pdf"/></document></content>'
    b"</archive>"
)


def _upload(api, job, name, content, media="application/pdf"):
    return api.post(f"{DXSO}/{job}/files", files={"files": (name, content, media)})


def _finalize(api, job):
    return api.put(
        f"{DXSO}/{job}",
        content=b'{"ready":"true"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )


def test_public_api_is_pinned():
    assert workbench.sandbox.__all__ == ["RunningSandbox", "build_app", "serve", "start_sandbox"]


def test_no_io_at_import():
    # The parent package and third-party packages are imported first (anyio reads its own
    # source at import); only the sandbox's own modules are under test here.
    code = (
        "import builtins, socket, starlette.applications, starlette.routing, uvicorn, "
        "httpx, xmlschema, lxml.etree, starlette.concurrency, starlette.datastructures\n"
        "import workbench\n"
        "def refuse(*a, **k): raise AssertionError('I/O at import time')\n"
        "builtins.open = refuse\nsocket.socket = refuse\n"
        "import workbench.sandbox, workbench.sandbox.app, workbench.sandbox.server\n"
        "import workbench.sandbox.processing, workbench.sandbox.extf_rules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_default_seed_is_the_editable_data_file():
    # One source of truth: the packaged seed is data/sandbox/default.json itself.
    assert (
        resource_path("sandbox", "default.json").resolve()
        == (REPO / "data" / "sandbox" / "default.json").resolve()
    )


def test_seed_file_replaces_the_default(tmp_path, oauth):
    seed = load_seed()
    seed["accounting_clients"] = [c for c in seed["accounting_clients"] if c["id"] == "455148-2"]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed, ensure_ascii=False), "utf-8")
    with start_sandbox(seed=path) as sandbox, oauth.api_client(sandbox.url) as api:
        clients = api.get("/accounting-clients/platform/v2/clients").json()
        assert [c["id"] for c in clients] == ["455148-2"]


def test_state_dir_survives_a_restart(tmp_path, oauth):
    with start_sandbox(state_dir=tmp_path) as sandbox:
        token = oauth.get_token(sandbox.url)
        with oauth.api_client(sandbox.url) as api:
            job = api.post(DXSO).json()["id"]
            assert (
                _upload(api, job, "document.xml", DOCUMENT_XML, "application/xml").status_code
                == 201
            )
            assert _upload(api, job, "Kassenbon.pdf", b"%PDF bon").status_code == 201
            assert _finalize(api, job).status_code == 204
    assert (tmp_path / "sandbox.sqlite3").exists()
    with start_sandbox(state_dir=tmp_path) as sandbox:
        refreshed = httpx.post(
            f"{sandbox.url}/token",
            auth=(oauth.client_id, oauth.client_secret),
            data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        )
        assert refreshed.status_code == 200
        sandbox.state.clock.advance(10)
        with oauth.api_client(sandbox.url) as api:
            assert api.get(f"{DXSO}/{job}").json()["status"] == 2
            names = [
                e["filename"]
                for e in api.get(f"{DXSO}/{job}/protocol-entries").json()
                if e["text"] == "wurde empfangen!"
            ]
            assert names == ["document.xml", "Kassenbon.pdf"]


def test_concurrent_uploads_lose_nothing(sandbox, oauth):
    with oauth.api_client(sandbox.url) as api:
        job = api.post(DXSO).json()["id"]

        def send(i):
            return _upload(api, job, f"Beleg {i:03d}.pdf", f"%PDF {i}".encode()).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert set(pool.map(send, range(120))) == {201}
        entries = api.get(f"{DXSO}/{job}/protocol-entries").json()
        names = sorted(e["filename"] for e in entries)
        assert names == [f"Beleg {i:03d}.pdf" for i in range(120)]


def test_final_status_within_ten_seconds_of_real_time(sandbox, oauth):
    assert not sandbox.state.clock.controlled
    with oauth.api_client(sandbox.url) as api:
        job = api.post(DXSO).json()["id"]
        _upload(api, job, "document.xml", DOCUMENT_XML, "application/xml")
        _upload(api, job, "Kassenbon.pdf", b"%PDF real time")
        _finalize(api, job)
        started = time.monotonic()
        seen = []
        while time.monotonic() - started < 10:
            status = api.get(f"{DXSO}/{job}").json()["status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            if status >= 2:
                break
            time.sleep(0.25)
        assert seen == [0, 1, 2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_blocks_and_answers(tmp_path):
    port = _free_port()
    code = (
        "from pathlib import Path\nfrom workbench.sandbox.server import serve\n"
        f"serve(port={port}, control=True, state_dir=Path({str(tmp_path)!r}))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_sandbox/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/_sandbox/clock").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_larger_seed_pages_through_all_clients(oauth):
    seed = REPO / "data" / "sandbox" / "many_clients.json"
    with start_sandbox(seed=seed) as sandbox, oauth.api_client(sandbox.url) as api:
        first = api.get("/accounting-clients/platform/v2/clients")
        assert first.headers["total-items"] == "156" and len(first.json()) == 100
        assert first.headers["link"] == '<?skip=100&top=100>;rel="next"'
        rest = api.get("/accounting-clients/platform/v2/clients", params={"skip": 100})
        ids = {c["id"] for c in first.json() + rest.json()}
        assert len(ids) == 156
        lengths = {
            api.get(f"/accounting-dxso-jobs/platform/v2/clients/455148-{n}").json()[
                "basic_accounting_information"
            ][0]["account_length"]
            for n in (100, 101, 102)
        }
        assert lengths == {4, 5, 6}
