"""Benchmark what a user waits for: ``workbench`` as a whole process (issue 21), first.

Every figure is the median of ``--repeat`` subprocess runs, printed with a baseline measured in
the same run and the ratio (the machine is shared: compare ratios, not seconds):

* ``--help``: ``python -m workbench --help`` against the bare interpreter (``python -c pass``);
* ``check`` of a small file (300 rows) against ``--help``, with its in-process time beside it,
  once with ``--refresh`` (fetches the client settings: starts the embedded sandbox) and then as
  repeated (settings from the cache of the first fetch);
* ``load`` / ``check`` / ``map --to extf`` of receipt items (``--rows``) against a subprocess
  that only reads the CSV with ``polars.read_csv``, and what ``check`` adds to ``load``;
  ``check`` also against ``--engine gx``
  (on ``--gx-rows`` rows: GX takes ~20 s per million, a linear estimate is printed);
* peak memory of each stage's process beside the read_csv process's (``wait4``);
* import cost: ``-X importtime`` of ``--help`` and of the small check, and which heavy
  packages (Great Expectations, altair, papermill, starlette, openpyxl, polars) each imports.

``--scale`` also runs load/check/map at 10x fewer and (up to ``--max-rows``) 10x more rows and
prints the growth factor per 10x rows (~10 is linear; ~100 would be quadratic).

    .venv/bin/python benchmarks/whole_process.py [--rows 1000000] [--repeat 5] [--scale]
        [--stages load,check,map]

Each run uses a fresh ``WORKBENCH_HOME`` (its embedded sandbox, ledger and caches). Prints,
asserts nothing. Targets (issue 21): 300-row check <= 1.0 s; check of 1M rows <= 1.5 s and
>= 15x the GX engine; load of 1M rows <= 1.3x the read_csv process. The check of 1M rows is
measured twice: on the generated file (every row names a Belegbild that is not on disk: ~900k
``attachment.missing`` errors) and on the same rows without Belegbild names; so is the map
(there, without Belegbild names, every row becomes a booking in an EXTF file).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import figure  # this script's folder is on sys.path

HEAVY = ("great_expectations", "altair", "papermill", "starlette", "openpyxl", "polars", "numpy")
CLIENT = ["--client", "455148-1", "--period", "2026-01..2026-03"]
PYTHON = sys.executable


def run_median(command: list[str], env: dict[str, str], repeat: int) -> float:
    """Median wall time of ``repeat`` runs of ``command`` (exit codes 0-2 are results)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1, 2):
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(times)


def peak_memory(command: list[str], env: dict[str, str]) -> float:
    """Peak resident memory (MB) of one run of ``command``: its own, from ``wait4``."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped here; Popen must not wait for it again
    return usage.ru_maxrss / 1024


def workbench(*args: str) -> list[str]:
    return [PYTHON, "-m", "workbench", *args]


def import_cost(command: list[str], env: dict[str, str]) -> tuple[float, list[str]]:
    """Cumulative import time (s) of ``command`` under ``-X importtime`` and the heavy
    top-level packages it imported."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, capture_output=True, text=True
    )
    total, heavy = 0, set()
    for entry in done.stderr.splitlines():
        if not entry.startswith("import time:") or "cumulative" in entry:
            continue
        _, cumulative, name = entry.split("|")
        if not name.startswith("  "):  # top level: not imported by another module
            total += int(cumulative)
        heavy.update(p for p in HEAVY if name.strip() == p)
    return total / 1e6, sorted(heavy)


def in_process(path: Path, env: dict[str, str], stage: str, out: Path) -> float:
    """Median of 3 in-process runs of the stages up to ``stage`` (load, check or map: load,
    check, map and package as ``workbench map`` does), inside one subprocess: imports and the
    connection (the embedded sandbox) are not counted."""
    code = f"""
import statistics, time
from workbench.pipeline import check_run, load_run, map_run, package_run
from workbench.pipeline.connection import connect
times = []
with connect() as connection:
    for _ in range(3):
        start = time.perf_counter()
        loaded = load_run("receipts", [{str(path)!r}])
        if {stage!r} != "load":
            target = "extf" if {stage!r} == "map" else None
            period = "2026-01..2026-03" if {stage!r} == "check" else None
            checked = check_run(
                loaded, client="455148-1", connection=connection, target=target, period=period
            )
        if {stage!r} == "map":
            package_run(map_run(checked), out_dir={str(out)!r})
        times.append(time.perf_counter() - start)
print(statistics.median(times))
"""
    done = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return float(done.stdout.split()[-1])


def compile_bytecode(env: dict[str, str]) -> None:
    """Byte-compile the workbench as ``pip install`` does, and let the runs use it: with
    PYTHONDONTWRITEBYTECODE (set in some shells and CI) every process compiles ~100 modules
    again (~0.4 s), which no installed workbench does."""
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        print("PYTHONDONTWRITEBYTECODE unset for the runs; bytecode compiled first")
    code = "import compileall, os, workbench; "
    code += "compileall.compile_dir(os.path.dirname(workbench.__file__), quiet=1)"
    subprocess.run([PYTHON, "-c", code], env=env, check=True)


def write_receipts(folder: Path, rows: int) -> Path:
    from workbench.samples import write_receipts_csv

    path = folder / f"belege_{rows}.csv"
    if not path.exists():
        write_receipts_csv(path, rows, seed=0, profile="canonical")
    return path


def startup(env: dict[str, str], small: Path, repeat: int) -> None:
    """Interpreter, ``--help`` and a small check; their import cost."""
    floor = run_median([PYTHON, "-c", "pass"], env, repeat)
    helped = run_median(workbench("--help"), env, repeat)
    figure("workbench --help", helped, "python -c pass", floor)
    small_check = workbench("check", "receipts", str(small), *CLIENT)
    # the first run fetches the client settings (embedded sandbox) and caches them; the runs
    # after it take them from the cache, as a user's second check within 24 h does
    fetched = run_median([*small_check, "--refresh"], env, repeat)
    figure(f"check {_rows(small)} rows --refresh", fetched, "workbench --help", helped)
    checked = run_median(small_check, env, repeat)
    figure(f"check {_rows(small)} rows (whole process)", checked, "workbench --help", helped)
    inside = in_process(small, env, "check", small.parent / "out")
    figure(f"check {_rows(small)} rows (in-process)", inside, "whole process", checked)
    out = str(small.parent / "out")
    for label, args in (
        ("--help", ["--help"]),
        ("load", ["load", "receipts", str(small)]),
        ("check", ["check", "receipts", str(small), *CLIENT]),
        ("map", ["map", "receipts", str(small), *CLIENT[:2], "--to", "extf", "--out", out]),
    ):
        seconds, heavy = import_cost(workbench(*args), env)
        print(f"  imports of {label:<7} {seconds:6.3f} s (-X importtime): {', '.join(heavy)}")


def _rows(path: Path) -> str:
    return f"{int(path.stem.rsplit('_', 1)[1]):,}"


def run_medians(commands: list[list[str]], env: dict[str, str], repeat: int) -> list[float]:
    """:func:`run_median` of each of ``commands``, run in turn (first, second, first, ...): a
    busy machine slows a figure and its baseline alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(repeat):
        for command, taken in zip(commands, times, strict=True):
            taken.append(run_median(command, env, 1))
    return [statistics.median(taken) for taken in times]


def stages(
    env: dict[str, str], path: Path, repeat: int, out: Path, chosen: list[str]
) -> dict[str, float]:
    """Whole-process load, check and map of one file, each against the bare read_csv (the
    load's runs alternate with the baseline's: issue 21 compares the two directly)."""
    read = [PYTHON, "-c", f"import polars; polars.read_csv({str(path)!r}, infer_schema=False)"]
    rows = _rows(path)
    commands = {
        "load": workbench("load", "receipts", str(path)),
        "check": workbench("check", "receipts", str(path), *CLIENT),
        "map": workbench(
            "map", "receipts", str(path), *CLIENT[:2], "--to", "extf", "--out", str(out)
        ),
    }
    if "load" in chosen:
        baseline, loaded = run_medians([read, commands["load"]], env, repeat)
    else:
        baseline = run_median(read, env, repeat)
    figures = {}
    for stage in chosen:
        figures[stage] = loaded if stage == "load" else run_median(commands[stage], env, repeat)
        figure(f"{stage} {rows} rows (whole process)", figures[stage], "read_csv process", baseline)
    if {"load", "check"} <= set(chosen):
        # what the check adds to loading (the check stage's own share of the whole process)
        added = figures["check"] - figures["load"]
        figure(f"check - load {rows} rows (whole pr.)", added, "read_csv process", baseline)
    floor = peak_memory(read, env)
    for stage in chosen:
        peak = peak_memory(commands[stage], env)
        print(
            f"  peak memory of {stage} {rows} rows {peak:7.0f} MB (read_csv process {floor:.0f} MB)"
        )
    for stage in chosen:
        inside = in_process(path, env, stage, out)
        figure(f"{stage} {rows} rows (in-process)", inside, "whole process", figures[stage])
    return figures


def gx(env: dict[str, str], path: Path, rows: int, polars_check: float, what: str = "") -> None:
    """The GX engine on ``path`` (whole process, one run: it is slow), scaled to ``rows``."""
    args = ["check", "receipts", str(path), *CLIENT]
    engine = run_median(workbench(*args, "--engine", "gx"), env, 1)
    small = run_median(workbench(*args), env, 3)
    figure(f"check {_rows(path)} rows{what} polars", small, "same rows --engine gx", engine)
    estimate = engine * rows / int(_rows(path).replace(",", ""))
    figure(f"check {rows:,} rows{what} polars", polars_check, "gx linear estimate", estimate)


def without_belegbilder(path: Path) -> Path:
    """``path`` with the Belegbild column empty, as a bookings export without Belegbilder: the
    generated rows name one Belegbild each and none is on disk, so ~90% of the check's findings
    on ``path`` are ``attachment.missing`` (a million German messages to build)."""
    import polars as pl

    plain = path.with_name(f"ohne_belegbilder_{path.stem.rsplit('_', 1)[1]}.csv")
    if not plain.exists():
        frame = pl.read_csv(path, infer_schema=False)
        frame.with_columns(pl.lit(None, dtype=pl.String).alias("attachment")).write_csv(plain)
    return plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--gx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", action="store_true", help="also 10x fewer and more rows")
    parser.add_argument("--max-rows", type=int, default=2_000_000)
    parser.add_argument(
        "--stages",
        default="load,check,map",
        help="which of load, check, map to run (comma-separated); the GX and small-file figures "
        "only with check",
    )
    args = parser.parse_args()
    chosen = [stage for stage in ("load", "check", "map") if stage in args.stages.split(",")]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; medians of runs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(os.environ, WORKBENCH_HOME=str(folder / "home"))
        env.pop("WORKBENCH_SANDBOX_URL", None)
        compile_bytecode(env)
        if "check" in chosen:
            startup(env, write_receipts(folder, args.small), args.repeat)
        sizes = [args.rows]
        if args.scale:
            sizes = [args.rows // 10, args.rows] + [args.rows * 10] * (
                args.rows * 10 <= args.max_rows
            )
        by_size = {
            rows: stages(env, write_receipts(folder, rows), args.repeat, folder / "out", chosen)
            for rows in sizes
        }
        if "check" in chosen:
            gx(env, write_receipts(folder, args.gx_rows), args.rows, by_size[args.rows]["check"])
            plain = without_belegbilder(write_receipts(folder, args.rows))
            checked = run_median(workbench("check", "receipts", str(plain), *CLIENT), env, 3)
            label = f"check {args.rows:,} rows, no Belegbild"
            missing = by_size[args.rows]["check"]
            figure(label, checked, "same rows, every Belegbild missing", missing)
            small = without_belegbilder(write_receipts(folder, args.gx_rows))
            gx(env, small, args.rows, checked, what=", no Belegbild")
        if "map" in chosen:
            # every row mapped and written: on the generated file the missing Belegbilder block
            # nearly all of them, so its map stage writes few bookings
            plain = without_belegbilder(write_receipts(folder, args.rows))
            mapped = run_median(
                workbench(
                    "map",
                    "receipts",
                    str(plain),
                    *CLIENT[:2],
                    "--to",
                    "extf",
                    "--out",
                    str(folder / "out"),
                ),
                env,
                3,
            )
            label = f"map {args.rows:,} rows, no Belegbild"
            figure(label, mapped, "same rows, every Belegbild missing", by_size[args.rows]["map"])
        for smaller, larger in itertools.pairwise(sizes):
            for stage in chosen:
                growth = by_size[larger][stage] / by_size[smaller][stage]
                print(f"  growth {stage} {smaller:,} -> {larger:,} rows: {growth:5.2f}x")


if __name__ == "__main__":
    main()
