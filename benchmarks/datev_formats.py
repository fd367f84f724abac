"""Benchmark of the DATEV format layer (prints numbers; not a test).

    .venv/bin/python benchmarks/datev_formats.py            # both parts, each in its own process
    .venv/bin/python benchmarks/datev_formats.py --part extf --rows 1000000
    .venv/bin/python benchmarks/datev_formats.py --part xml --items 100000

Targets (issue 21): EXTF for 1M bookings <= 1 s and <= 400 MB peak RSS (the whole process,
its input frame included), XML packages for 100k receipt items <= 3 s with the XSD check on.
Every figure is the median of ``--repeat`` runs, its baseline alternating with it in the same
process. Inputs are generated deterministically (seeded) and their generation is not timed.
Each part runs in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from _timing import figure  # this script's folder is on sys.path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def bookings(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(20240131)
    days = pl.date_range(date(2024, 1, 1), date(2024, 1, 31), eager=True)
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": rng.integers(1, 10**7, rows) / 100,
            "Soll/Haben-Kennzeichen": np.where(rng.random(rows) < 0.5, "S", "H"),
            "Konto": rng.integers(10000, 69999, rows),
            "Gegenkonto (ohne BU-Schlüssel)": rng.integers(1000, 9999, rows),
            "BU-Schlüssel": pl.Series(np.where(rng.random(rows) < 0.3, "9", "")).replace("", None),
            "Belegdatum": days.gather(rng.integers(0, len(days), rows)),
            "Belegfeld 1": pl.int_range(rows, eager=True)
            .cast(pl.String)
            .str.pad_start(8, "0")
            .str.replace("^", "RE-"),
            "Buchungstext": pl.int_range(rows, eager=True)
            .cast(pl.String)
            .str.replace("^", "Lieferung Müller KG Nr. "),
            "KOST1 - Kostenstelle": pl.Series(np.where(rng.random(rows) < 0.5, "100", "200")),
        }
    )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:  # pages: size, resident, ...
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def run_extf(rows: int, tmp_root: str | None, repeat: int) -> None:
    from workbench.datev.extf import ExtfHeader, write_extf_files

    frame = bookings(rows)
    before = _rss_mb()  # the process with its input, before the first file is written
    header = ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=date(2024, 1, 1),
        label="Benchmark",
        created_at=datetime(2024, 2, 1),
    )
    walls, cpus, floors = [], [], []
    peak = 0.0
    for _ in range(repeat):  # writer and baseline alternate, so both see the same load
        with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
            start, cpu = time.perf_counter(), time.process_time()
            paths = write_extf_files(frame, header, directory=tmp)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            size = sum(p.stat().st_size for p in paths) / 1e6
        peak = max(peak, _peak_mb())  # before the baseline, which must not count
        with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
            start = time.perf_counter()
            frame.write_csv(Path(tmp) / "floor.csv", separator=";")  # the bytes, nothing checked
            floors.append(time.perf_counter() - start)
    elapsed = statistics.median(walls)
    print(
        f"EXTF  {rows:>9,} bookings -> {len(paths)} files, {size:,.0f} MB, median of {repeat}: "
        f"{elapsed:6.2f} s wall, {statistics.median(cpus):.2f} s CPU "
        f"(target, issue 21: <= 1 s, <= 400 MB)"
    )
    figure(
        f"EXTF {rows:,} bookings",
        elapsed,
        "polars write_csv, same frame",
        statistics.median(floors),
    )
    print(
        f"  EXTF peak RSS {peak:,.0f} MB of the whole process, input frame included "
        f"(RSS {before:,.0f} MB before writing; target <= 400 MB)"
    )


def receipt_items(
    items: int, per_document: int, attachment_every: int, attachment_dir: Path
) -> pl.DataFrame:
    rng = np.random.default_rng(20240201)
    doc = np.arange(items) // per_document
    documents = int(doc.max()) + 1
    kinds = np.array(["Rechnungseingang", "Rechnungsausgang", "Kasse"])[doc % 3]
    day = pl.Series([date(2024, 1 + (d % 12), 1 + (d % 28)) for d in range(documents)])
    for d in range(0, documents, attachment_every):
        (attachment_dir / f"Beleg {d:06d}.pdf").write_bytes(b"%PDF-1.4\n% benchmark\n" * 20)
    attachment = [
        str(attachment_dir / f"Beleg {d:06d}.pdf") if d % attachment_every == 0 else None
        for d in doc
    ]
    doc_ids = pl.Series(doc).cast(pl.String)
    return pl.DataFrame(
        {
            "document_id": "D" + doc_ids,
            "document_kind": kinds,
            "date": day.gather(doc),
            "amount": np.where(kinds == "Kasse", -1, 1) * rng.integers(1, 10**6, items) / 100,
            "accountNo": rng.integers(4000, 4999, items),
            "tax": np.full(items, 19.0),
            "currencyCode": ["EUR"] * items,
            "invoiceId": "RE-" + doc_ids,
            "bookingText": pl.int_range(items, eager=True)
            .cast(pl.String)
            .str.replace("^", "Position "),
            "supplierName": pl.Series(
                np.where(kinds == "Rechnungseingang", "Lieferant GmbH", "")
            ).replace("", None),
            "customerName": pl.Series(
                np.where(kinds == "Rechnungsausgang", "Kunde AG", "")
            ).replace("", None),
            "attachment": attachment,
        }
    )


def run_xml(
    items: int,
    per_document: int,
    attachment_every: int,
    validate: bool,
    tmp_root: str | None,
    repeat: int,
) -> None:
    from workbench.datev.package import build_packages

    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        sources = Path(tmp) / "belege"
        sources.mkdir()
        frame = receipt_items(items, per_document, attachment_every, sources)
        walls, cpus, unchecked = [], [], []
        for run in range(repeat):  # checked and unchecked alternate: both see the same load
            if validate:  # the baseline: the same packages without the XSD check
                start = time.perf_counter()
                build_packages(
                    frame,
                    out_dir=Path(tmp) / f"unchecked{run}",
                    client="455148-1",
                    created_at=datetime(2024, 2, 1),
                    validate=False,
                )
                unchecked.append(time.perf_counter() - start)
                shutil.rmtree(Path(tmp) / f"unchecked{run}")
            start, cpu = time.perf_counter(), time.process_time()
            result = build_packages(
                frame,
                out_dir=Path(tmp) / f"out{run}",
                client="455148-1",
                created_at=datetime(2024, 2, 1),
                validate=validate,
            )
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            files = sum(len(p.files) + 1 for p in result.packages)
            shutil.rmtree(Path(tmp) / f"out{run}")
    elapsed = statistics.median(walls)
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    documents = frame["document_id"].n_unique()
    print(
        f"XML   {items:>9,} items, {documents:,} documents -> {len(result.packages)} packages, "
        f"{files:,} files (XSD check {'on' if validate else 'off'}), median of {repeat}: "
        f"{elapsed:6.2f} s wall, {statistics.median(cpus):.2f} s CPU [last run: {parts}] "
        f"(target, issue 21: <= 3 s with the XSD check), peak RSS {_peak_mb():,.0f} MB"
    )
    if unchecked:
        figure(
            f"XML {items:,} items, XSD check on",
            elapsed,
            "same, XSD check off",
            statistics.median(unchecked),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "extf", "xml"], default="all")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--items-per-document", type=int, default=2)
    parser.add_argument(
        "--attachment-every", type=int, default=2, help="a Belegbild for every n-th document"
    )
    parser.add_argument(
        "--no-validate", action="store_true", help="skip the XSD check of the XML output"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per figure; medians are printed"
    )
    parser.add_argument(
        "--tmp", default=None, help="directory for the output (e.g. /dev/shm to leave out the disk)"
    )
    args = parser.parse_args()
    if args.part == "extf":
        run_extf(args.rows, args.tmp, args.repeat)
    elif args.part == "xml":
        run_xml(
            args.items,
            args.items_per_document,
            args.attachment_every,
            not args.no_validate,
            args.tmp,
            args.repeat,
        )
    else:
        common = [
            f"--items-per-document={args.items_per_document}",
            f"--attachment-every={args.attachment_every}",
        ]
        extra = (
            [f"--repeat={args.repeat}"]
            + (["--no-validate"] if args.no_validate else [])
            + ([f"--tmp={args.tmp}"] if args.tmp else [])
        )
        for part in (
            ["--part=extf", f"--rows={args.rows}"],
            ["--part=xml", f"--items={args.items}", *common],
        ):
            subprocess.run([sys.executable, __file__, *part, *extra], check=True)


if __name__ == "__main__":
    main()
