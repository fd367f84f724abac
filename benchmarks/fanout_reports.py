"""Benchmark the fan-out over many Mandanten (issue 18): monthly reports for N generated
Mandanten run serially, on a local process pool and on a Dask LocalCluster of worker processes,
against one sandbox. Prints reports per minute and the peak memory of the whole process tree
(this process, its workers and their notebook kernels); the serial run is the baseline of the
same run. No asserts.

Run: ``.venv/bin/python benchmarks/fanout_reports.py [--clients 200] [--workers 2]``.
Target: the pool and the cluster scale with the cores (on 2 cores about twice the serial rate,
less what the kernels' start-up costs); every mode writes the same reports.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402

from workbench.samples import generate  # noqa: E402

PERIOD = "2026-01"


class PeakMemory:
    """Samples the resident memory of this process and all its descendants every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # ended between listing and reading
                    total += process.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def prepare(folder: Path, clients: int, rows: int) -> list[str]:
    """A sandbox seed with ``clients`` Mandanten, one generated receipts file each, and the
    settings naming them as sources; returns the client ids."""
    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    template = next(c for c in seed["accounting_clients"] if c["id"] == "455148-1")
    ids, lines = [], []
    for number in range(1001, 1001 + clients):
        client = f"455148-{number}"
        clone = copy.deepcopy(template)
        clone.update(id=client, client_number=number, name=f"Mandant {number}")
        seed["accounting_clients"].append(clone)
        data = generate("receipts", rows, seed=number, defect_rate=0.02).frame
        path = folder / "quellen" / f"{client}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        data.write_csv(path)
        lines += [f'[clients."{client}"]', f'sources = [{{kind = "receipts", files = ["{path}"]}}]']
        ids.append(client)
    (folder / "seed.json").write_text(json.dumps(seed), encoding="utf-8")
    (folder / "home").mkdir()
    (folder / "home" / "settings.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ids


def run(mode: str, clients: list[str], folder: Path, workers: int) -> dict:
    from workbench.config import load_settings
    from workbench.operations import Unit, run_units
    from workbench.operations.fanout import unit_environment

    settings = load_settings()
    out = folder / f"berichte-{mode}"
    units = [
        Unit(
            action="report",
            client=client,
            period=PERIOD,
            sources=tuple(settings.client_sources(client)),
            options={"base": str(folder), "out_dir": str(out)},
            environment=unit_environment(settings),
        )
        for client in clients
    ]
    cluster = None
    if mode == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        with PeakMemory() as memory:
            start = time.perf_counter()
            results = run_units(
                units,
                workers=1 if mode == "serial" else workers,
                cluster=cluster.scheduler_address if cluster else None,
            )
            seconds = time.perf_counter() - start
    finally:
        if cluster is not None:
            cluster.close()
    failed = [r.client for r in results if r.failed]
    return {
        "mode": mode,
        "seconds": round(seconds, 1),
        "reports_per_minute": round(60 * (len(results) - len(failed)) / seconds, 1),
        "peak_memory_mb": round(memory.peak / 2**20),
        "failed": failed,
        "reports": len(list(out.glob("bericht_*.html"))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rows", type=int, default=300, help="receipt items per Mandant")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--modes", default="serial,pool,dask")
    args = parser.parse_args()
    from workbench.sandbox import start_sandbox

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clients = prepare(folder, args.clients, args.rows)
        os.environ["WORKBENCH_HOME"] = str(folder / "home")
        with start_sandbox(seed=folder / "seed.json") as sandbox:
            os.environ["WORKBENCH_SANDBOX_URL"] = sandbox.url
            rows = [run(mode, clients, folder, args.workers) for mode in args.modes.split(",")]
    base = rows[0]["seconds"]
    print(
        f"{args.clients} Mandanten, {args.rows} Belegpositionen je Mandant, {args.workers} Worker"
    )
    for row in rows:
        speedup = base / row["seconds"] if row["seconds"] else float("nan")
        print(
            f"{row['mode']:>6}: {row['seconds']:8.1f} s  {row['reports_per_minute']:6.1f} "
            f"Berichte/min  x{speedup:4.2f} gegen seriell  Spitze {row['peak_memory_mb']} MB  "
            f"{row['reports']} Berichte, fehlgeschlagen: {row['failed'] or 'keine'}"
        )
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
