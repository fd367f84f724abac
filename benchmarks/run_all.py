"""Run every benchmark in this folder, one process each, and print their numbers (no asserts).

    .venv/bin/python benchmarks/run_all.py            # full sizes (long: tens of minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # small sizes, a smoke run
    .venv/bin/python benchmarks/run_all.py --quick --scale   # each also at 10x fewer/more

Whole-process figures come first (``whole_process.py``: ``workbench`` as a user runs it). Each
script compares against a baseline measured in the same run; see its docstring for the target
of its issue. ``--scale`` runs every script again with its sizes divided and multiplied by 10
(the larger run only from ``--quick`` sizes, or with ``--large``: 10x the full sizes does not fit
this machine) and prints the growth factor per 10x of each ``= `` figure line and of the
script's wall time: ~10 is linear, ~100 a quadratic step.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: script -> (its sizes at full scale, the quick run's arguments)
RUNS: dict[str, tuple[dict[str, int], list[str]]] = {
    "whole_process.py": (
        {"--rows": 1_000_000, "--gx-rows": 100_000},
        ["--rows", "10000", "--gx-rows", "2000", "--repeat", "3"],
    ),
    "load_receipts.py": ({"--rows": 1_000_000}, ["--rows", "100000"]),
    "checks.py": (
        {"--rows": 1_000_000, "--gx-rows": 50_000},
        ["--rows", "100000", "--gx-rows", "5000", "--repeat", "2"],
    ),
    "datev_formats.py": (
        {"--rows": 1_000_000, "--items": 100_000},
        ["--rows", "100000", "--items", "10000"],
    ),
    "preview.py": ({"--rows": 1_000_000}, ["--rows", "100000"]),
    "mapping.py": (
        {"--invoices": 100_000, "--pos": 300_000},
        ["--invoices", "20000", "--pos", "60000"],
    ),
    "sandbox_uploads.py": ({"--uploads": 2000}, ["--uploads", "300"]),
    "transfer.py": ({"--items": 10_000}, ["--items", "1000"]),
    "calls_matching.py": (
        {"--calls": 100_000, "--addressees": 10_000},
        ["--calls", "10000", "--addressees", "1000", "--repeat", "1"],
    ),
    "bank_match.py": (
        {"--lines": 100_000, "--receipts": 100_000},
        ["--lines", "10000", "--receipts", "10000", "--repeat", "1"],
    ),
    "pruefbericht.py": ({"--rows": 100_000}, ["--rows", "10000", "--repeat", "1"]),
    "einvoices.py": ({"--invoices": 10_000}, ["--invoices", "1000", "--schematron", "50"]),
    "reconcile.py": (
        {"--bookings": 100_000},
        ["--bookings", "5000", "--differences", "10", "--repeat", "1"],
    ),
    "fanout_reports.py": ({"--clients": 200, "--rows": 300}, ["--clients", "6", "--rows", "100"]),
    # Needs the [spark] extra and Java 17 (make test-spark installs both).
    "spark_checks.py": ({"--rows": 10_000_000}, ["--rows", "100000"]),
}


def scaled(sizes: dict[str, int], args: list[str], factor: float) -> list[str]:
    """``args`` with every size option (its value in ``args``, else the full size) x factor."""
    values, rest = dict(sizes), []
    given = iter(args)
    for arg in given:
        if arg in sizes:
            values[arg] = int(next(given))
        else:
            rest.append(arg)
    return rest + [part for k, v in values.items() for part in (k, str(max(1, int(v * factor))))]


def run(script: str, args: list[str]) -> tuple[float, list[float], int]:
    """Run one script (its output shown as it comes); wall time, its ``= `` figures, exit code."""
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True
    )
    figures = []
    assert process.stdout is not None
    for output in process.stdout:
        print(output, end="", flush=True)
        if output.startswith("= ") and " s |" in output:
            figures.append(float(output.split(" s |", 1)[0].split()[-1]))
    code = process.wait()
    wall = time.perf_counter() - start
    print(f"--- {script}: {wall:.1f} s wall", flush=True)
    return wall, figures, code


def growth(script: str, results: dict[float, tuple[float, list[float], int]]) -> None:
    """Growth per 10x of the size: wall time and each figure, smaller -> larger."""
    factors = sorted(results)
    for small, large in itertools.pairwise(factors):
        (wall_a, fig_a, _), (wall_b, fig_b, _) = results[small], results[large]
        per_figure = " ".join(f"{b / a:.1f}" for a, b in zip(fig_a, fig_b, strict=False) if a)
        print(
            f"growth {script} x{small:g} -> x{large:g}: wall {wall_b / wall_a:.1f}x"
            + (f"; figures: {per_figure}" if per_figure else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--scale", action="store_true", help="also 10x fewer and more")
    parser.add_argument("--large", action="store_true", help="10x the full sizes too")
    parser.add_argument("only", nargs="*", help="run only these scripts")
    args = parser.parse_args()
    failed, summaries = [], []
    for script, (sizes, quick) in RUNS.items():
        if args.only and script not in args.only:
            continue
        base = quick if args.quick else []
        factors = [1.0]
        if args.scale:
            factors = [0.1, 1.0] + ([10.0] if args.quick or args.large else [])
        results = {f: run(script, base if f == 1 else scaled(sizes, base, f)) for f in factors}
        if any(code for _, _, code in results.values()):
            failed.append(script)
        if args.scale:
            summaries.append((script, results))
    for script, results in summaries:
        growth(script, results)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
