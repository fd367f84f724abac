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


@pytest.mark.parametrize("title", ["Export JustOn Booking Detail Januar 2026", "Belegliste;;;"])
def test_a_title_row_above_the_headers_of_a_csv_is_named_as_such(tmp_path, title):
    """Tour 28, defect 18: a CSV title row gave "Zeile 2 hat 21 Felder, die Kopfzeile aber nur
    1 … Prüfen Sie Trennzeichen", which sends the user looking for a broken separator."""
    text = (SAMPLES / "receipts_juston_booking_detail.csv").read_text(encoding="utf-8")
    path = tmp_path / "titel.csv"
    path.write_text(f"{title}\n{text}", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        detect_profile("receipts", [path])
    message = " ".join(raised.value.message.split())
    assert "Titelzeile" in message and "Zeile 1" in message and "Zeile 2" in message, message
    assert title.split(";")[0] in message and "header_row = 2" in message
    assert "Trennzeichen" not in message


def test_a_ragged_row_further_down_is_still_a_separator_problem(tmp_path):
    text = (SAMPLES / "receipts_juston_booking_detail.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[3] += ";zuviel"
    path = tmp_path / "belege.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_receipts(path, profile="juston")
    assert "Zeile 4" in raised.value.message and "Trennzeichen" in raised.value.message
