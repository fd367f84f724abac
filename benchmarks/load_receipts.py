"""Benchmark: load 1M generated receipt items (canonical CSV) with ``load_receipts``.

Prints the best of 3 next to a baseline measured in the same run (plain ``polars.read_csv`` of the
same file with an all-string schema, i.e. the parsing the loader cannot avoid) and the ratio.
Target (issue 21): at most 1.3x the baseline, every guarantee kept. Prints, asserts nothing.

    .venv/bin/python benchmarks/load_receipts.py [--rows 1000000] [--repeat 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl
from _timing import best_of, figure  # this script's folder is on sys.path

from workbench.samples import write_receipts_csv
from workbench.sources import load_receipts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
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
            f"in {generated:.2f} s"
        )

        baseline, _ = best_of(args.repeat, lambda: pl.read_csv(path, infer_schema=False))
        loaded, result = best_of(args.repeat, lambda: load_receipts(path))

    figure(
        f"load_receipts {args.rows:,} rows (best of {args.repeat})",
        loaded,
        "polars.read_csv (all String)",
        baseline,
    )
    print(
        f"  {result.frame.height:,} rows, {result.findings.height:,} findings; "
        f"target (issue 21): ratio <= 1.3x"
    )


if __name__ == "__main__":
    main()
