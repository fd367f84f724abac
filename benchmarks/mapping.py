"""Benchmark: ``map_invoices`` (RDS and BDS) and ``map_pos`` on generated data with seeded defects.

The receipts mapper has its own run in ``preview.py``. Inputs come from the sample generator
(``workbench.samples``: 1 % of the rows carry a seeded defect, as in the committed samples); their
generation is not timed. Prints the best of ``--repeat`` per mapper and the counts (mapped,
blocked, skipped), asserts nothing.

    .venv/bin/python benchmarks/mapping.py [--invoices 100000] [--pos 300000] [--repeat 3]
"""

from __future__ import annotations

import argparse

import polars as pl
from _timing import best_of  # this script's folder is on sys.path

from workbench.findings import empty_findings
from workbench.mapping import PosMapping, map_invoices, map_pos
from workbench.samples import generate_invoices, generate_pos
from workbench.sources import LoadResult

POS_ACCOUNTS = {
    "Speisen": "8300",
    "Getränke": "8400",
    "Bar": "1000",
    "EC-Karte": "1360",
    "Kreditkarte": "1361",
    "Gutschein": "1590",
}


def _located(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(file).alias("source_file"), (pl.int_range(pl.len()) + 2).alias("source_row")
    )


def invoices(n: int) -> LoadResult:
    frame, positions = generate_invoices(n, seed=5)
    return LoadResult(
        kind="invoices",
        frame=_located(frame, "invoices.csv"),
        findings=empty_findings(),
        sources=(),
        positions=_located(positions, "positions.csv"),
    )


def pos(n: int) -> tuple[LoadResult, PosMapping]:
    frame = _located(generate_pos(n, seed=5), "pos.csv")
    accounts = {c: POS_ACCOUNTS.get(c, "8200") for c in frame["category"].unique().drop_nulls()}
    mapping = PosMapping(
        accounts=accounts, transit_account="1590", tip_account="1755", period="weekly"
    )
    return LoadResult(kind="pos", frame=frame, findings=empty_findings(), sources=()), mapping


def _line(name: str, seconds: float, mapped) -> str:
    counts = mapped.counts().select(pl.exclude("source_file", "balanced")).sum().row(0, named=True)
    return (
        f"{name:<18}{seconds * 1000:9.1f} ms  ({counts['mapped']:,} mapped, {counts['blocked']:,} "
        f"blocked, {counts['skipped']:,} skipped of {counts['loaded']:,}; "
        f"{mapped.records.height:,} records)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--pos", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    loaded = invoices(args.invoices)
    for mode in ("rds", "bds"):
        seconds, mapped = best_of(
            args.repeat, lambda mode=mode: map_invoices(loaded, mode=mode, check_attachments=False)
        )
        print(_line(f"map_invoices {mode}", seconds, mapped))
    sales, mapping = pos(args.pos)
    seconds, mapped = best_of(args.repeat, lambda: map_pos(sales, mapping=mapping))
    print(_line("map_pos weekly", seconds, mapped))


if __name__ == "__main__":
    main()
