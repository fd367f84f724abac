"""Loopback load benchmark for the DATEV sandbox: concurrent dxso file uploads.

Starts the sandbox in a subprocess (so client threads and server do not share one GIL),
authenticates through the real OAuth flow, uploads N files with W threads into dxso jobs,
prints uploads/s and verifies via DATEV's protocol entries and the SQLite state that no file
was lost or stored twice.

    .venv/bin/python benchmarks/sandbox_uploads.py --uploads 2000 --workers 8
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from _sandbox import sandbox_process  # this script's folder is on sys.path

CLIENT = ("workbench-sandbox", "sandbox-secret")
REDIRECT = "http://127.0.0.1:8400/callback"
DXSO = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"


def access_token(url: str) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    response = httpx.get(
        f"{url}/openid/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT[0],
            "redirect_uri": REDIRECT,
            "scope": "openid accounting:dxso-jobs",
            "state": "bench",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = httpx.post(
        f"{url}/token",
        auth=CLIENT,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    return token.json()["access_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=4, help="dxso jobs to spread files over")
    parser.add_argument("--size", type=int, default=4096, help="bytes per file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        server, url = sandbox_process(Path(tmp))
        try:
            headers = {
                "Authorization": f"Bearer {access_token(url)}",
                "X-DATEV-Client-Id": CLIENT[0],
            }
            limits = httpx.Limits(
                max_connections=args.workers, max_keepalive_connections=args.workers
            )
            with httpx.Client(base_url=url, headers=headers, limits=limits, timeout=60) as api:
                jobs = [api.post(DXSO).json()["id"] for _ in range(args.jobs)]
                payloads = {
                    i: f"%PDF-1.4 Beleg {i}\n".encode().ljust(args.size, b".")
                    for i in range(args.uploads)
                }

                def upload(i: int) -> int:
                    job = jobs[i % len(jobs)]
                    files = {"files": (f"Beleg {i:06d}.pdf", payloads[i], "application/pdf")}
                    return api.post(f"{DXSO}/{job}/files", files=files).status_code

                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=args.workers) as pool:
                    statuses = list(pool.map(upload, range(args.uploads)))
                elapsed = time.perf_counter() - started
                received = []
                for job in jobs:
                    received += [
                        e["filename"] for e in api.get(f"{DXSO}/{job}/protocol-entries").json()
                    ]
        finally:
            server.terminate()
            server.wait(timeout=10)
        with sqlite3.connect(Path(tmp) / "sandbox.sqlite3") as db:
            stored = db.execute("SELECT name, content FROM dxso_files").fetchall()

    expected = {f"Beleg {i:06d}.pdf": payloads[i] for i in range(args.uploads)}
    failures = sum(1 for s in statuses if s != 201)
    lost = set(expected) - set(received)
    duplicated = len(received) - len(set(received))
    corrupt = sum(1 for name, content in stored if expected.get(name) != content)
    print(
        f"uploads:          {args.uploads} x {args.size} B, {args.workers} workers, "
        f"{args.jobs} jobs"
    )
    print(f"elapsed:          {elapsed:.2f} s")
    print(f"throughput:       {args.uploads / elapsed:.0f} uploads/s")
    print(f"non-201 answers:  {failures}")
    print(f"lost files:       {len(lost)}")
    print(f"duplicated files: {duplicated} (protocol), {len(stored) - len(expected)} (stored)")
    print(f"corrupt files:    {corrupt}")
    ok = not (failures or lost or duplicated or corrupt or len(stored) != len(expected))
    print("verdict:          " + ("OK" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
