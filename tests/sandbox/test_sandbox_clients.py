"""accounting-clients v2 and the client basics under dxso-jobs / documents."""

from __future__ import annotations

import pytest

V2 = "/accounting-clients/platform/v2"
DXSO = "/accounting-dxso-jobs/platform/v2"
DOCS = "/accounting-documents/platform/v2"


def test_client_list_has_services_and_paging_headers(api):
    response = api.get(f"{V2}/clients")
    assert response.status_code == 200
    assert response.headers["total-items"] == "6"
    main = next(c for c in response.json() if c["id"] == "455148-1")
    assert main["consultant_number"] == 455148 and main["client_number"] == 1
    assert {
        "name": "Buchungsdatenservice",
        "scopes": ["datev:accounting:extf-files-import"],
    } in main["services"]
    assert "Link" not in response.headers


def test_paging_with_skip_and_top(api):
    first = api.get(f"{V2}/clients", params={"top": 2})
    assert len(first.json()) == 2 and first.headers["link"] == '<?skip=2&top=2>;rel="next"'
    second = api.get(f"{V2}/clients", params={"skip": 2, "top": 2})
    assert second.headers["link"] == '<?skip=0&top=2>;rel="prev", <?skip=4&top=2>;rel="next"'
    ids = [c["id"] for c in first.json() + second.json()]
    assert len(set(ids)) == 4
    last = api.get(f"{V2}/clients", params={"skip": 4, "top": 2})
    assert last.headers["link"] == '<?skip=2&top=2>;rel="prev"' and len(last.json()) == 2
    assert len(set(ids) | {c["id"] for c in last.json()}) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"top": 0},
        {"top": 101},
        {"skip": -1},
        {"skip": "x"},
        {"filter": "name eq 1"},
        {"filter": "client_number gt 1"},
    ],
)
def test_bad_query_gives_1008828(api, params):
    response = api.get(f"{V2}/clients", params=params)
    assert response.status_code == 400
    assert response.json()["type"] == "http://www.datev.de/hilfe/1008828"


def test_filter_by_numbers(api):
    response = api.get(
        f"{V2}/clients", params={"filter": "consultant_number eq 29098 and client_number eq 55003"}
    )
    assert [c["id"] for c in response.json()] == ["29098-55003"]


def test_single_client_and_404(api):
    assert api.get(f"{V2}/clients/455148-2").json()["name"] == "Grün & Söhne Gärtnerei KG"
    assert api.get(f"{V2}/clients/999-1").status_code == 404


@pytest.mark.parametrize(
    ("client_id", "length", "starts"),
    [
        ("455148-1", 4, ["2024-01-01", "2025-01-01", "2026-01-01"]),
        ("455148-2", 5, ["2023-07-01", "2024-07-01", "2025-07-01"]),
        ("455148-3", 6, ["2024-01-01", "2025-01-01"]),
        ("29098-55003", 4, ["2024-01-01", "2025-01-01", "2026-01-01"]),  # last three only
    ],
)
def test_client_basics(api, client_id, length, starts):
    basics = api.get(f"{DXSO}/clients/{client_id}").json()
    info = basics["basic_accounting_information"]
    assert [i["fiscal_year_start"] for i in info] == starts
    assert {i["account_length"] for i in info} == {length}
    assert basics["is_document_management_available"] is True


def test_client_basics_ledgers_follow_folders(api):
    ledgers = api.get(f"{DXSO}/clients/455148-2").json()["basic_accounting_information"][0][
        "ledgers"
    ]
    assert ledgers == {
        "is_accounts_payable_ledger_available": True,
        "is_accounts_receivable_ledger_available": False,
        "is_cash_ledger_available": False,
    }


def test_client_basics_404_is_request_id_list(api):
    response = api.get(f"{DXSO}/clients/1-1")
    assert response.status_code == 404 and list(response.json()[0]) == ["request_id"]


def test_document_types_and_duo_version(api):
    types = api.get(f"{DOCS}/clients/455148-1/document-types").json()
    assert {
        "name": "Rechnungseingang",
        "category": "invoices_received",
        "debit_credit_identifier": "debit",
    } in types
    assert all("folder" not in t for t in types)
    duo = api.get(f"{DOCS}/clients/455148-1/duo-version").json()
    assert "pdf" in duo["allowed_file_extensions"]
    assert api.get(f"{DOCS}/clients").status_code == 200


def test_inconsistent_basic_data_gives_dco01009(api):
    for base in (DXSO, DOCS):
        response = api.get(f"{base}/clients/455148-8")
        assert response.status_code == 400
        assert response.json()[0]["error"] == "#DCO01009"
    assert api.post(f"{DXSO}/clients/455148-8/dxso-jobs").json()["error"] == "#DCO01009"


def test_duo_version_depends_on_belege_online_generation(api):
    now = api.get(f"{DOCS}/clients/455148-1/duo-version").json()["allowed_file_extensions"]
    new = api.get(f"{DOCS}/clients/455148-7/duo-version").json()["allowed_file_extensions"]
    assert "docx" in now and "docx" not in new and set(new) <= set(now)
