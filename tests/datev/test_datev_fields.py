"""Each field type validates, formats and parses; one parametrised table per type."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from workbench.datev.fields import (
    Account,
    Amount,
    Choice,
    Context,
    DateDDMM,
    DateDDMMYYYY,
    Integer,
    Text,
)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (Text(10), "abc", '"abc"'),
        (Text(10), 'Sag "Hallo"', '"Sag ""Hallo"""'),
        (Text(10), 42, '"42"'),
        (Text(10), None, '""'),  # DATEV writes empty text fields as ""
        (Text(10), "Müller €", '"Müller €"'),
    ],
)
def test_text_formats_quoted_with_doubled_quotes(field, value, expected):
    assert field.format_value(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "ctx", "reason"),
    [
        (Text(5), "abcde", None, None),
        (Text(5), "abcdef", None, "ist länger als 5 Zeichen"),
        (Text(36, r"[A-Za-z0-9$&%*+\-/]", "X"), "RE-2024/1", None, None),
        (Text(36, r"[A-Za-z0-9$&%*+\-/]", "X"), "RE_1", None, "enthält Zeichen außerhalb von X"),
        (Text(36, r"[A-Za-z0-9$&%*+\-/]", "X"), "RE 1", None, "enthält Zeichen außerhalb von X"),
        (Text(20), "a\tb", None, "enthält Steuerzeichen"),
        (Text(20), "Łódź", None, "enthält Zeichen, die Windows-1252 nicht darstellen kann"),
        (Text(20), "Łódź", Context(encoding="utf-8"), None),
        (Text(20), 1.5, None, "hat kein gültiges Format"),
    ],
)
def test_text_validates(field, value, ctx, reason):
    assert field.check_value(value, ctx) == reason


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (Amount(), 1190.0, "1190,00"),
        (Amount(), 0.1 + 0.2, "0,30"),
        (Amount(), 24.95, "24,95"),
        (Amount(), "24,95", "24,95"),
        (Amount(), 9999999999.99, "9999999999,99"),
        (Amount(decimals=6, int_digits=4), 1.123456, "1,123456"),
        (Amount(signed=True), -5.5, "-5,50"),
        (Amount(nonzero=False), 0, "0,00"),
    ],
)
def test_amount_formats_with_decimal_comma(field, value, expected):
    assert field.format_value(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (Amount(), 1.0, None),
        (Amount(), 0.0, "darf nicht 0 sein"),
        (Amount(), -1.0, "ist negativ; das Vorzeichen gehört ins Soll/Haben-Kennzeichen"),
        (Amount(), 1.005, "hat mehr als 2 Nachkommastellen"),
        (Amount(), 10_000_000_000.0, "hat mehr als 10 Vorkommastellen"),
        (Amount(), float("nan"), "ist keine Zahl"),
        (Amount(), "1.234,56", "hat kein gültiges Format"),
        (Amount(nonzero=False), 0.0, None),
    ],
)
def test_amount_validates(field, value, reason):
    assert field.check_value(value) == reason


@pytest.mark.parametrize(
    ("text", "expected"), [("1190,00", 1190.0), ("-5,5", -5.5), ("12", 12.0), ("1.190,00", None)]
)
def test_amount_parses(text, expected):
    assert Amount().parse_value(text) == expected


@pytest.mark.parametrize(
    ("value", "ctx", "reason"),
    [
        (4000, Context(account_length=4), None),
        (10000, Context(account_length=4), None),
        (
            123456,
            Context(account_length=4),
            "hat mehr als 5 Stellen (Sachkontenlänge 4, Personenkonten eine Stelle mehr)",
        ),
        (0, None, "ist keine gültige Kontonummer (mindestens 1)"),
        (1_000_000_000, None, "hat mehr als 9 Stellen"),
        ("8400", None, None),
        ("84a0", None, "hat kein gültiges Format"),
        (8400.5, None, "hat kein gültiges Format"),
    ],
)
def test_account_validates(value, ctx, reason):
    assert Account().check_value(value, ctx) == reason


def test_account_formats_unquoted():
    assert Account().format_value(8400) == "8400"
    assert Account().parse_value("08400") == 8400


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 1, 31), "3101"),
        (date(2024, 5, 1), "0105"),
        (datetime(2024, 12, 24, 13, 0), "2412"),
        ("2024-02-29", "2902"),
    ],
)
def test_date_ddmm_formats(value, expected):
    assert DateDDMM().format_value(value) == expected


@pytest.mark.parametrize(
    ("text", "date_from", "expected"),
    [
        ("3101", date(2024, 1, 1), date(2024, 1, 31)),
        ("105", date(2024, 1, 1), date(2024, 5, 1)),
        ("1501", date(2024, 7, 1), date(2025, 1, 15)),  # shifted fiscal year crosses the new year
        ("3102", date(2024, 1, 1), None),
        ("31.01", date(2024, 1, 1), None),
    ],
)
def test_date_ddmm_parses_with_year_from_period(text, date_from, expected):
    assert DateDDMM().parse_value(text, Context(date_from=date_from)) == expected


def test_date_ddmm_rejects_non_dates():
    assert DateDDMM().check_value("31.01.2024") == "hat kein gültiges Format"
    assert DateDDMM().check_value(20240131) == "hat kein gültiges Format"


@pytest.mark.parametrize(
    ("value", "expected"), [(date(2024, 1, 2), "02012024"), (date(1999, 12, 31), "31121999")]
)
def test_date_ddmmyyyy_round_trips(value, expected):
    assert DateDDMMYYYY().format_value(value) == expected
    assert DateDDMMYYYY().parse_value(expected) == value


def test_date_ddmmyyyy_rejects_impossible_dates():
    assert DateDDMMYYYY().parse_value("31022024") is None


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (Integer(3), 999, None),
        (Integer(3), 1000, "hat mehr als 3 Stellen"),
        (Integer(3, min_value=1), 0, "ist kleiner als 1"),
        (Integer(2), "12", None),
        (Integer(2), "1x", "hat kein gültiges Format"),
    ],
)
def test_integer_validates(field, value, reason):
    assert field.check_value(value) == reason


def test_integer_formats_unquoted():
    assert Integer(4).format_value(2024) == "2024"


@pytest.mark.parametrize(
    ("field", "value", "expected", "reason"),
    [
        (Choice(("S", "H")), "S", '"S"', None),
        (Choice(("S", "H")), "X", '"X"', "ist keiner der erlaubten Werte S, H"),
        (Choice(("0", "1"), quoted=False), True, "1", None),
        (Choice(("0", "1"), quoted=False), 1, "1", None),
        (Choice(("0", "1"), quoted=False), 2, "2", "ist keiner der erlaubten Werte 0, 1"),
    ],
)
def test_choice_formats_and_validates(field, value, expected, reason):
    assert field.format_value(value) == expected
    assert field.check_value(value) == reason


@pytest.mark.parametrize(
    "field",
    [
        Text(5),
        Text(36, r"[A-Za-z0-9$&%*+\-/]", "X"),
        Text(10, pattern=r"[A-Z]{2}\d+"),
        Amount(),
        Account(),
        Integer(2),
        Choice(("S", "H")),
    ],
)
@pytest.mark.parametrize("ctx", [Context(account_length=4), Context(encoding="utf-8")])
def test_fast_valid_agrees_with_problem(field, ctx):
    import polars as pl

    values = ["RE-1", "RE_1", "a\tb", "Łódź", "x" * 37, "ok€", "DE12", "S", "", "12345", "Müller"]
    frame = pl.DataFrame({"v": values})
    prepared = field.prepare(pl.col("v"), pl.String)
    out = frame.select(
        valid=field.valid(prepared, ctx), problem=field.problem(prepared, ctx), value=prepared
    )
    for valid, problem, value in out.iter_rows():
        if value is not None:
            assert valid == (problem is None), (value, problem)


@pytest.mark.parametrize("decimals", [0, 2, 6])
@pytest.mark.parametrize("separator", [",", "."])
def test_amount_format_writes_the_rounded_value_exactly(decimals, separator):
    """Amounts are written from the scaled value rounded to an integer: the text must be
    that integer with the separator ``decimals`` places from the right, sign in front."""
    import random

    import polars as pl

    rng = random.Random(20240131)
    values = [0.0, -0.0, 0.004, -0.004, 0.05, -0.05, 9_999_999_999.99, 1.005, 2.675]
    values += [rng.uniform(-1e9, 1e9) for _ in range(2000)]
    values += [rng.randint(-(10**8), 10**8) / 10 ** rng.randint(0, 6) for _ in range(2000)]
    field = Amount(decimals=decimals, signed=True)
    ctx = Context(decimal_separator=separator)
    frame = pl.DataFrame({"v": values}, schema={"v": pl.Float64})
    written = frame.select(field.format(pl.col("v"), ctx)).to_series().to_list()
    scaled = frame.select((pl.col("v") * 10**decimals).round(0).cast(pl.Int64)).to_series()
    for number, text in zip(scaled.to_list(), written, strict=True):
        digits = str(abs(number)).zfill(decimals + 1)
        whole, part = digits[: len(digits) - decimals], digits[len(digits) - decimals :]
        expected = ("-" if number < 0 else "") + whole + (separator + part if decimals else "")
        assert text == expected, (number, text)


@pytest.mark.parametrize(
    "field",
    [
        Text(5),
        Text(36, r"[A-Za-z0-9$&%*+\-/]", "X"),
        Text(10, pattern=r"[A-Z]{2}\d+"),
        Choice(("S", "H")),
        Choice(('"', "x")),
    ],
)
@pytest.mark.parametrize("ctx", [Context(), Context(encoding="utf-8")])
def test_valid_without_quote_is_valid_and_no_quote(field, ctx):
    """The EXTF writer doubles quotes only in columns where this finds one."""
    import polars as pl

    values = ['a"b', '"', "RE-1", "x", "Müller", "a\tb", '"' * 40, "DE12", 'DE"1', "S", None]
    frame = pl.DataFrame({"v": values})
    prepared = field.prepare(pl.col("v"), pl.String)
    out = frame.select(
        both=field.valid_without_quote(prepared, ctx),
        valid=field.valid(prepared, ctx),
        value=prepared,
    )
    for both, valid, value in out.iter_rows():
        if value is None:
            assert both == valid  # null or True, as each type treats a missing value
        else:
            assert both == (valid and '"' not in value), value
