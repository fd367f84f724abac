"""A header cell left empty (merged with its neighbour in Excel, deleted in a CSV) used to drop
its column without a word, and a title row above the headers gave an error full of
``__UNNAMED__`` names (new-user tour). Now: a warning naming the column and an example value, and
an error that points at the title row."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from workbench.errors import SourceError
from workbench.pipeline import detect_profile
from workbench.sources import load_receipts

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _juston_rows() -> list[list[str]]:
    """Header and the first rows of the JustOn expense sample, as text cells."""
    text = (SAMPLES / "receipts_juston_expense.csv").read_text(encoding="cp1252")
    return [line.split(";") for line in text.splitlines()[:6]]


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_column_without_heading_is_a_warning_with_an_example(tmp_path):
    rows = _juston_rows()
    payee = rows[0].index("PayeeName")
    rows[0][payee] = ""  # the merged cell: Excel keeps the value in the left one only
    path = _xlsx(tmp_path / "belege.xlsx", rows)
    result = load_receipts(path, profile="juston")
    found = result.findings.filter(pl.col("rule") == "field.unnamed_column")
    assert found.select("source", "severity", "value").rows() == [
        ("belege.xlsx", "warning", rows[1][payee])
    ]
    message = found["message"][0]
    assert f"Die {payee + 1}. Spalte von belege.xlsx hat keine Überschrift" in message
    assert "5 Werte" in message and "nicht übernommen" in message


def test_an_empty_trailing_column_is_no_finding(tmp_path):
    text = (SAMPLES / "receipts_juston_expense.csv").read_text(encoding="cp1252")
    lines = [line + ";" for line in text.splitlines()[:6]]  # a separator after the last value
    path = tmp_path / "belege.csv"
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    result = load_receipts(path, profile="juston")
    assert result.findings.filter(pl.col("rule") == "field.unnamed_column").is_empty()


def test_a_title_row_above_the_headers_is_named(tmp_path):
    rows = _juston_rows()
    title = ["Belegpositionen Januar 2026"] + [""] * (len(rows[0]) - 1)
    path = _xlsx(tmp_path / "belege.xlsx", [title, *rows])
    with pytest.raises(SourceError) as raised:
        detect_profile("receipts", [path])
    message = raised.value.message
    assert "Titelzeile" in message and "Zeile 1" in message
    assert "__UNNAMED__" not in message and "(leer)" in message
