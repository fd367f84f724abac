"""Expense postings (Aufwandsbuchungen) for DATEV Eigenorganisation comfort, as JSON bodies.

Source: DATEVconnect Order Management 1.4.8 (``order_management-1.4.8.json``), definition
``expense_postings`` used by ``POST /orders/{orderid}/suborders/{suborderid}/expensepostings``.
Field names are the schema's, verbatim (including its ``Start_time``):

=================  ==========================================================================
employee_id        required; GUID of the employee ("format guid"; the schema says length 32
                   but its own example has the 36-character form with dashes: both accepted)
work_date          required; written like the schema's example ``"01.02.2021 00:00:00"``
cost_position      required; ≤ 8 characters (Aufwandsposition)
time_units         integer; 1 hour = 1200 units (so one minute = 20, one unit = 3 seconds)
Start_time         ``"08:15:00"``; only together with ``time_units``
comment            ≤ 255 characters
isbillable         boolean
fee_position       ≤ 8; object_number int32; number_of_days 0–999.99;
                   cost_amount 0–999999.99; number_of_units 0–9999.99
order_id, suborder_id  int32 (they also select the URL of the POST)
=================  ==========================================================================

``id`` and ``entry_date`` are never sent (the API rejects or ignores them).
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path

import polars as pl

from workbench.errors import DatevFormatError

__all__ = [
    "TEXT_LIMITS",
    "UNITS_PER_HOUR",
    "build_expense_postings",
    "time_units_from_seconds",
    "write_expense_postings",
]

UNITS_PER_HOUR = 1200
INT32_MAX = 2**31 - 1
_GUID = re.compile(
    r"^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
)
#: Longest text per field (order-management 1.4.8).
TEXT_LIMITS = {"cost_position": 8, "fee_position": 8, "comment": 255}
_NUMBER_LIMITS = {"number_of_days": 999.99, "cost_amount": 999_999.99, "number_of_units": 9999.99}
KNOWN = ("order_id", "suborder_id", "employee_id", "work_date", "cost_position", "fee_position",
         "object_number", "comment", "isbillable", "start_time", "time_units", "number_of_days",
         "cost_amount", "number_of_units")  # fmt: skip
REQUIRED = ("employee_id", "work_date", "cost_position")


def time_units_from_seconds(seconds: int | float, *, per_started_minute: bool = True) -> int:
    """DATEV time units for a duration; by default every started minute is billed (20 units).

    Example: ``time_units_from_seconds(61) == 40``;
    ``time_units_from_seconds(61, per_started_minute=False) == 21``
    """
    if seconds < 0:
        raise DatevFormatError(f"Dauer {seconds} s ist negativ.", value=seconds)
    if per_started_minute:
        return math.ceil(seconds / 60) * (UNITS_PER_HOUR // 60)
    return math.ceil(seconds / (3600 / UNITS_PER_HOUR))


def _fail(row: int, name: str, value: object, what: str) -> DatevFormatError:
    return DatevFormatError(
        f"Aufwandsbuchung {row + 1} (Index {row}), Feld '{name}': Wert '{value}' {what}. Bitte "
        "korrigieren Sie den Wert in den Quelldaten.",
        row=row,
        column=name,
        value=value,
    )


def _posting(row: int, values: dict) -> dict:
    body: dict = {}
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            raise _fail(row, name, values.get(name), "fehlt; das Feld ist Pflicht")
    employee = str(values["employee_id"])
    if not _GUID.match(employee):
        raise _fail(row, "employee_id", employee, "ist keine GUID")
    work_date = values["work_date"]
    if isinstance(work_date, str):
        try:
            work_date = date.fromisoformat(work_date)
        except ValueError as exc:
            raise _fail(row, "work_date", work_date, "ist kein Datum JJJJ-MM-TT") from exc
    if not isinstance(work_date, date):
        raise _fail(row, "work_date", work_date, "ist kein Datum")
    for name in ("order_id", "suborder_id"):
        if values.get(name) is not None:
            body[name] = values[name]
    body["employee_id"] = employee
    body["work_date"] = work_date.strftime("%d.%m.%Y") + " 00:00:00"
    for name, value in values.items():
        if value is None or name in ("employee_id", "work_date", "order_id", "suborder_id"):
            continue
        if name in TEXT_LIMITS:
            text = str(value)
            if len(text) > TEXT_LIMITS[name]:
                raise _fail(row, name, text, f"ist länger als {TEXT_LIMITS[name]} Zeichen")
            if name != "comment" and not text.strip():
                raise _fail(row, name, text, "ist leer")
            body[name] = text
        elif name == "isbillable":
            if not isinstance(value, bool):
                raise _fail(row, name, value, "ist kein Wahrheitswert (true/false)")
            body[name] = value
        elif name == "start_time":
            clock = value.time() if isinstance(value, datetime) else value
            if not isinstance(clock, time):
                raise _fail(row, name, value, "ist keine Uhrzeit")
            body["Start_time"] = clock.strftime("%H:%M:%S")
        elif name in _NUMBER_LIMITS:
            number = float(value)
            if (
                not 0 <= number <= _NUMBER_LIMITS[name]
                or abs(number * 100 - round(number * 100)) > 1e-6
            ):
                raise _fail(
                    row,
                    name,
                    value,
                    f"liegt nicht in 0–{_NUMBER_LIMITS[name]} mit höchstens 2 Nachkommastellen",
                )
            body[name] = round(number, 2)
    for name in ("object_number", "time_units", "order_id", "suborder_id"):
        value = values.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT32_MAX:
            raise _fail(row, name, value, "ist keine ganze Zahl im Bereich 0–2147483647")
        body[name] = value
    if "Start_time" in body and "time_units" not in body:
        raise _fail(row, "start_time", values["start_time"], "braucht auch time_units")
    return body


def build_expense_postings(frame: pl.DataFrame) -> list[dict]:
    """JSON bodies for the expensepostings POST, one per row, in DATEV's field names.

    ``frame`` columns: the schema's field names (``start_time`` for ``Start_time``).
    Example: ``build_expense_postings(pl.DataFrame({"employee_id": [...], "work_date": [...],
    "cost_position": ["9000"], "time_units": [40], "comment": ["Telefonat"],
    "isbillable": [True]}))``
    """
    unknown = [c for c in frame.columns if c not in KNOWN and not c.startswith("_")]
    if unknown:
        raise DatevFormatError(
            f"Spalte '{unknown[0]}' ist kein Feld der DATEV-Aufwandsbuchung; "
            f"erlaubt sind {', '.join(KNOWN)}.",
            column=unknown[0],
        )
    for name in REQUIRED:
        if name not in frame.columns:
            raise DatevFormatError(
                f"Pflichtfeld '{name}' fehlt in den Aufwandsbuchungen.", column=name
            )
    columns = [c for c in frame.columns if c in KNOWN]
    return [
        _posting(i, dict(zip(columns, row, strict=True)))
        for i, row in enumerate(frame.select(columns).iter_rows())
    ]


def write_expense_postings(postings: list[dict], *, path: str | Path) -> Path:
    """Write the bodies as a UTF-8 JSON list.

    Example: ``write_expense_postings(bodies, path="aufwand.json")``
    """
    target = Path(path)
    target.write_text(json.dumps(postings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
