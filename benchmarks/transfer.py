"""Benchmark: transfer 10,000 receipt items with Belegbilder to the sandbox (prints; no asserts).

Target (issue 21): the transfer takes at most 1.1x the bare upload of the same files.

The sandbox runs in its own process (``workbench sandbox``) so that the time spent in the
workbench (packaging, hashing, HTTP client, ledger) and in the sandbox (parsing uploads, storing
files) can be told apart by their CPU time. Each round starts a fresh sandbox and times, in
alternating order (so that a sandbox filling up or the machine's load drifting favours no side):

* **transfer**: what ``workbench transfer`` does after mapping: the package stage (XML packages
  with the XSD check, Belegbilder copied into them) and the send stage (ledger registration with
  a SHA-256 per file, one DATEV job per package, every upload marked in the ledger, finalise);
* **client calls**: the same HTTP calls through the workbench's ``DatevClient`` and nothing else
  (shows what its retry/error wrapper costs);
* **bare upload** (the baseline): the same files (names, bytes, media types, read from disk)
  into as many jobs, created and finalised, with bare ``httpx`` calls over one keep-alive
  connection configured like ``DatevClient``'s (30 s timeout, httpx's default pool), one
  request at a time as the transfer sends them.

Left out of both on purpose: login (once per session) and waiting for DATEV to finish an earlier
job of the same Beleg-Art and month (this run has one package per group, so there is none).
Prints the medians over ``--repeat`` rounds, the per-round ratios and the load average.

    .venv/bin/python benchmarks/transfer.py [--items 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
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
from workbench.transfer.media_types import media_type  # noqa: E402

CLIENT = "455148-1"

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


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def logged_in(url: str) -> DatevClient:
    client = DatevClient(sandbox_endpoints(url), client_id="workbench-sandbox")
    tokens = login(
        client,
        client_secret="sandbox-secret",
        authorize_url=sandbox_endpoints(url)["authorize"],
        open_browser=client.approve_in_sandbox,
        offline=True,
    )
    client.tokens = Session(client, client_secret="sandbox-secret", tokens=tokens)
    return client


def run_transfer(client: DatevClient, prepared: pl.DataFrame, work: Path) -> dict[str, float]:
    """Package and send like ``workbench transfer`` into a fresh ledger; seconds per stage."""
    ledger = Ledger(work / "ledger.sqlite")
    start = time.perf_counter()
    uploads = package_records(prepared, client=CLIENT, out_dir=work / "packages", ledger=ledger)
    packaged = time.perf_counter()
    transfers = send_uploads(ledger, client, uploads, client=CLIENT, kind="receipts", wait=120)
    end = time.perf_counter()
    files = sum(len(ledger.files(transfer.id)) for transfer in transfers)
    if any(transfer.local_status != "Transferiert" for transfer in transfers):
        raise RuntimeError("transfer did not complete")
    ledger.close()
    return {"wall": end - start, "package": packaged - start, "send": end - packaged,
            "files": files, "transfers": len(transfers)}  # fmt: skip


def run_client_calls(client: DatevClient, packages: list[list[Path]]) -> float:
    """The same calls through ``DatevClient`` only: job, every file, finalise, per package."""
    start = time.perf_counter()
    for files in packages:
        job = client._json("POST", "accounting-dxso-jobs", f"/clients/{CLIENT}/dxso-jobs",
                           what="Datenübertragung anlegen", safe=False, json={})["id"]  # fmt: skip
        for path in files:
            content = path.read_bytes()
            client.upload_dxso_file(CLIENT, job, path.name, content, media_type(path))
        client.finalize_dxso_job(CLIENT, job)
    return time.perf_counter() - start


def run_bare(client: DatevClient, url: str, packages: list[list[Path]]) -> float:
    """The baseline: the same requests with bare httpx, one keep-alive connection."""
    headers = {
        "Authorization": f"Bearer {client.tokens.access_token()}",  # type: ignore[union-attr]
        "X-DATEV-Client-Id": "workbench-sandbox",
    }
    jobs = f"{sandbox_endpoints(url)['accounting-dxso-jobs']}/clients/{CLIENT}/dxso-jobs"
    with httpx.Client(headers=headers, timeout=30.0, follow_redirects=False) as bare:
        start = time.perf_counter()
        for files in packages:
            job = bare.post(jobs, json={}).json()["id"]
            for path in files:
                content = path.read_bytes()
                answer = bare.post(
                    f"{jobs}/{job}/files",
                    files={"files": (path.name, content, media_type(path))},
                )
                if answer.status_code != 201:
                    raise RuntimeError(answer.text)
            bare.put(
                f"{jobs}/{job}",
                content=b'{"ready":"true"}',
                headers={"Content-Type": "application/merge-patch+json"},
            ).raise_for_status()
        return time.perf_counter() - start


def one_round(
    number: int, prepared: pl.DataFrame, packages: list[list[Path]], work: Path
) -> dict[str, float]:
    sandbox, url = start_sandbox(work / f"sandbox-{number}")
    server = psutil.Process(sandbox.pid)
    result: dict[str, float] = {}
    try:
        client = logged_in(url)
        phases = ["transfer", "client", "bare"]
        for phase in phases[number % 3 :] + phases[: number % 3]:  # rotate the order
            if phase == "transfer":
                own, served = own_cpu(), cpu(server)
                result.update(run_transfer(client, prepared, work / f"transfer-{number}"))
                result["own_cpu"], result["server_cpu"] = own_cpu() - own, cpu(server) - served
            elif phase == "client":
                result["client"] = run_client_calls(client, packages)
            else:
                result["bare"] = run_bare(client, url, packages)
        client.close()
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    print(
        f"round {number + 1}: transfer {result['wall']:6.2f} s (package {result['package']:5.2f}"
        f" s, send {result['send']:6.2f} s), client calls {result['client']:6.2f} s, bare "
        f"upload {result['bare']:6.2f} s; transfer/bare {result['wall'] / result['bare']:4.2f}x",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians are printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    (work / "belege").mkdir()
    prepared = records(args.items, work / "belege")
    documents = prepared["document_id"].n_unique()
    # The files the baselines send: the same packages, written once beforehand.
    reference = package_records(prepared, client=CLIENT, out_dir=work / "reference")
    packages = [upload.files() for upload in reference]
    files = sum(len(package) for package in packages)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    rounds = [one_round(number, prepared, packages, work) for number in range(args.repeat)]
    if any(one["files"] != files for one in rounds):
        raise RuntimeError("the transfer sent other files than the baselines")

    def med(key: str) -> float:
        return statistics.median(one[key] for one in rounds)

    wall, bare, client_calls = med("wall"), med("bare"), med("client")
    print(f"load average after:  {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"transfer of {len(prepared)} receipt items in {documents} documents "
        f"({rounds[0]['transfers']:.0f} transfers, {files} files incl. Belegbilder and "
        f"document.xml), medians of {args.repeat} rounds:"
    )
    print(
        f"transfer:             {wall:8.2f} s  ({documents / wall:7.0f} documents/s, "
        f"{files / wall:7.0f} files/s); package stage {med('package'):.2f} s, send stage "
        f"{med('send'):.2f} s"
    )
    own, served = med("own_cpu"), med("server_cpu")
    print(f"workbench (client):   {own:8.2f} s CPU  ({own / (own + served):5.0%} of CPU time)")
    print(
        f"sandbox (server):     {served:8.2f} s CPU  ({served / (own + served):5.0%} of CPU time)"
    )
    print(f"client calls only:    {client_calls:8.2f} s  ({files / client_calls:7.0f} files/s)")
    ratios = " ".join(f"{one['wall'] / one['bare']:.2f}x" for one in rounds)
    print(
        f"baseline bare upload: {bare:8.2f} s  ({files / bare:7.0f} files/s); per round "
        f"transfer/bare: {ratios}"
    )
    figure(f"transfer {files:,} files", wall, "bare upload, same files", bare)
    figure(f"client calls {files:,} files", client_calls, "bare upload, same files", bare)


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    main()
