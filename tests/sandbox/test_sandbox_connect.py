"""DATEVconnect master-data v1 and order-management v1 (basic auth)."""

from __future__ import annotations

import httpx
import pytest

MD = "/master-data/v1"
OM = "/order-management/v1"
ANNA = "a1000000000000000000000000000002"
ELIF = "e1000000000000000000000000000002"
JUERGEN = "e1000000000000000000000000000003"


def test_basic_auth_is_required(sandbox):
    for auth in (None, ("datevconnect", "falsch")):
        response = httpx.get(f"{sandbox.url}/datev/api{MD}/clients", auth=auth)
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"
        assert response.headers["www-authenticate"].startswith("Basic")


def test_clients_with_filter_and_select(connect):
    clients = connect.get(f"{MD}/clients").json()
    assert {c["name"] for c in clients} >= {"Bäckerei Müller GmbH", "Jörg Weiß"}
    active = connect.get(f"{MD}/clients", params={"filter": "status eq active"}).json()
    assert "Jörg Weiß" not in {c["name"] for c in active}
    one = connect.get(
        f"{MD}/clients", params={"filter": "number eq 55003", "select": "id,name"}
    ).json()
    assert one == [
        {"id": "6f1c0a3e2b7d4c59a8e1f2d3c4b5a604", "name": "Musterholz Möbelwerkstätten"}
    ]
    assert connect.get(f"{MD}/clients/6f1c0a3e2b7d4c59a8e1f2d3c4b5a601").json()["number"] == 1
    assert connect.get(f"{MD}/clients/unknown").status_code == 404


def test_bad_filter_gives_400(connect):
    response = connect.get(f"{MD}/clients", params={"filter": "colour eq red"})
    assert response.status_code == 400
    assert response.json()["additional_messages"][0]["severity"] == "error"
    assert connect.get(f"{MD}/clients", params={"filter": "number"}).status_code == 400


def test_addressees_share_numbers_have_fax_notes_and_inactive(connect):
    addressees = connect.get(f"{MD}/addressees").json()
    by_number: dict[str, list[str]] = {}
    for addressee in addressees:
        for comm in addressee["communications"]:
            if comm["type"] == "phone":
                by_number.setdefault(comm["data_content"], []).append(addressee["id"])
    assert len(by_number["+49 911 4711-0"]) == 2
    anna = connect.get(f"{MD}/addressees/{ANNA}").json()
    assert {"type": "phone", "note": "Mobil"}.items() <= next(
        c for c in anna["communications"] if c.get("note") == "Mobil"
    ).items()
    kinds = {c["type"] for a in addressees for c in a["communications"]}
    assert {"phone", "fax", "email", "other"} <= kinds
    inactive = connect.get(f"{MD}/addressees", params={"filter": "status eq inactive"}).json()
    assert [a["current_surname"] for a in inactive] == ["Weiß"]
    assert connect.get(f"{MD}/addressees/nope").status_code == 404


def test_employees(connect):
    employees = connect.get(f"{MD}/employees").json()
    assert {e["display_name"] for e in employees} >= {"Özdemir, Elif"}
    assert connect.get(f"{MD}/employees/{ELIF}").json()["number"] == 102
    groups = connect.get(
        f"{OM}/employeeswithgroup", params={"filter": "employee_group_short_name eq FiBu"}
    ).json()
    assert {g["employee_number"] for g in groups} == {102, 103}


def test_orders_expand_and_paging(connect):
    orders = connect.get(f"{OM}/orders").json()
    assert len(orders) == 4 and "suborders" not in orders[0]
    expanded = connect.get(f"{OM}/orders", params={"expand": "suborders", "top": 1}).json()
    assert len(expanded) == 1 and expanded[0]["suborders"][0]["suborder_number"] == 1
    assert connect.get(f"{OM}/orders", params={"skip": 1}).status_code == 416
    one = connect.get(f"{OM}/orders/1001").json()
    assert isinstance(one, list) and one[0]["order_name"] == "Finanzbuchführung 2026"
    assert connect.get(f"{OM}/orders/9999").status_code == 404
    mine = connect.get(
        f"{OM}/orders", params={"filter": "client_id eq 6f1c0a3e2b7d4c59a8e1f2d3c4b5a601"}
    ).json()
    assert {o["order_id"] for o in mine} == {1001, 1002}


def post(connect, body, order=1001, suborder=2, **params):
    return connect.post(
        f"{OM}/orders/{order}/suborders/{suborder}/expensepostings", json=body, params=params
    )


CALL = {
    "employee_id": ELIF,
    "work_date": "2026-03-02",
    "cost_position": "TELB",
    "time_units": 300,
    "Start_time": "2026-03-02T09:15:00",
    "comment": "Telefonat mit Frau Müller: Rückfrage Kassenbuch Februar",
}


def test_expense_posting_is_created_and_listed(connect):
    response = post(connect, CALL, automaticintegration="true")
    assert response.status_code == 201
    assert response.headers["location"].endswith("/orders/1001/suborders/2")
    postings = connect.get(f"{OM}/orders/1001/expensepostings").json()
    assert postings[-1]["comment"] == CALL["comment"] and postings[-1]["suborder_id"] == 2
    everything = connect.get(
        f"{OM}/orders/expensepostings", params={"filter": f"employee_id eq {ELIF}"}
    ).json()
    assert everything[-1]["id"] == postings[-1]["id"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"employee_id": None}, "Das Feld employee_id fehlt."),
        ({"entry_date": "2026-03-02"}, "Das Feld entry_date kann nicht übertragen werden."),
        ({"employee_id": JUERGEN}, "Der Mitarbeiter Köhler, Jürgen ist inaktiv."),
        ({"employee_id": "e9"}, "Der Mitarbeiter e9 ist nicht angelegt."),
        ({"cost_position": "NOPE"}, "Die Aufwandsposition NOPE ist nicht angelegt."),
        (
            {"time_units": None},
            "Für die Aufwandsposition TELB (time-costs, hours) ist das Feld "
            "time_units erforderlich.",
        ),
        (
            {"cost_amount": 12.5},
            "Das Feld cost_amount ist für die Aufwandsposition TELB "
            "(time-costs, hours) nicht zulässig.",
        ),
        (
            {"cost_position": "PORTO", "time_units": None, "Start_time": None, "cost_amount": 1e7},
            "cost_amount muss zwischen 0 und 999999.99 liegen.",
        ),
        (
            {"cost_position": "BERA", "time_units": None, "Start_time": None},
            "Für die Aufwandsposition BERA (time-costs, days) ist das Feld number_of_days "
            "erforderlich.",
        ),
        (
            {"work_date": "2026-03-32"},
            "work_date muss ein Datum sein (TT.MM.JJJJ hh:mm:ss wie im "
            "Beispiel der Schnittstelle, oder JJJJ-MM-TT).",
        ),
        ({"comment": "x" * 256}, "Der Kommentar ist länger als 255 Zeichen."),
    ],
)
def test_expense_posting_field_rules(connect, change, message):
    body = {k: v for k, v in {**CALL, **change}.items() if v is not None}
    response = post(connect, body)
    assert response.status_code == 400
    assert message in [m["description"] for m in response.json()["additional_messages"]]


def test_expense_posting_on_closed_order_and_unknown_suborder(connect):
    closed = post(connect, CALL, order=1002, suborder=1)
    assert closed.status_code == 400
    assert post(connect, CALL, suborder=9).status_code == 404
    assert post(connect, CALL, deletemassdataonfailure="true").status_code == 400


@pytest.mark.parametrize(
    "work_date", ["02.03.2026 00:00:00", "02.03.2026", "2026-03-02", "2026-03-02T09:15:00"]
)
def test_work_date_formats(connect, work_date):
    body = {
        "employee_id": ELIF,
        "work_date": work_date,
        "cost_position": "PORTO",
        "cost_amount": 1.45,
        "comment": f"Porto {work_date}",
    }
    assert post(connect, body).status_code == 201


def test_units_and_amount_positions(connect):
    assert (
        post(
            connect,
            {
                "employee_id": ELIF,
                "work_date": "2026-03-03",
                "cost_position": "KOPIE",
                "number_of_units": 12,
            },
        ).status_code
        == 201
    )
    assert (
        post(
            connect,
            {
                "employee_id": ELIF,
                "work_date": "2026-03-03",
                "cost_position": "FREMD",
                "cost_amount": 89.9,
            },
        ).status_code
        == 201
    )


def test_suborder_totals_follow_postings(connect):
    before = connect.get(f"{OM}/orders/1003", params={"expand": "suborders"}).json()[0]
    assert before["suborders"][0]["external_costs"] == 0.0
    assert (
        post(
            connect,
            {
                "employee_id": ELIF,
                "work_date": "2026-03-04",
                "cost_position": "FREMD",
                "cost_amount": 250.0,
            },
            order=1003,
            suborder=1,
        ).status_code
        == 201
    )
    assert (
        post(
            connect,
            {
                "employee_id": ELIF,
                "work_date": "2026-03-04",
                "cost_position": "TELB",
                "time_units": 600,
            },
            order=1003,
            suborder=1,
        ).status_code
        == 201
    )
    after = connect.get(f"{OM}/orders/1003", params={"expand": "suborders"}).json()[0]
    assert after["suborders"][0]["external_costs"] == 250.0
    assert after["suborders"][0]["total_hours"] == 0.5
