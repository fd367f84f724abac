"""Benchmark the Excel Prüfbericht and the period's selection (issue 15).

1. ``write_check_report`` for a generated JustOn receipts file of ``--rows`` rows (checked with
   the sample client's settings): summary, findings and the source sheet with typed, coloured
   cells. Baseline in the same run: the same cells written by openpyxl's write-only mode as
   plain values (no types, colours, comments), the floor for any xlsx writer in Python.
2. Selecting a month (``select_period``) after the checks, against the checks themselves.

Run: ``.venv/bin/python benchmarks/pruefbericht.py [--rows 100000]``. Prints, no asserts.
Target: the report within 3x the plain baseline; the selection under 20 % of the checks.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _timing import best_of  # noqa: E402

from workbench.checks import check_sources  # noqa: E402
from workbench.checks.excel_report import write_check_report  # noqa: E402
from workbench.checks.period import select_period  # noqa: E402
from workbench.clients import ClientSettings  # noqa: E402
from workbench.samples import write_receipts_csv  # noqa: E402
from workbench.sources import load_receipts  # noqa: E402
from workbench.sources.raw import read_again  # noqa: E402


def plain_workbook(path: Path, findings, table) -> None:
    """The baseline: the same rows as untyped values, write-only, no styles."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def text(value: object) -> str | None:  # openpyxl refuses control characters
        return None if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value))

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Befunde")
    for row in findings.iter_rows():
        sheet.append([text(value) for value in row])
    sheet = book.create_sheet("Quelle")
    sheet.append(table.frame.columns)
    for row in table.frame.iter_rows():
        sheet.append([text(value) for value in row])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    settings = ClientSettings.from_dict(
        next(c for c in seed["accounting_clients"] if c["id"] == "455148-1")
    )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "belege.csv"
        write_receipts_csv(source, args.rows, seed=7, profile="juston")
        loaded = load_receipts(source, profile="juston")
        checks, findings = best_of(args.repeat, lambda: check_sources(loaded, settings=settings))
        month = loaded.frame["accounting_month"].drop_nulls().min()
        selecting, selection = best_of(args.repeat, lambda: select_period(loaded, findings, month))
        print(f"{args.rows:,} rows, {findings.height:,} findings")
        print(f"checks (whole file)        {checks:8.3f} s")
        print(
            f"select {month} ({selection.loaded.frame.height:,} rows) {selecting:8.3f} s "
            f"({selecting / checks:.1%} of the checks)"
        )
        report, _ = best_of(
            args.repeat,
            lambda: write_check_report(
                Path(folder) / "pruef.xlsx", findings=findings, loaded=loaded, files=[source]
            ),
        )
        table = read_again(source, loaded.sources[0])
        plain, _ = best_of(
            args.repeat, lambda: plain_workbook(Path(folder) / "plain.xlsx", findings, table)
        )
        print(f"Prüfbericht (typed, coloured) {report:8.3f} s")
        print(f"baseline: plain write-only    {plain:8.3f} s  (report = {report / plain:.1f}x)")


if __name__ == "__main__":
    main()
