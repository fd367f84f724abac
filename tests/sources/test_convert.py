import datetime as dt

import polars as pl
import pytest

from workbench.sources.convert import convert_series, normalise_number
from workbench.sources.schema import Column


def convert(column: Column, values, *, number_format="de", excel=False, mapping=None):
    series = pl.Series("v", values, dtype=pl.String)
    return convert_series(
        column, series, number_format=number_format, excel=excel, values=mapping
    ).to_list()


@pytest.mark.parametrize(
    ("text", "number_format", "expected"),
    [
        ("1.234,56", "de", 1234.56),
        ("1234,56", "de", 1234.56),
        ("-12,5", "de", -12.5),
        ("12,50-", "de", -12.5),
        ("1.234", "de", 1234.0),
        ("1.234.567,00", "de", 1234567.0),
        ("1,234.56", "en", 1234.56),
        ("1,234", "en", 1234.0),
        ("1234.5", "en", 1234.5),
        ("1.234", "en", 1.234),
        ("1.234,5", "auto", 1234.5),
        ("1234.5", "auto", 1234.5),
        ("0,001", "de", 0.001),
        ("€ 12,00", "de", 12.0),
        ("19 %", "de", 19.0),
        ("1 234,56", "de", 1234.56),
        ("abc", "de", None),
        ("12,3,4", "de", None),
        ("--1", "de", None),
    ],
)
def test_numbers(text, number_format, expected):
    result = pl.select(
        normalise_number(pl.lit(text), number_format=number_format).cast(pl.Float64)
    ).item()
    assert result == pytest.approx(expected) if expected is not None else result is None


@pytest.mark.parametrize(
    ("text", "excel", "expected"),
    [
        ("31.01.2026", False, dt.date(2026, 1, 31)),
        ("1.2.2026", False, dt.date(2026, 2, 1)),
        ("2026-01-31", False, dt.date(2026, 1, 31)),
        ("31.01.26", False, dt.date(2026, 1, 31)),
        ("20260131", False, dt.date(2026, 1, 31)),
        ("2026-01-31 14:30:00", False, dt.date(2026, 1, 31)),
        ("46053", True, dt.date(2026, 1, 31)),
        ("46053", False, None),
        ("31.02.2026", False, None),
        ("garbage", False, None),
    ],
)
def test_dates(text, excel, expected):
    assert convert(Column("d", "date"), [text], excel=excel) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.01.2026 14:03:22", dt.datetime(2026, 1, 31, 14, 3, 22)),
        ("31.01.2026 14:03", dt.datetime(2026, 1, 31, 14, 3)),
        ("2026-01-31T14:03:22", dt.datetime(2026, 1, 31, 14, 3, 22)),
        ("2026-01-31 14:03:22.500", dt.datetime(2026, 1, 31, 14, 3, 22, 500000)),
        ("31.01.2026", None),
    ],
)
def test_datetimes(text, expected):
    assert convert(Column("t", "datetime"), [text]) == [expected]


def test_excel_serial_datetime():
    assert convert(Column("t", "datetime"), ["46053.5"], excel=True) == [
        dt.datetime(2026, 1, 31, 12)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01", "2026-01"),
        ("2026-1", "2026-01"),
        ("01/2026", "2026-01"),
        ("1.2026", "2026-01"),
        ("202603", "2026-03"),
        ("2026-13", None),
        ("Januar", None),
    ],
)
def test_months(text, expected):
    assert convert(Column("m", "month"), [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("125", 125), ("00:02:05", 125), ("1:00:00", 3600), ("02:05", 125), ("-5", -5), ("2m", None)],
)
def test_durations(text, expected):
    assert convert(Column("d", "duration"), [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True),
        ("X", True),
        ("true", True),
        ("1", True),
        ("Nein", False),
        ("0", False),
        ("false", False),
        ("vielleicht", None),
    ],
)
def test_bools(text, expected):
    assert convert(Column("b", "bool"), [text]) == [expected]


def test_choice_maps_profile_values_case_insensitively():
    column = Column("direction", "choice", choices=("inbound", "outbound", "internal"))
    mapping = {"eingehend": "inbound", "ausgehend": "outbound"}
    assert convert(column, ["Eingehend", "ausgehend", "INBOUND", "quer"], mapping=mapping) == [
        "inbound",
        "outbound",
        "inbound",
        None,
    ]


def test_text_and_accounts_are_kept_verbatim():
    assert convert(Column("a", "account"), ["00440", " 4400 "]) == ["00440", " 4400 "]
    assert convert(Column("t", "text"), ["Müller\u00a0GmbH"]) == ["Müller\u00a0GmbH"]


def test_integers_reject_fractions():
    assert convert(Column("i", "integer"), ["3", "3,0", "3,5"]) == [3, 3, None]


def test_mixed_formats_in_one_column_convert_value_by_value():
    values = ["2026-01-31", "31.01.2026", "31.01.26", "46053", None, "", "kaputt"]
    assert convert(Column("d", "date"), values, excel=True) == [dt.date(2026, 1, 31)] * 4 + [
        None,
        None,
        None,
    ]


def test_numbers_plain_and_grouped_in_one_column():
    values = ["1234,56", "1.234,56", "-5", "12,50-", None]
    assert convert(Column("a", "amount"), values) == [1234.56, 1234.56, -5.0, -12.5, None]
