"""Benchmark: one preview page of a 1M-record receipts mapping, next to the mapping itself.

Builds 1M canonical receipt items in memory (Rechnungseingang, Rechnungsausgang and Kasse, 1 % with
``block_transfer``, 1 % with an error finding), maps them with ``map_receipts`` and builds
preview pages (long and wide) from the middle of the result. Prints the best of ``--repeat`` for
each, asserts nothing. Uses ``workbench.samples.generate_receipts`` when it exists (sample data
with seeded defects), else the in-memory frame.

    .venv/bin/python benchmarks/preview.py [--rows 1000000] [--repeat 3] [--page-size 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import polars as pl
from _timing import best_of  # this script's folder is on sys.path

from workbench.findings import FINDINGS_SCHEMA
from workbench.mapping import map_receipts, preview, preview_wide
from workbench.sources import LoadResult, SourceInfo, canonical_schema


def receipts(n: int) -> LoadResult:
    """``n`` receipt items, three per document, as the juston profile would load them."""
    i = pl.int_range(n)
    doc = i // 3
    kind = (
        pl.when(doc % 3 == 0)
        .then(pl.lit("Rechnungseingang"))
        .when(doc % 3 == 1)
        .then(pl.lit("Rechnungsausgang"))
        .otherwise(pl.lit("Kasse"))
    )
    values = {
        "document_id": pl.format("B{}", doc),
        "item_id": pl.format("B{}-{}", doc, i % 3 + 1),
        "document_kind": kind,
        "date": pl.lit(dt.date(2026, 1, 1)) + pl.duration(days=doc % 28),
        "accounting_month": pl.lit("2026-01"),
        "amount": (i % 997 + 1) * 1.25,
        "currency_code": pl.lit("EUR"),
        "account_no": pl.lit("4400"),
        "tax": pl.lit(19.0),
        "invoice_id": pl.format("B{}", doc),
        "booking_text": pl.lit("Ware"),
        "party_name": pl.lit("Müller & Söhne GmbH"),
        "party_city": pl.lit("Görlitz"),
        "block_transfer": i % 100 == 7,
        "source_file": pl.lit("receipts.csv"),
        "source_row": i + 2,
    }
    frame = pl.select(
        [
            values.get(name, pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in canonical_schema("receipts").items()
        ]
    )
    bad = frame.filter(pl.int_range(pl.len()) % 100 == 42)
    findings = bad.select(
        pl.col("source_file").alias("source"),
        pl.col("source_row").alias("row"),
        "item_id",
        pl.lit("amount").alias("column"),
        pl.lit("Amount").alias("source_column"),
        pl.lit("amount.decimals").alias("rule"),
        pl.lit("error").alias("severity"),
        pl.col("amount").cast(pl.String).alias("value"),
        pl.lit("2 Nachkommastellen").alias("expected"),
        pl.lit("Betrag hat zu viele Nachkommastellen.").alias("message"),
        pl.lit(None, dtype=pl.String).alias("suggestion"),
    ).cast(dict(FINDINGS_SCHEMA))
    mapped = {
        "document_id": "AccountingDocument",
        "item_id": "Id",
        "date": "BookingDate",
        "amount": "Amount",
        "invoice_id": "InvoiceNo",
        "party_name": "AccountName",
    }
    info = SourceInfo(
        file="receipts.csv",
        kind="receipts",
        variant="Booking Detail",
        format="csv",
        encoding="utf-8",
        sheet=None,
        rows=n,
        mapped=mapped,
        unmapped=(),
    )
    return LoadResult(kind="receipts", frame=frame, findings=findings, sources=(info,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()

    start = time.perf_counter()
    result = receipts(args.rows)
    print(f"built {args.rows:,} canonical receipt items in {time.perf_counter() - start:.2f} s")

    mapping, mapped = best_of(args.repeat, lambda: map_receipts(result, client="455148-1"))
    counts = mapped.counts().row(0, named=True)
    print(
        f"map_receipts:   {mapping * 1000:8.1f} ms  ({counts['mapped']:,} mapped, "
        f"{counts['blocked']:,} blocked, {counts['skipped']:,} skipped of {counts['loaded']:,})"
    )
    middle = mapped.records.height // 2 // args.page_size
    long, page = best_of(
        args.repeat, lambda: preview(mapped, page=middle, page_size=args.page_size)
    )
    print(
        f"preview page:   {long * 1000:8.1f} ms  ({page.height:,} field lines "
        f"for {args.page_size} records, page {middle:,}; "
        f"{long / mapping:.4f}x the mapping)"
    )
    wide, table = best_of(
        args.repeat, lambda: preview_wide(mapped, page=middle, page_size=args.page_size)
    )
    print(f"preview_wide:   {wide * 1000:8.1f} ms  ({table.height} rows x {table.width} columns)")
    print(f"one page costs {long / mapping * 100:.2f} % of the mapping")


if __name__ == "__main__":
    main()
