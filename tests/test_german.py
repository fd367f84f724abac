"""German formats and words (workbench.german): numbers, dates, Berlin time, months, rule titles."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest

from workbench import german
from workbench.errors import WorkbenchError
from workbench.resources import resource_path


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234.56, 2, "1.234,56"),
        (90.07, 2, "90,07"),
        (-1234567.891, 2, "-1.234.567,89"),
        (0, 2, "0,00"),
        (0.005, 2, "0,01"),  # commercial rounding, not banker's
        (Decimal("2.675"), 2, "2,68"),
        (500000, 0, "500.000"),
        (1.0, 1, "1,0"),
        (None, 2, ""),
        ("n. v.", 2, "n. v."),
    ],
)
def test_format_number(value, decimals, text):
    assert german.format_number(value, decimals) == text


@pytest.mark.parametrize(
    "value", [0.0, 0.01, 1.5, 999.999, 1000.0, -0.4, 123456789.12, -5, 12.3449, 100000.0049]
)
def test_number_expr_agrees_with_format_number(value):
    expr = pl.select(german.number_expr(pl.lit(value))).item()
    assert expr == german.format_number(round(value, 2))


def test_number_expr_keeps_nulls():
    frame = pl.DataFrame({"x": [1.0, None]})
    assert frame.select(german.number_expr(pl.col("x")).alias("x"))["x"].to_list() == ["1,00", None]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-01-31", "31.01.2026"),
        (dt.date(2026, 2, 1), "01.02.2026"),
        (dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC), "01.02.2026"),  # Berlin is UTC+1
        (None, ""),
    ],
)
def test_format_date(value, text):
    assert german.format_date(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-01-31T13:03:00+00:00", "31.01.2026 14:03"),  # winter: CET
        ("2026-07-01T10:00:00+00:00", "01.07.2026 12:00"),  # summer: CEST
        ("2026-03-29T01:30:00", "29.03.2026 03:30"),  # naive = UTC, after the switch
        (dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC), "25.10.2026 02:59"),
    ],
)
def test_format_datetime_in_berlin(value, text):
    assert german.format_datetime(value) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-01",
        "2026-1",
        "01/2026",
        "1/2026",
        "01.2026",
        "Januar 2026",
        "januar 2026",
        "Jan 2026",
        "Jan. 2026",
        "2026/01",
        " 01 / 2026 ",
    ],
)
def test_parse_month_accepts_what_people_write(text):
    assert german.parse_month(text) == "2026-01"


@pytest.mark.parametrize("text", ["März 2026", "Maerz 2026", "Mär 2026", "03.2026"])
def test_parse_month_march(text):
    assert german.parse_month(text) == "2026-03"


@pytest.mark.parametrize("text", ["2026-13", "13/2026", "Jänner", "2026", "Q1 2026", "31.01.2026"])
def test_parse_month_rejects_with_the_accepted_forms(text):
    with pytest.raises(WorkbenchError, match=r"01/2026, 01\.2026 oder Januar 2026"):
        german.parse_month(text)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("", None),
        ("01/2026", "2026-01"),
        ("2026-01..2026-03", ("2026-01", "2026-03")),
        ("Januar 2026 bis März 2026", ("2026-01", "2026-03")),
        ("01.2026 – 02.2026", ("2026-01", "2026-02")),
        ("2026-02..2026-02", "2026-02"),
        (("01/2026", "2026-02"), ("2026-01", "2026-02")),
    ],
)
def test_parse_period(text, period):
    assert german.parse_period(text) == period


def test_parse_period_rejects_a_range_that_ends_before_it_starts():
    with pytest.raises(WorkbenchError, match="endet vor seinem Beginn"):
        german.parse_period("2026-03..2026-01")


def test_months_and_periods_read_german():
    assert german.format_month("2026-03") == "März 2026"
    assert german.format_period(("2026-01", "2026-03")) == "Januar 2026 bis März 2026"
    assert german.format_month("Buchungsstapel") == "Buchungsstapel"


def test_severities_read_german():
    assert [german.severity_label(s) for s in ("error", "warning", "info")] == [
        "Fehler",
        "Warnung",
        "Hinweis",
    ]


def test_every_rule_of_the_suites_and_samples_has_a_german_title():
    from workbench.samples.defects import RULES

    rules = set(RULES)
    for path in resource_path("expectations").glob("*.json"):
        suite = json.loads(path.read_text(encoding="utf-8"))
        rules |= {e["meta"]["rule"] for e in suite.get("expectations", []) if "meta" in e}
    missing = sorted(rule for rule in rules if rule not in german.RULE_TITLES)
    assert not missing, missing


def test_unknown_rules_fall_back_to_their_family():
    assert german.rule_title("encoding.brand_new") == "Zeichensatz"
    assert german.rule_title("mystery") == "mystery"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 Belegposition"), (2, "2 Belegpositionen"), (0, "0 Belegpositionen"),
     (1234, "1.234 Belegpositionen")],
)  # fmt: skip
def test_a_count_names_one_or_many(count, expected):
    """Tour 29 #13: the app asked "1 Belegpositionen (1 Belege) … übertragen?"."""
    from workbench.german import format_counted

    assert format_counted(count, "Belegposition", "Belegpositionen") == expected
