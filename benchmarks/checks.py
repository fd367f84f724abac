"""Benchmark the checks: the full receipts suite on 1M generated rows with the polars engine,
and the same suite in Great Expectations (pandas) on fewer rows, scaled, with identical findings.

Run: ``.venv/bin/python benchmarks/checks.py [--rows 1000000] [--gx-rows 50000]``. Prints, no
asserts. Baselines in the same run: one pass over the frame (``DataFrame.hash_rows``: every value
read once), the passes the suite cannot skip (one regex pass over each rarely-repeating text
column with a regex rule, one distinct-values pass over each repetitive one, the duplicate key's
hash; all in one parallel ``collect_all``) and GX on the same rows. Targets (issue 21): checks of
1M rows <= 0.25 s in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import polars as pl
from _timing import figure  # this script's folder is on sys.path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.checks import ClientSettings, check, engine_polars, load_suite  # noqa: E402
from workbench.checks.runner import _plan  # noqa: E402
from workbench.samples import generate  # noqa: E402

PERIOD = ("2026-01", "2026-03")


def settings() -> ClientSettings:
    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    return ClientSettings.from_dict(
        next(c for c in seed["accounting_clients"] if c["id"] == "455148-1")
    )


def frame(rows: int) -> pl.DataFrame:
    data = generate("receipts", rows, seed=42, defect_rate=0.01).frame
    return data.with_columns(
        pl.lit("belege.csv").alias("source_file"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("source_row"),
    )


def unskippable(big: pl.DataFrame, client: ClientSettings) -> list[pl.LazyFrame]:
    """The passes any polars evaluation of the receipts suite makes: each rarely-repeating text
    column with a regex rule read once by one regex (its forbidden characters as one
    alternation, its required pattern), each repetitive one hashed once for its distinct values,
    and the duplicate key hashed once."""
    prepared, expectations, params = _plan(big, load_suite("receipts"), client, PERIOD, "xml")
    distinct, union = engine_polars._screened_groups(prepared, expectations)
    regexes = [engine_polars._union_screen(c, group, params) for c, group in union.items()]
    regexes += [
        engine_polars.compile_expectation(e, prepared.schema, params)
        for e in expectations
        if e.type in engine_polars.REGEX_TYPES
        and e.column not in distinct
        and (e.column not in union or e.type == "expect_column_values_to_match_regex")
    ]
    lazy = prepared.lazy()
    return [
        lazy.select(regexes),
        lazy.select(pl.col(c).drop_nulls().unique().implode() for c in distinct),
        lazy.select(pl.col("invoice_id").hash()),
    ]


def timed(function, repeat: int) -> tuple[float, object, float, float]:
    """Best and median wall time, and the CPU time of the best run (all threads)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    best = min(range(repeat), key=times.__getitem__)
    return times[best], result, statistics.median(times), cpu[best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gx-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    client = settings()
    suite = load_suite("receipts")
    print(
        f"receipts suite: {len(suite.expectations)} expectations "
        f"(+ cross-row rules), target xml, period {PERIOD[0]}..{PERIOD[1]}; "
        f"{os.cpu_count()} cores, POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', '-')}"
    )

    big = frame(args.rows)
    print(f"load average {os.getloadavg()[0]:.1f} (timings are noisy on a shared machine)")
    best, findings, median, cpu = timed(
        lambda: check(big, "receipts", settings=client, period=PERIOD), args.repeat
    )
    print(
        f"polars  {args.rows:>9,} rows: best {best:6.3f} s (cpu {cpu:.3f} s), median "
        f"{median:6.3f} s, {findings.height:,} findings"
    )
    floor, _, _, floor_cpu = timed(big.hash_rows, args.repeat)
    figure(f"checks {args.rows:,} rows (best)", best, "one pass: hash_rows (best)", floor)
    passes = unskippable(big, client)
    least, _, _, least_cpu = timed(lambda: pl.collect_all(passes), args.repeat)
    figure(f"checks {args.rows:,} rows vs floor", best, "unskippable passes (best)", least)
    print(
        f"cpu: checks {cpu:.3f} s, unskippable passes {least_cpu:.3f} s, hash_rows "
        f"{floor_cpu:.3f} s (cpu / 2 cores bounds the wall time from below)"
    )

    small = frame(args.gx_rows)
    fast_best, fast, _, _ = timed(
        lambda: check(small, "receipts", settings=client, period=PERIOD), args.repeat
    )
    from workbench.checks.engine_gx import gx_context

    start = time.perf_counter()
    gx_context()
    print(
        f"gx import + context: {time.perf_counter() - start:.1f} s (once per process, not counted)"
    )
    check(small.head(100), "receipts", settings=client, period=PERIOD, engine="gx")  # warm-up
    gx_best, reference, _, _ = timed(
        lambda: check(small, "receipts", settings=client, period=PERIOD, engine="gx"), 2
    )
    same = fast.equals(reference)
    scale = args.rows / args.gx_rows
    print(f"polars  {args.gx_rows:>9,} rows: best {fast_best:6.3f} s, {fast.height:,} findings")
    print(
        f"gx      {args.gx_rows:>9,} rows: best {gx_best:6.3f} s, {reference.height:,} findings "
        f"(identical to polars: {same})"
    )
    figure(f"checks {args.gx_rows:,} rows polars", fast_best, "same rows, GX engine", gx_best)
    print(f"gx scaled to {args.rows:,} rows (x{scale:g}, linear): ~{gx_best * scale:6.1f} s")
    print(
        f"ratio gx/polars on {args.gx_rows:,} rows: {gx_best / fast_best:5.1f}x; "
        f"scaled gx vs polars on {args.rows:,} rows: {gx_best * scale / best:5.1f}x"
    )


if __name__ == "__main__":
    main()
