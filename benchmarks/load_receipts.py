"""Benchmark: load 1M generated receipt items (canonical CSV) with ``load_receipts``.

Prints the median of ``--repeat`` runs next to a baseline measured in the same run (plain
``polars.read_csv`` of the same file with an all-string schema, i.e. the parsing the loader cannot
avoid) and the ratio; the runs alternate (baseline, loader, baseline, ...) so that a busy machine
slows both alike. Also ``load_run``, the load stage as ``workbench load`` runs it (profile found
from the header, Belegbild paths resolved), and the CPU time of each (all threads), which
shared machines disturb less than wall time.
Target (issue 21): at most 1.3x the baseline, every guarantee kept. Prints, asserts nothing.

    .venv/bin/python benchmarks/load_receipts.py [--rows 1000000] [--repeat 5] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from _timing import figure  # this script's folder is on sys.path

from workbench.pipeline import load_run
from workbench.samples import write_receipts_csv
from workbench.sources import load_receipts


def alternating(
    repeat: int, runs: dict[str, Callable[[], Any]]
) -> dict[str, tuple[float, float, Any]]:
    """Median wall and CPU seconds of each of ``runs``, called in turn ``repeat`` times, and
    its last result."""
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    results: dict[str, Any] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            results[name] = run()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    median = statistics.median
    return {name: (median(walls[name]), median(cpus[name]), results[name]) for name in runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "receipts_1m.csv"
        start = time.perf_counter()
        manifest = write_receipts_csv(path, args.rows, seed=args.seed, profile="canonical")
        generated = time.perf_counter() - start
        size = path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size:.0f} MB, {manifest.height:,} seeded defects) "
            f"in {generated:.2f} s; load average {os.getloadavg()[0]:.1f}"
        )
        measured = alternating(
            args.repeat,
            {
                "baseline": lambda: pl.read_csv(path, infer_schema=False),
                "load_receipts": lambda: load_receipts(path),
                "load_run": lambda: load_run("receipts", [path]).result,
            },
        )

    baseline, baseline_cpu, _ = measured["baseline"]
    for name, label in (("load_receipts", "load_receipts"), ("load_run", "load_run (auto)")):
        seconds, cpu, result = measured[name]
        figure(
            f"{label} {args.rows:,} rows (median of {args.repeat})",
            seconds,
            "polars.read_csv (all String)",
            baseline,
        )
        print(
            f"  CPU {cpu:.3f} s vs {baseline_cpu:.3f} s ({cpu / baseline_cpu:.2f}x); "
            f"{result.frame.height:,} rows, {result.findings.height:,} findings"
        )
    print(f"  target (issue 21): ratio <= 1.3x; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
