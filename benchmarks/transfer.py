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
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import polars as pl
import psutil
from _sandbox import sandbox_process  # this script's folder is on sys.path
from _timing import figure

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


Group = tuple[str, str]  # (Buchungsmonat, Beleg-Art): one transfer each in this run


def run_transfer(
    client: DatevClient, prepared: pl.DataFrame, ledger: Ledger, out: Path, group: Group
) -> int:
    """Package and send one group like ``workbench transfer --month --document-kind``; the
    number of files sent."""
    month, kind = group
    uploads = package_records(
        prepared, client=CLIENT, out_dir=out, ledger=ledger, month=month, document_kind=kind
    )
    transfers = send_uploads(ledger, client, uploads, client=CLIENT, kind="receipts", wait=120)
    if any(transfer.local_status != "Transferiert" for transfer in transfers):
        raise RuntimeError("transfer did not complete")
    return sum(len(ledger.files(transfer.id)) for transfer in transfers)


def run_client_calls(client: DatevClient, packages: list[list[Path]]) -> int:
    """The same calls through ``DatevClient`` only: job, every file, finalise, per package."""
    for files in packages:
        job = client._json("POST", "accounting-dxso-jobs", f"/clients/{CLIENT}/dxso-jobs",
                           what="Datenübertragung anlegen", safe=False, json={})["id"]  # fmt: skip
        for path in files:
            content = path.read_bytes()
            client.upload_dxso_file(CLIENT, job, path.name, content, media_type(path))
        client.finalize_dxso_job(CLIENT, job)
    return sum(len(files) for files in packages)


def run_bare(bare: httpx.Client, jobs: str, packages: list[list[Path]]) -> int:
    """The baseline: the same requests with bare httpx over one keep-alive connection."""
    for files in packages:
        job = bare.post(jobs, json={}).json()["id"]
        for path in files:
            content = path.read_bytes()
            answer = bare.post(
                f"{jobs}/{job}/files", files={"files": (path.name, content, media_type(path))}
            )
            if answer.status_code != 201:
                raise RuntimeError(answer.text)
        bare.put(
            f"{jobs}/{job}",
            content=b'{"ready":"true"}',
            headers={"Content-Type": "application/merge-patch+json"},
        ).raise_for_status()
    return sum(len(files) for files in packages)


PHASES = ("transfer", "client", "bare")


def one_round(
    number: int, prepared: pl.DataFrame, groups: dict[Group, list[list[Path]]], work: Path
) -> dict[str, dict[str, float]]:
    """Every phase on every group, interleaved group by group in rotating order (the load of
    a shared machine moves within seconds); wall, workbench CPU and sandbox CPU per phase."""
    sandbox, url = sandbox_process(work / f"sandbox-{number}")
    server = psutil.Process(sandbox.pid)
    totals = {phase: {"wall": 0.0, "own": 0.0, "served": 0.0, "files": 0} for phase in PHASES}
    ledger = Ledger(work / f"ledger-{number}.sqlite")
    try:
        client = logged_in(url)
        headers = {
            "Authorization": f"Bearer {client.tokens.access_token()}",  # type: ignore[union-attr]
            "X-DATEV-Client-Id": "workbench-sandbox",
        }
        jobs = f"{sandbox_endpoints(url)['accounting-dxso-jobs']}/clients/{CLIENT}/dxso-jobs"
        bare = httpx.Client(headers=headers, timeout=30.0, follow_redirects=False)
        runs = {
            "transfer": lambda group, packages: run_transfer(
                client, prepared, ledger, work / f"transfer-{number}", group
            ),
            "client": lambda group, packages: run_client_calls(client, packages),
            "bare": lambda group, packages: run_bare(bare, jobs, packages),
        }
        for index, (group, packages) in enumerate(groups.items()):
            shift = (number + index) % len(PHASES)
            for phase in PHASES[shift:] + PHASES[:shift]:
                own, served, start = own_cpu(), cpu(server), time.perf_counter()
                files = runs[phase](group, packages)
                total = totals[phase]
                total["wall"] += time.perf_counter() - start
                total["own"] += own_cpu() - own
                total["served"] += cpu(server) - served
                total["files"] += files
        bare.close()
        client.close()
    finally:
        ledger.close()
        sandbox.terminate()
        sandbox.wait(10)
    walls = " / ".join(f"{totals[phase]['wall']:6.2f}" for phase in PHASES)
    cpus = " / ".join(f"{totals[phase]['own'] + totals[phase]['served']:6.2f}" for phase in PHASES)
    ratio = totals["transfer"]["wall"] / totals["bare"]["wall"]
    print(
        f"round {number + 1}: transfer / client calls / bare upload: wall {walls} s "
        f"(transfer/bare {ratio:4.2f}x), CPU workbench+sandbox {cpus} s",
        flush=True,
    )
    return totals


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
    groups: dict[Group, list[list[Path]]] = {}
    for upload in package_records(prepared, client=CLIENT, out_dir=work / "reference"):
        groups.setdefault((upload.month or "", upload.document_kind), []).append(upload.files())
    files = sum(len(package) for packages in groups.values() for package in packages)
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    rounds = [one_round(number, prepared, groups, work) for number in range(args.repeat)]
    if any(one[phase]["files"] != files for one in rounds for phase in PHASES):
        raise RuntimeError("the phases sent different numbers of files")

    def med(phase: str, key: str) -> float:
        if key == "cpu":
            return statistics.median(one[phase]["own"] + one[phase]["served"] for one in rounds)
        return statistics.median(one[phase][key] for one in rounds)

    wall, bare, client_calls = med("transfer", "wall"), med("bare", "wall"), med("client", "wall")
    print(f"load average after:  {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"transfer of {len(prepared)} receipt items in {documents} documents "
        f"({len(groups)} groups, {files} files incl. Belegbilder and document.xml), "
        f"medians of {args.repeat} rounds:"
    )
    print(
        f"transfer:             {wall:8.2f} s  ({documents / wall:7.0f} documents/s, "
        f"{files / wall:7.0f} files/s)"
    )
    own, served = med("transfer", "own"), med("transfer", "served")
    print(f"workbench (client):   {own:8.2f} s CPU  ({own / (own + served):5.0%} of CPU time)")
    print(
        f"sandbox (server):     {served:8.2f} s CPU  ({served / (own + served):5.0%} of CPU time)"
    )
    print(f"client calls only:    {client_calls:8.2f} s  ({files / client_calls:7.0f} files/s)")
    ratios = " ".join(f"{one['transfer']['wall'] / one['bare']['wall']:.2f}x" for one in rounds)
    print(
        f"baseline bare upload: {bare:8.2f} s  ({files / bare:7.0f} files/s); per round "
        f"transfer/bare: {ratios}"
    )
    figure(f"transfer {files:,} files", wall, "bare upload, same files", bare)
    figure(f"client calls {files:,} files", client_calls, "bare upload, same files", bare)
    # CPU seconds of both processes: what the work costs, whatever else the machine runs.
    figure("transfer CPU (workbench+sandbox)", med("transfer", "cpu"), "bare upload CPU",
           med("bare", "cpu"))  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="bench-home-"))
    main()
