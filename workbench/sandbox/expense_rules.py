"""DATEV's field rules for `POST .../expensepostings` (order-management 1.4.8): which fields a
cost position's cost type and calculation allow, value ranges, and what EO comfort refuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# cost type (+ unit or calculation) -> (required fields, allowed quantity fields)
QUANTITY_RULES = {
    ("time-costs", "hours"): ({"time_units"}, {"time_units", "Start_time", "start_time"}),
    ("time-costs", "days"): ({"number_of_days"}, {"number_of_days"}),
    ("material-costs", "quantity"): ({"number_of_units"}, {"number_of_units"}),
    ("material-costs", "amount"): ({"cost_amount"}, {"cost_amount"}),
    ("expenses-costs", "quantity"): ({"number_of_units"}, {"number_of_units"}),
    ("expenses-costs", "amount"): ({"cost_amount"}, {"cost_amount"}),
    ("external-costs", "amount"): ({"cost_amount"}, {"cost_amount"}),
}
QUANTITY_FIELDS = {
    "time_units",
    "Start_time",
    "start_time",
    "number_of_days",
    "cost_amount",
    "number_of_units",
}
RANGES = {"number_of_days": 999.99, "cost_amount": 999999.99, "number_of_units": 9999.99}
KNOWN = QUANTITY_FIELDS | {
    "employee_id",
    "work_date",
    "cost_position",
    "fee_position",
    "object_number",
    "comment",
    "isbillable",
    "order_id",
    "suborder_id",
}


def check_posting(
    body: dict[str, Any], order: dict[str, Any], suborder: dict[str, Any], data: dict[str, Any]
) -> list[str]:
    """German messages for every rule the posting breaks (empty when it is fine)."""
    problems = [
        f"Das Feld {name} fehlt."
        for name in ("employee_id", "work_date", "cost_position")
        if not body.get(name)
    ]
    if "entry_date" in body:
        problems.append("Das Feld entry_date kann nicht übertragen werden.")
    if "id" in body:
        problems.append("Das Feld id darf beim Anlegen nicht angegeben werden.")
    unknown = sorted(set(body) - KNOWN - {"entry_date", "id"})
    problems += [f"Das Feld {name} ist unbekannt." for name in unknown]
    for key, path_value in (
        ("order_id", order["order_id"]),
        ("suborder_id", suborder["suborder_id"]),
    ):
        if key in body and body[key] != path_value:
            problems.append(f"{key} {body[key]} passt nicht zur URL ({path_value}).")
    if order.get("completion_status") == "done" or not suborder.get("accounting_allowed", True):
        problems.append("Für diesen Teilauftrag ist keine Kostenerfassung möglich.")
    if body.get("employee_id"):
        employee = next(
            (e for e in data.get("employees", []) if e["id"] == body["employee_id"]), None
        )
        if employee is None:
            problems.append(f"Der Mitarbeiter {body['employee_id']} ist nicht angelegt.")
        elif employee.get("status") == "inactive":
            problems.append(f"Der Mitarbeiter {employee['name']} ist inaktiv.")
    if body.get("work_date") and parse_work_date(body["work_date"]) is None:
        problems.append(
            "work_date muss ein Datum sein (TT.MM.JJJJ hh:mm:ss wie im Beispiel der "
            "Schnittstelle, oder JJJJ-MM-TT)."
        )
    if isinstance(body.get("comment"), str) and len(body["comment"]) > 255:
        problems.append("Der Kommentar ist länger als 255 Zeichen.")
    if "isbillable" in body and not isinstance(body["isbillable"], bool):
        problems.append("isbillable muss true oder false sein.")
    if body.get("cost_position"):
        problems += _quantity_problems(body, data)
    return problems


def _quantity_problems(body: dict[str, Any], data: dict[str, Any]) -> list[str]:
    position = next(
        (p for p in data.get("cost_positions", []) if p["id"] == body["cost_position"]), None
    )
    if position is None:
        return [f"Die Aufwandsposition {body['cost_position']} ist nicht angelegt."]
    mode = position.get("unit") or position.get("calculation", "amount")
    required, allowed = QUANTITY_RULES[(position["costtype"], mode)]
    problems = [
        f"Für die Aufwandsposition {position['id']} ({position['costtype']}, {mode}) "
        f"ist das Feld {name} erforderlich."
        for name in sorted(required)
        if body.get(name) in (None, "")
    ]
    problems += [
        f"Das Feld {name} ist für die Aufwandsposition {position['id']} "
        f"({position['costtype']}, {mode}) nicht zulässig."
        for name in sorted(QUANTITY_FIELDS & set(body) - allowed)
    ]
    for name, limit in RANGES.items():
        value = body.get(name)
        if value is not None and (
            not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= limit
        ):
            problems.append(f"{name} muss zwischen 0 und {limit} liegen.")
    units = body.get("time_units")
    if units is not None and (not isinstance(units, int) or isinstance(units, bool) or units <= 0):
        problems.append("time_units muss eine positive ganze Zahl sein (1 Stunde = 1200).")
    start = body.get("Start_time", body.get("start_time"))
    if start is not None and units is None:
        problems.append("Start_time ist nur zusammen mit time_units zulässig.")
    return problems


def parse_work_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    # The OpenAPI file declares format "datetime" with the example "01.02.2021 00:00:00";
    # ISO dates are accepted as well.
    for fmt in (
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y",
        "%Y-%m-%d",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S.%f",
    ):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None
