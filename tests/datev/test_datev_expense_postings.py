"""Expense postings: field names, units, limits and the JSON file, per the OpenAPI schema."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import polars as pl
import pytest

from workbench.datev.expense_postings import (
    UNITS_PER_HOUR,
    build_expense_postings,
    time_units_from_seconds,
    write_expense_postings,
)
from workbench.errors import DatevFormatError

EMPLOYEE = "d7e3c10f-8b5a-42d4-b790-e84c1762b8b9"


def calls() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "order_id": [4711, 4711],
            "suborder_id": [1, 1],
            "employee_id": [EMPLOYEE, EMPLOYEE.replace("-", "")],
            "work_date": [date(2024, 3, 4), date(2024, 3, 5)],
            "cost_position": ["9000", "9000"],
            "start_time": [time(8, 15), None],
            "time_units": [40, 1200],
            "comment": ["Telefonat mit Frau Müller: Rückfrage zu Beleg 17", None],
            "isbillable": [True, False],
        }
    )


def test_bodies_use_the_schemas_field_names():
    bodies = build_expense_postings(calls())
    assert bodies[0] == {
        "order_id": 4711,
        "suborder_id": 1,
        "employee_id": EMPLOYEE,
        "work_date": "04.03.2024 00:00:00",
        "cost_position": "9000",
        "Start_time": "08:15:00",
        "time_units": 40,
        "comment": "Telefonat mit Frau Müller: Rückfrage zu Beleg 17",
        "isbillable": True,
    }
    assert "comment" not in bodies[1] and "Start_time" not in bodies[1]
    assert "id" not in bodies[0] and "entry_date" not in bodies[0]


def test_json_file(tmp_path):
    path = write_expense_postings(build_expense_postings(calls()), path=tmp_path / "aufwand.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data) == 2 and data[0]["time_units"] == 40
    assert "Müller" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("seconds", "per_minute", "units"),
    [
        (3600, True, UNITS_PER_HOUR),
        (60, True, 20),
        (61, True, 40),
        (1, True, 20),
        (0, True, 0),
        (61, False, 21),
        (3, False, 1),
    ],
)
def test_time_units(seconds, per_minute, units):
    assert time_units_from_seconds(seconds, per_started_minute=per_minute) == units


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("comment", "k" * 256, "Feld 'comment'.*länger als 255"),
        ("cost_position", "123456789", "Feld 'cost_position'.*länger als 8"),
        ("employee_id", "mitarbeiter-7", "Feld 'employee_id'.*keine GUID"),
        ("employee_id", None, "Feld 'employee_id'.*Pflicht"),
        ("time_units", -20, "Feld 'time_units'.*ganze Zahl"),
        ("work_date", "04.03.2024", "Feld 'work_date'.*kein Datum"),
    ],
)
def test_limits(column, value, match):
    frame = calls()
    values = ["2024-03-04", value] if column == "work_date" else frame[column].to_list()
    values[1] = value
    frame = frame.with_columns(pl.Series(column, values, strict=False))
    with pytest.raises(DatevFormatError, match=rf"Aufwandsbuchung 2 \(Index 1\), {match}"):
        build_expense_postings(frame)


def test_numbers_and_combinations():
    frame = pl.DataFrame(
        {
            "employee_id": [EMPLOYEE],
            "work_date": [datetime(2024, 3, 4, 9, 0)],
            "cost_position": ["4000"],
            "cost_amount": [12.5],
            "number_of_units": [3.0],
        }
    )
    assert build_expense_postings(frame)[0] == {
        "employee_id": EMPLOYEE,
        "work_date": "04.03.2024 00:00:00",
        "cost_position": "4000",
        "cost_amount": 12.5,
        "number_of_units": 3.0,
    }
    with pytest.raises(DatevFormatError, match="cost_amount"):
        build_expense_postings(frame.with_columns(pl.lit(1_000_000.0).alias("cost_amount")))
    with pytest.raises(DatevFormatError, match="braucht auch time_units"):
        build_expense_postings(frame.with_columns(pl.lit(time(8, 0)).alias("start_time")))
    with pytest.raises(DatevFormatError, match="'duration' ist kein Feld"):
        build_expense_postings(frame.with_columns(pl.lit(5).alias("duration")))
    with pytest.raises(DatevFormatError, match="Pflichtfeld 'cost_position'"):
        build_expense_postings(frame.drop("cost_position"))
