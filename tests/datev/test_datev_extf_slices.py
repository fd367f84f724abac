"""EXTF files written slice by slice (memory): the same files as one split by month and one
write per file, the first invalid booking found in any slice, rows in input order per month."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest

import workbench.datev.extf as extf
from workbench.datev.extf import ExtfHeader, split_by_period, write_extf, write_extf_files
from workbench.errors import DatevFormatError

HEADER = ExtfHeader(
    consultant_number=29098,
    client_number=55003,
    fiscal_year_start=date(2024, 1, 1),
    label="Slices",
    created_at=datetime(2024, 9, 1, 8, 0),
)


def shuffled_months(rows: int) -> pl.DataFrame:
    """Bookings of four months in no order, with umlauts, quotes and empty texts."""
    months = [1, 6, 2, 8, 2, 1, 6]
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [1.0 + i for i in range(rows)],
            "Soll/Haben-Kennzeichen": ["S" if i % 3 else "H" for i in range(rows)],
            "Konto": [1200 + i % 7 for i in range(rows)],
            "Gegenkonto (ohne BU-Schlüssel)": [8400] * rows,
            "Belegdatum": [date(2024, months[i % 7], 1 + i % 28) for i in range(rows)],
            "Belegfeld 1": [f"RE-{i}" for i in range(rows)],
            "Buchungstext": [None if i % 5 == 0 else f'Müller "{i}" €' for i in range(rows)],
        }
    )


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_files_equal_one_write_per_month_and_piece(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(extf, "_CHECK_ROWS", 5)
    frame = shuffled_months(61)
    header = replace(HEADER, date_from=None, date_to=None)
    paths = write_extf_files(frame, header, directory=tmp_path, encoding=encoding, max_postings=6)
    expected = []
    for start, end, part in split_by_period(frame):
        file_header = replace(header, date_from=start, date_to=end)
        for offset in range(0, part.height, 6):
            piece = part.slice(offset, 6)
            expected.append(write_extf(piece, file_header, encoding=encoding))
    assert [p.read_bytes() for p in paths] == expected
    assert len(paths) == sum(-(-p.height // 6) for _, _, p in split_by_period(frame))


def test_the_first_invalid_booking_is_found_in_a_later_slice(tmp_path, monkeypatch):
    monkeypatch.setattr(extf, "_CHECK_ROWS", 5)
    frame = shuffled_months(30).with_columns(
        pl.when(pl.int_range(pl.len()).is_in([17, 23]))
        .then(pl.lit("bad_id"))
        .otherwise(pl.col("Belegfeld 1"))
        .alias("Belegfeld 1")
    )
    with pytest.raises(DatevFormatError, match=r"Datensatz 18 \(Index 17\): Wert 'bad_id'"):
        write_extf_files(frame, HEADER, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("row", [0, 13, 29])
def test_a_quote_in_any_slice_is_doubled(tmp_path, monkeypatch, row):
    """Quotes are doubled only in columns found to hold one, in whichever check slice."""
    monkeypatch.setattr(extf, "_CHECK_ROWS", 5)
    frame = shuffled_months(30).with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit('Sag "Hallo"'))
        .otherwise(pl.lit("ohne"))
        .alias("Buchungstext"),
        pl.when(pl.int_range(pl.len()) == 29 - row)
        .then(pl.lit('2"'))
        .otherwise(pl.lit("x"))
        .alias("KOST1 - Kostenstelle"),
    )
    header = replace(HEADER, date_from=None, date_to=None)
    written = b"".join(p.read_bytes() for p in write_extf_files(frame, header, directory=tmp_path))
    assert written.count(b'"Sag ""Hallo"""') == 1
    assert written.count(b'"2"""') == 1
    assert written.count(b'"ohne"') == 29


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_lines_rendered_in_morsels_keep_input_order(encoding):
    """The lines are rendered in parallel morsels (ten thousand rows each) and
    written through the re-encoder chunk by chunk: every booking once, in input order."""
    rows = 99_999  # the most one file may hold
    frame = pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": pl.int_range(1, rows + 1, eager=True) / 100,
            "Soll/Haben-Kennzeichen": ["S"] * rows,
            "Konto": [1200] * rows,
            "Gegenkonto (ohne BU-Schlüssel)": [8400] * rows,
            "Belegdatum": [date(2024, 1, 15)] * rows,
            "Belegfeld 1": pl.int_range(rows, eager=True).cast(pl.String),
            "Buchungstext": [f"Maß€ {i}" for i in range(rows)],
        }
    )
    header = replace(HEADER, date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
    text = write_extf(frame, header, encoding=encoding).decode(
        "cp1252" if encoding == "cp1252" else "utf-8-sig"
    )
    lines = text.split("\r\n")[2:-1]
    assert len(lines) == rows
    fields = [line.split(";") for line in lines]
    assert [f[10] for f in fields] == [f'"{i}"' for i in range(rows)]
    assert [f[13] for f in fields] == [f'"Maß€ {i}"' for i in range(rows)]
    assert fields[-1][0] == "999,99"
