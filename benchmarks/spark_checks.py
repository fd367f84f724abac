"""Benchmark the checks beyond one machine (issue 18): the receipts suite on N generated rows
(default 10M) with the polars engine and with Great Expectations on a local Spark session
(``pip install 'datev-workbench[spark]'``, Java 17), with identical findings. The polars run is
the baseline of the same run. Prints, no asserts.

Run: ``.venv/bin/python benchmarks/spark_checks.py [--rows 10000000] [--master local[2]]``.
Spark is the engine for data that does not fit one machine; on one machine it is expected to be
much slower than polars (GX makes several Spark jobs per expectation): the number that matters
is that it finishes with the same findings, and how it grows with the rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from checks import settings  # noqa: E402

from workbench.checks import check  # noqa: E402
from workbench.samples import generate  # noqa: E402

PERIOD = ("2026-01", "2026-03")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    from workbench.checks.spark import spark_session

    start = time.perf_counter()
    frame = generate("receipts", args.rows, seed=42, defect_rate=0.01).frame.with_columns(
        pl.lit("belege.csv").alias("source_file"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("source_row"),
    )
    print(f"{args.rows:,} Zeilen erzeugt in {time.perf_counter() - start:.1f} s")
    options = dict(settings=settings(), period=PERIOD, target="extf")
    start = time.perf_counter()
    fast = check(frame, "receipts", engine="polars", **options)
    polars_seconds = time.perf_counter() - start
    start = time.perf_counter()
    spark = spark_session(args.master)
    session_seconds = time.perf_counter() - start
    start = time.perf_counter()
    on_spark = check(frame, "receipts", engine="gx", spark=spark, **options)
    spark_seconds = time.perf_counter() - start
    spark.stop()
    same = fast.equals(on_spark)
    print(f"polars:       {polars_seconds:8.1f} s  ({fast.height:,} Befunde)")
    print(
        f"GX on Spark:  {spark_seconds:8.1f} s  ({on_spark.height:,} Befunde; Sitzung "
        f"{session_seconds:.1f} s, {args.master})  = x{spark_seconds / polars_seconds:.0f} polars"
    )
    print(f"identische Befunde: {'ja' if same else 'NEIN'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
