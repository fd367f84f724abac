"""Run every benchmark in this folder, one process each, and print their numbers (no asserts).

    .venv/bin/python benchmarks/run_all.py            # full sizes (several minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # small sizes, a smoke run

Each script compares against a baseline measured in the same run; see its docstring for the
target of its issue.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = {
    "load_receipts.py": ([], ["--rows", "100000"]),
    "checks.py": ([], ["--rows", "100000", "--gx-rows", "5000", "--repeat", "2"]),
    "datev_formats.py": ([], ["--rows", "100000", "--items", "10000"]),
    "preview.py": ([], ["--rows", "100000"]),
    "mapping.py": ([], ["--invoices", "20000", "--pos", "60000"]),
    "sandbox_uploads.py": ([], ["--uploads", "300"]),
    "transfer.py": ([], ["--items", "1000"]),
    "calls_matching.py": ([], ["--calls", "10000", "--addressees", "1000", "--repeat", "1"]),
    "bank_match.py": ([], ["--lines", "10000", "--receipts", "10000", "--repeat", "1"]),
    "pruefbericht.py": ([], ["--rows", "10000", "--repeat", "1"]),
    "einvoices.py": ([], ["--invoices", "1000", "--schematron", "50"]),
    "reconcile.py": ([], ["--bookings", "5000", "--differences", "10", "--repeat", "1"]),
    "fanout_reports.py": ([], ["--clients", "6", "--rows", "100"]),
    # Needs the [spark] extra and Java 17 (make test-spark installs both).
    "spark_checks.py": ([], ["--rows", "100000"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("only", nargs="*", help="run only these scripts")
    args = parser.parse_args()
    failed = []
    for script, (full, quick) in RUNS.items():
        if args.only and script not in args.only:
            continue
        print(f"\n=== {script} {' '.join(quick if args.quick else full)}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / script), *(quick if args.quick else full)]
        )
        print(f"--- {script}: {time.perf_counter() - start:.1f} s wall", flush=True)
        if done.returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
