"""Accounting Data Exchange on the DATEV client: NDJSON, the postings job, German errors.

Unit tests against httpx.MockTransport; the last tests read back from the real sandbox over
sockets through the production client (logged in with the real PKCE flow).
"""

from __future__ import annotations

import json

import httpx
import pytest

from workbench.config import sandbox_endpoints
from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient
from workbench.transfer.data_exchange import parse_ndjson

BASE = "/accounting-data-exchange/platform/v1/clients/455148-1"


class Tokens:
    def access_token(self):
        return "token"

    def refresh(self):
        return None


def make_client(handler, sleeps=None):
    return DatevClient(
        sandbox_endpoints("http://datev.test"),
        client_id="workbench-sandbox",
        tokens=Tokens(),
        transport=httpx.MockTransport(handler),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def ndjson(items, **headers):
    body = "".join(json.dumps(item) + "\n" for item in items).encode()
    return httpx.Response(
        200, content=body, headers={"Content-Type": "application/x-ndjson", **headers}
    )


@pytest.mark.parametrize(
    ("body", "values"),
    [
        (b"", []),
        (b"20250101\n20260101\n", [20250101, 20260101]),
        (b"[20250101, 20260101]", [20250101, 20260101]),  # one JSON array, as the schema reads
        (b'{"a": 1}\n\n{"a": 2}\r\n', [{"a": 1}, {"a": 2}]),
    ],
)
def test_ndjson_bodies(body, values):
    assert parse_ndjson(body) == values


def test_fiscal_years_and_one_fiscal_year():
    def handler(request):
        if request.url.path == f"{BASE}/fiscal-years":
            return ndjson([20250101, 20260101])
        assert request.url.path == f"{BASE}/fiscal-years/20260101"
        return ndjson([{"yearBegin": "2026-01-01", "accountLength": 4}])

    client = make_client(handler)
    assert client.fiscal_years("455148-1") == [20250101, 20260101]
    assert client.fiscal_year("455148-1", 20260101)["accountLength"] == 4


def test_postings_job_is_polled_then_every_page_fetched():
    sleeps: list[float] = []
    states = iter(["PENDING", "PENDING", "COMPLETED"])
    seen = []

    def handler(request):
        seen.append((request.method, request.url.path, dict(request.url.params)))
        path = request.url.path
        if path.endswith("/account-postings"):
            return httpx.Response(202, json={"jobId": "a140ae4c-bc25-4a40-8b56-785b054a3c1c"})
        if path.endswith("/state"):
            return httpx.Response(200, json={"jobState": next(states)})
        page = int(request.url.params["page"])
        return ndjson([{"documentField1": f"R-{page}"}], **{"x-total-pages": "2"})

    postings = make_client(handler, sleeps).account_postings("455148-1", 20260101)
    assert [p["documentField1"] for p in postings] == ["R-1", "R-2"]
    assert seen[0] == (
        "POST",
        f"{BASE}/fiscal-years/20260101/account-postings",
        {"documentLinks": "true"},
    )
    assert sleeps == [0.25, 0.25]  # quarter-second polls while the job is young
    assert [params for _, path, params in seen if "jobs/" in path and "state" not in path] == [
        {"page": "1"},
        {"page": "2"},
    ]


@pytest.mark.parametrize("state", ["FAILED", "DELETED"])
def test_failed_or_deleted_job_is_one_german_message(state):
    def handler(request):
        if request.url.path.endswith("/account-postings"):
            return httpx.Response(202, json={"jobId": "job-1"})
        return httpx.Response(200, json={"jobState": state})

    with pytest.raises(DatevApiError, match=f"DATEV meldet den Abruf als {state}"):
        make_client(handler).account_postings("455148-1", 20260101)


def test_job_that_never_completes_times_out():
    def handler(request):
        if request.url.path.endswith("/account-postings"):
            return httpx.Response(202, json={"jobId": "job-1"})
        return httpx.Response(200, json={"jobState": "PENDING"})

    with pytest.raises(DatevApiError, match="noch nicht bereitgestellt"):
        make_client(handler).account_postings("455148-1", 20260101, timeout=0.1)


def problem(status, title, detail):
    return httpx.Response(
        status,
        json={
            "type": "https://api.datev.de/accounting/problems/x",
            "title": title,
            "status": status,
            "detail": detail,
        },
        headers={"Content-Type": "application/problem+json"},
    )


def test_data_service_not_booked_is_one_clear_message():
    def handler(request):
        return problem(403, "Forbidden", "Der Mandant ist nicht freigeschaltet.")

    with pytest.raises(DatevApiError) as raised:
        make_client(handler).fiscal_years("455148-3")
    message = str(raised.value)
    assert "Mandant 455148-3 ist für den Datenservice Export Rechnungswesen nicht" in message
    assert "\n" not in message
    assert raised.value.status == 403


def test_token_without_the_scope_says_how_to_log_in():
    def handler(request):
        return problem(403, "Missing required scope", "The access token lacks the scope.")

    with pytest.raises(DatevApiError, match="workbench login --service export-rechnungswesen"):
        make_client(handler).general_ledger_accounts("455148-1", 20260101)


def test_other_errors_keep_datevs_message():
    def handler(request):
        return problem(404, "Not Found", "The fiscal year 20230101 does not exist.")

    with pytest.raises(DatevApiError, match="20230101 does not exist") as raised:
        make_client(handler).fiscal_year("455148-1", 20230101)
    assert raised.value.status == 404


def test_read_back_from_the_sandbox(client, session, sandbox, monkeypatch):
    """The production client against the real sandbox: fiscal years, accounts, postings."""
    assert client.fiscal_years("455148-1") == [20240101, 20250101, 20260101]
    year = client.fiscal_year("455148-1", 20260101)
    assert (year["accountLength"], year["accountSystem"]) == (4, 3)
    accounts = client.general_ledger_accounts("455148-1", 20260101)
    assert {"accountNumber": 84000000, "caption": "Erlöse 19 % USt"} in accounts
    monkeypatch.setattr(sandbox.state.settings, "exchange_seconds", 0.0)
    assert client.account_postings("455148-1", 20240101) == []
    assert client.sums_and_balances("455148-1", 20240101) == []
    with pytest.raises(DatevApiError, match="nicht freigeschaltet"):
        client.fiscal_years("455148-3")


def test_a_slow_job_is_polled_less_and_less_often():
    sleeps: list[float] = []
    states = iter(["PENDING"] * 12 + ["COMPLETED"])

    def handler(request):
        if request.url.path.endswith("/account-postings"):
            return httpx.Response(202, json={"jobId": "job-1"})
        if request.url.path.endswith("/state"):
            return httpx.Response(200, json={"jobState": next(states)})
        return ndjson([])

    make_client(handler, sleeps).account_postings("455148-1", 20260101)
    assert sleeps == [0.25] * 8 + [0.5, 1.0, 2.0, 4.0]
