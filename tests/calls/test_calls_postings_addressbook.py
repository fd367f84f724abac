from datetime import datetime

import polars as pl
import pytest

from workbench.calls import (
    AddressBookSettings,
    CallAssignment,
    PhoneDirectory,
    bill_calls,
    build_phone_book,
    plan_expense_postings,
)

CLIENT_1 = "6f1c0a3e2b7d4c59a8e1f2d3c4b5a601"
SABINE, ELIF = "e1000000000000000000000000000001", "e1000000000000000000000000000002"


@pytest.fixture(scope="module")
def billing(directory, fixture_calls):
    return bill_calls(
        fixture_calls,
        directory,
        assignments=[
            CallAssignment("SF-10", 2, seconds=600, note="Firma A"),
            CallAssignment("SF-10", 1, note="Firma B " + "x" * 300),
        ],
    )


def test_plan_picks_open_order_suborder_and_employee(directory, billing):
    plan = plan_expense_postings(billing, directory)
    rows = plan.postings.select(
        "call_id", "part", "client_number", "order_id", "suborder_id", "employee_id", "time_units"
    ).rows()
    assert rows == [
        ("SF-2", 1, 3, 1004, 1, SABINE, 20),
        ("SF-10", 1, 2, 1003, 1, SABINE, 200),
        ("SF-10", 2, 1, 1001, 2, SABINE, 200),  # "Telefonische Beratung", not the done order
        ("SF-11", 1, 2, 1003, 1, SABINE, 100),
        ("SF-17", 1, 2, 1003, 1, ELIF, 60),
    ]
    # Musterholz (55003) has no order in DATEV: reported, not posted.
    assert plan.findings.select("row", "item_id", "rule", "severity").rows() == [
        (18, "SF-16", "calls.no_order", "error")
    ]
    assert "Musterholz" in plan.findings["message"][0]


def test_bodies_follow_the_order_management_schema(directory, billing):
    bodies = plan_expense_postings(billing, directory, cost_position="TEL").bodies()
    assert bodies[0] == {
        "order_id": 1004,
        "suborder_id": 1,
        "employee_id": SABINE,
        "work_date": "05.01.2026 00:00:00",
        "cost_position": "TEL",
        "time_units": 20,
        "Start_time": "09:30:00",
        "comment": "Ausgehendes Telefonat +49 30 9876540 (SF-2)",
        "isbillable": True,
    }
    part_two = bodies[2]
    assert part_two["Start_time"] == "14:10:00"
    assert part_two["comment"].startswith(
        "Ausgehendes Telefonat +49 89 2345678 (SF-10, Teil 2): Firma B xxx"
    )
    assert len(part_two["comment"]) == 255
    for body in bodies:
        assert set(body) <= {
            "order_id",
            "suborder_id",
            "employee_id",
            "work_date",
            "cost_position",
            "time_units",
            "Start_time",
            "comment",
            "isbillable",
        }
        assert isinstance(body["time_units"], int) and body["time_units"] > 0
        datetime.strptime(body["work_date"], "%d.%m.%Y %H:%M:%S")  # the schema example's form


def test_fixed_orders_and_fallback_employee(directory, fixture_calls):
    calls = fixture_calls.frame.with_columns(
        pl.lit("99").alias("extension"), pl.lit("Aushilfe").alias("user")
    )
    billing = bill_calls(calls, directory)
    plan = plan_expense_postings(billing, directory)
    assert set(plan.findings["rule"]) == {"calls.no_employee", "calls.no_order"}
    assert plan.postings.height == 0
    plan = plan_expense_postings(
        billing, directory, employee_id=ELIF, orders={"55003": (1001, 1), CLIENT_1: (1001, 1)}
    )
    assert plan.findings.height == 0
    assert plan.postings.filter(pl.col("client_number") == 55003)["order_id"].to_list() == [1001]
    assert set(plan.postings["employee_id"]) == {ELIF}


def test_inactive_employee_is_not_used(connect_seed, fixture_calls):
    employees = [
        {**e, "status": "inactive"} if e["phone_extension"] == "11" else e
        for e in connect_seed["employees"]
    ]
    directory = PhoneDirectory.from_master_data(
        clients=connect_seed["clients"],
        addressees=connect_seed["addressees"],
        employees=employees,
        orders=connect_seed["orders"],
    )
    plan = plan_expense_postings(bill_calls(fixture_calls, directory), directory)
    assert plan.findings.filter(pl.col("rule") == "calls.no_employee")["item_id"].to_list() == [
        "SF-2",
        "SF-11",
        "SF-16",
    ]


def test_cost_position_length(directory, billing):
    with pytest.raises(ValueError, match="1 to 8 characters"):
        plan_expense_postings(billing, directory, cost_position="TELEFONIE")


def test_phone_book_from_the_directory_seed(connect_seed):
    book = build_phone_book(
        clients=connect_seed["clients"],
        addressees=connect_seed["addressees"],
        settings=AddressBookSettings(institutions=False),
    )
    entries = book.entries
    numbers = entries["number"].to_list()
    # No fax numbers, no inactive addressee (Jörg Weiß), e-mail/url/other left out.
    assert "+49 911 471199" not in numbers and "+49 30 9876549" not in numbers
    assert "Jörg Weiß" not in entries["display_name"].to_list()
    # Redundant numbers are kept: Bäckerei Müller and Anna Müller share +49 911 47110.
    assert numbers.count("+49 911 47110") == 2 and numbers.count("+49 89 2345678") == 2
    assert entries.height == 8
    fields = dict(zip(entries["number"], entries["field"], strict=False))
    assert fields["+49 170 5550123"] == "MOBILE" and fields["+49 171 2233445"] == "MOBILE"
    assert fields["+49 30 9876540"] == "PHONE"
    row = entries.filter(pl.col("display_name") == "Weiß Straßen- und Tiefbau AG").row(
        0, named=True
    )
    assert (row["note"], row["tel_uri"]) == (
        "Mandant 3 Weiß Straßen- und Tiefbau AG",
        "tel:+49-30-9876540",
    )
    custom = build_phone_book(
        clients=connect_seed["clients"],
        addressees=connect_seed["addressees"],
        settings=AddressBookSettings(
            fields={"büro": "WORK"}, default_field="OTHER", institutions=False
        ),
    )
    assert set(custom.entries["field"]) == {"WORK", "OTHER"}


def test_phone_book_extension_and_shared_mandanten():
    addressees = [
        {
            "id": "A1",
            "status": "active",
            "current_company_name": "Firma A",
            "communications": [
                {
                    "id": "c1",
                    "type": "phone",
                    "data_content": "030 1234567 x 12",
                    "note": "Zentrale",
                }
            ],
        },
        {
            "id": "P1",
            "type": "natural_person",
            "status": "active",
            "firstname": "Gerd",
            "current_surname": "Muster",
            "communications": [
                {"id": "c2", "type": "phone", "data_content": "0170 1111111", "note": "Mobil"}
            ],
        },
        {"id": "A2", "status": "active", "current_company_name": "Firma B", "communications": []},
    ]
    clients = [
        {"id": "K1", "number": 10, "name": "Firma A", "legal_person_id": "A1"},
        {"id": "K2", "number": 20, "name": "Firma B", "legal_person_id": "A2"},
    ]
    relationships = [
        {"has_addressee_id": "A1", "is_addressee_id": "P1"},
        {"has_addressee_id": "A2", "is_addressee_id": "P1"},
    ]
    book = build_phone_book(
        clients=clients,
        addressees=addressees,
        relationships=relationships,
        settings=AddressBookSettings(institutions=False),
    )
    assert book.entries.select("display_name", "note", "field", "number", "tel_uri").rows() == [
        (
            "Firma A",
            "Mandant 10 Firma A",
            "PHONE",
            "+49 30 1234567 ext. 12",
            "tel:+49-30-1234567;ext=12",
        ),
        (
            "Gerd Muster",
            "Mandant 10 Firma A, Mandant 20 Firma B",
            "MOBILE",
            "+49 170 1111111",
            "tel:+49-170-1111111",
        ),
    ]
    assert book.entries.filter(pl.col("display_name") == "Gerd Muster")["lastname"].to_list() == [
        "Muster"
    ]
