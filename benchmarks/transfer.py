"""Benchmark: transfer 10,000 receipt items with Belegbilder to the sandbox (prints; no asserts).

The sandbox runs in its own process (``workbench sandbox``) so that the time spent in the
workbench (packaging, hashing, HTTP client, ledger) and in the sandbox (parsing uploads, storing
files) can be told apart by their CPU time. Prints documents/s and files/s (wall clock), and the
CPU seconds and share of each side. The baseline in the same run: uploading the same files with
bare httpx calls (no packaging, no ledger), i.e. what the transport alone costs.

    .venv/bin/python benchmarks/transfer.py [--items 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import polars as pl
import psutil
from _timing import figure  # this script's folder is on sys.path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.config import sandbox_endpoints  # noqa: E402
from workbench.pipeline.package import package_records  # noqa: E402
from workbench.pipeline.send import send_uploads  # noqa: E402
from workbench.samples import generate_receipts  # noqa: E402
from workbench.sources.loader import LoadResult  # noqa: E402
from workbench.transfer.auth import Session, login  # noqa: E402
from workbench.transfer.client import DatevClient  # noqa: E402
from workbench.transfer.ledger import Ledger  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 2000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(state: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "sandbox",
            "--port",
            str(port),
            "--state",
            str(state),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("sandbox did not start")


def records(items: int, folder: Path) -> pl.DataFrame:
    """Clean receipt items of client 455148-1 mapped to LedgerImport records, one PDF per Beleg."""
    from workbench.mapping import map_receipts
    from workbench.pipeline import records_with_lineage

    frame = generate_receipts(items, seed=7, defects=False).filter(
        pl.col("document_kind") != "Kasse"
    )
    documents = frame["document_id"].unique().to_list()
    for document in documents:
        (folder / f"{document}.pdf").write_bytes(PDF)
    frame = frame.with_columns(
        pl.format("{}/{}.pdf", pl.lit(str(folder)), pl.col("document_id")).alias("attachment"),
        pl.lit("generated.csv").alias("source_file"),
        pl.int_range(2, pl.len() + 2).alias("source_row"),
    )
    loaded = LoadResult(kind="receipts", frame=frame, findings=pl.DataFrame(), sources=())
    return records_with_lineage(map_receipts(loaded, client="455148-1"))


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    (work / "belege").mkdir()
    prepared = records(args.items, work / "belege")
    documents = prepared["document_id"].n_unique()
    sandbox, url = start_sandbox(work / "sandbox")
    server = psutil.Process(sandbox.pid)
    try:
        client = DatevClient(sandbox_endpoints(url), client_id="workbench-sandbox")
        tokens = login(
            client,
            client_secret="sandbox-secret",
            authorize_url=sandbox_endpoints(url)["authorize"],
            open_browser=client.approve_in_sandbox,
            offline=True,
        )
        client.tokens = Session(client, client_secret="sandbox-secret", tokens=tokens)
        ledger = Ledger(work / "ledger.sqlite")
        own_before, server_before = resource.getrusage(resource.RUSAGE_SELF), cpu(server)
        start = time.perf_counter()
        uploads = package_records(
            prepared, client="455148-1", out_dir=work / "packages", ledger=ledger
        )
        transfers = send_uploads(
            ledger, client, uploads, client="455148-1", kind="receipts", wait=120
        )
        wall = time.perf_counter() - start
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        own = (own_after.ru_utime - own_before.ru_utime) + (
            own_after.ru_stime - own_before.ru_stime
        )
        served = cpu(server) - server_before
        files = sum(len(ledger.files(item.id)) for item in transfers)

        # Baseline: the same number of uploads with bare httpx into one job, nothing else.
        job = client.create_dxso_job(
            "455148-1", import_type="accountsPayableLedgerImport", accounting_month="2026-06"
        )
        headers = {
            "Authorization": f"Bearer {client.tokens.access_token()}",
            "X-DATEV-Client-Id": "workbench-sandbox",
        }
        jobs_base = sandbox_endpoints(url)["accounting-dxso-jobs"]
        target = f"{jobs_base}/clients/455148-1/dxso-jobs/{job['id']}/files"
        with httpx.Client(headers=headers) as bare:
            base_start = time.perf_counter()
            for number in range(files):
                bare.post(target, files={"files": (f"f{number}.pdf", PDF, "application/pdf")})
            baseline = time.perf_counter() - base_start
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    print(
        f"transfer of {len(prepared)} receipt items in {documents} documents "
        f"({len(transfers)} transfers, {files} files incl. Belegbilder and document.xml)"
    )
    print(
        f"wall time:            {wall:8.2f} s  ({documents / wall:7.0f} documents/s, "
        f"{files / wall:7.0f} files/s)"
    )
    print(f"workbench (client):   {own:8.2f} s CPU  ({own / (own + served):5.0%} of CPU time)")
    print(
        f"sandbox (server):     {served:8.2f} s CPU  ({served / (own + served):5.0%} of CPU time)"
    )
    print(
        f"baseline bare upload: {baseline:8.2f} s for {files} files ({files / baseline:7.0f} "
        f"files/s); transfer/baseline = {wall / baseline:4.2f}x"
    )
    figure(f"transfer {files:,} files", wall, "bare upload, same files", baseline)


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    main()
