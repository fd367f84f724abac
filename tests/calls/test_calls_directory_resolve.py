import polars as pl
import pytest

from workbench.calls import PhoneDirectory, resolve_calls

CLIENT_1 = "6f1c0a3e2b7d4c59a8e1f2d3c4b5a601"


def calls(*numbers: str | None, direction: str = "inbound") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "call_id": [f"C{i}" for i in range(len(numbers))],
            "direction": [direction] * len(numbers),
            "remote_number": list(numbers),
        },
        schema={"call_id": pl.String, "direction": pl.String, "remote_number": pl.String},
    )


def test_directory_from_seed(directory):
    numbers = directory.numbers
    assert set(numbers["kind"]) == {"phone", "fax"}  # e-mail, url, other left out
    fax = numbers.filter(pl.col("kind") == "fax")["number"].to_list()
    assert sorted(fax) == ["+49309876549", "+49911471199"]
    joerg = numbers.filter(pl.col("addressee_name") == "Jörg Weiß").row(0, named=True)
    assert (joerg["addressee_active"], joerg["client_active"], joerg["client_number"]) == (
        False,
        False,
        4,
    )
    anna = numbers.filter(pl.col("role") == "Mobil", pl.col("addressee_name") == "Anna Müller")
    assert anna["client_id"].to_list() == [None]
    assert directory.orders.filter(pl.col("client_id") == CLIENT_1).height == 3
    assert directory.employees["phone_extension"].to_list() == ["11", "12", "13"]


@pytest.mark.parametrize(
    ("number", "status", "client_number", "role"),
    [
        ("+49 30 9876540", "matched", 3, None),
        ("030 9876540", "matched", 3, None),
        ("0049 30 9876540", "matched", 3, None),
        ("09131 80880", "matched", 55003, None),
        ("0171 2233445", "matched", 2, "Mobil"),
        ("0911 47110", "ambiguous", None, None),  # Bäckerei Müller GmbH and Anna Müller
        ("+49 89 2345678", "ambiguous", None, None),  # Grün & Söhne and Lukas Grün
        ("0170 5550123", "no_client", None, "Mobil"),  # Anna Müller: no Mandant's addressee
        ("+49 911 4711-99", "fax", None, None),
        ("030 9876549", "fax", None, None),
        ("030 5550777", "inactive", None, None),  # Jörg Weiß, inactive
        ("+43 1 5875432", "unmatched", None, None),
        ("0800 3301000", "unmatched", None, None),
        ("abc", "unparseable", None, None),
        (None, "missing", None, None),
        ("unbekannt", "missing", None, None),
    ],
)
def test_resolution_statuses(directory, number, status, client_number, role):
    row = resolve_calls(calls(number), directory).row(0, named=True)
    assert row["match_status"] == status
    assert row["client_number"] == client_number
    assert row["number_role"] == role


def test_ambiguous_lists_candidates(directory):
    row = resolve_calls(calls("0911 47110"), directory).row(0, named=True)
    assert row["candidate_count"] == 2
    assert set(row["candidates"].split("; ")) == {
        "Mandant 1 Bäckerei Müller GmbH",
        "Anna Müller (kein Mandant)",
    }
    assert row["client_id"] is None and row["addressee_name"] is None


def test_internal_calls_are_not_matched(directory):
    row = resolve_calls(calls("12", direction="internal"), directory).row(0, named=True)
    assert (row["match_status"], row["number"]) == ("internal", None)


def test_order_and_columns_are_kept(directory):
    frame = calls("030 9876540", None, "0911 47110", "030 9876540")
    resolved = resolve_calls(frame, directory)
    assert resolved["call_id"].to_list() == frame["call_id"].to_list()
    assert resolved.columns[:3] == frame.columns


def company(id_, name, number, *, status="active", kind="phone", note=None):
    return {
        "id": id_,
        "type": "legal_person",
        "status": status,
        "current_company_name": name,
        "communications": [
            {"id": f"c-{id_}-{kind}", "type": kind, "data_content": number, "note": note}
        ],
    }


def person(id_, name, *comms, status="active"):
    return {
        "id": id_,
        "type": "natural_person",
        "status": status,
        "firstname": name,
        "current_surname": "Muster",
        "communications": [
            {"id": f"c-{id_}-{i}", "type": "phone", "data_content": n, "note": note}
            for i, (n, note) in enumerate(comms)
        ],
    }


CLIENTS = [
    {"id": "K1", "number": 10, "name": "Firma A", "legal_person_id": "A1"},
    {"id": "K2", "number": 20, "name": "Firma B", "legal_person_id": "A2"},
    {"id": "K3", "number": 30, "name": "Firma C", "legal_person_id": "A3", "status": "inactive"},
]


def test_relationships_make_a_person_a_mandant_contact():
    """Seed 000: one managing director for two companies, each its own Mandant."""
    addressees = [
        company("A1", "Firma A", "0911 100"),
        company("A2", "Firma B", "0911 200"),
        company("A3", "Firma C", "0911 300"),
        person("P1", "Gerd", ("0170 1111111", "Mobil")),
        person("P2", "Hanna", ("0170 2222222", "Mobil"), ("0911 100", "Büro")),
    ]
    relationships = [
        {"has_addressee_id": "A1", "is_addressee_id": "P1", "abbreviation": "GF"},
        {"has_addressee_id": "A2", "is_addressee_id": "P1", "abbreviation": "GF"},
        {"has_addressee_id": "A1", "is_addressee_id": "P2", "abbreviation": "AP"},
    ]
    directory = PhoneDirectory.from_master_data(
        clients=CLIENTS, addressees=addressees, relationships=relationships
    )
    resolved = resolve_calls(
        calls("0170 1111111", "0170 2222222", "0911 100", "0911 300"), directory
    )
    assert resolved["match_status"].to_list() == ["ambiguous", "matched", "matched", "inactive"]
    assert resolved["client_number"].to_list() == [None, 10, 10, None]
    assert set(resolved["candidates"][0].split("; ")) == {
        "Mandant 10 Firma A",
        "Mandant 20 Firma B",
    }
    links = directory.numbers.filter(pl.col("addressee_id") == "P1")["link"].unique().to_list()
    assert links == ["relationship"]


def test_fax_is_never_a_phone_number_but_a_phone_match_wins():
    addressees = [
        company("A1", "Firma A", "0911 100", kind="fax"),
        company("A2", "Firma B", "0911 100"),
    ]
    directory = PhoneDirectory.from_master_data(clients=CLIENTS, addressees=addressees)
    row = resolve_calls(calls("0911100"), directory).row(0, named=True)
    assert (row["match_status"], row["client_number"]) == ("matched", 20)


def test_inactive_addressee_is_ignored_next_to_an_active_one():
    addressees = [
        company("A1", "Firma A", "0911 100", status="inactive"),
        company("A2", "Firma B", "0911 100"),
    ]
    directory = PhoneDirectory.from_master_data(clients=CLIENTS, addressees=addressees)
    row = resolve_calls(calls("0911 100"), directory).row(0, named=True)
    assert (row["match_status"], row["client_number"]) == ("matched", 20)


def test_empty_directory_and_empty_log():
    directory = PhoneDirectory.from_master_data(clients=[], addressees=[])
    assert resolve_calls(calls("0911 100"), directory)["match_status"].to_list() == ["unmatched"]
    assert resolve_calls(calls(), directory).height == 0


def test_extension_of_a_switchboard_number():
    """DATEV's "0911 100-0" is a switchboard: 0911 100-23 reaches the same company."""
    addressees = [
        {
            "id": "A1",
            "status": "active",
            "current_company_name": "Firma A",
            "communications": [
                {"id": "a1", "type": "phone", "data_content": "0911 100-0"},
                {"id": "a2", "type": "fax", "data_content": "0911 100-99"},
            ],
        },
        {
            "id": "A2",
            "status": "active",
            "current_company_name": "Firma B",
            "communications": [{"id": "b1", "type": "phone", "data_content": "+49 911 1005-0"}],
        },
        {
            "id": "A3",
            "status": "active",
            "current_company_name": "Firma C",
            "communications": [{"id": "c1", "type": "phone", "data_content": "0911 200 300"}],
        },
    ]
    directory = PhoneDirectory.from_master_data(clients=CLIENTS, addressees=addressees)
    numbers = (
        "0911 100-23",
        "0911 10099",
        "0911 1005 12",
        "0911 100",
        "0911 1002345678",
        "0911 200 30012",
    )
    resolved = resolve_calls(calls(*numbers), directory)
    assert resolved.select("match_status", "client_number", "number_role").rows() == [
        ("matched", 10, "Durchwahl"),
        ("fax", None, None),  # the exact fax number, not an extension
        ("matched", 20, "Durchwahl"),  # the longer block wins
        ("unmatched", None, None),  # shorter than the switchboard number
        ("unmatched", None, None),  # more than five extension digits
        ("unmatched", None, None),  # no switchboard notation, no extensions
    ]


def test_extension_of_a_shared_switchboard_is_ambiguous(directory):
    row = resolve_calls(calls("0911 4711-23"), directory).row(0, named=True)
    assert (row["match_status"], row["candidate_count"]) == ("ambiguous", 2)
