"""The DATEV client against httpx.MockTransport: headers, retries, errors, paging.

Integration tests against the real sandbox over sockets live beside the sandbox tests.
"""

import json

import httpx
import pytest

from workbench.config import sandbox_endpoints
from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient, RetryPolicy


class Tokens:
    def __init__(self):
        self.current = "token-1"
        self.refreshes = 0

    def access_token(self):
        return self.current

    def refresh(self):
        self.refreshes += 1
        self.current = f"token-{self.refreshes + 1}"


def make_client(handler, *, tokens=None, sleeps=None):
    return DatevClient(
        sandbox_endpoints("http://datev.test"),
        client_id="workbench-sandbox",
        tokens=tokens or Tokens(),
        connect_auth=("datevconnect", "sandbox"),
        transport=httpx.MockTransport(handler),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def test_every_online_call_carries_bearer_and_client_id():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "455148-1"})

    make_client(handler).get_client("455148-1")
    request = seen[0]
    assert request.url == "http://datev.test/accounting-clients/platform/v2/clients/455148-1"
    assert request.headers["Authorization"] == "Bearer token-1"
    assert request.headers["X-DATEV-Client-Id"] == "workbench-sandbox"


def test_datevconnect_uses_basic_auth_without_bearer():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=[])

    make_client(handler).connect_get("master-data", "/addressees", what="Adressaten abrufen")
    assert seen[0].headers["Authorization"].startswith("Basic ")
    assert seen[0].url.path == "/datev/api/master-data/v1/addressees"


def test_429_is_retried_after_retry_after_seconds():
    answers = [httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json=[])]
    sleeps = []
    client = make_client(lambda request: answers.pop(0), sleeps=sleeps)
    assert client.document_types("455148-1") == []
    assert sleeps == [3.0]


def test_503_on_upload_is_retried_because_datev_did_not_process_it():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(201, json={})

    make_client(handler).upload_dxso_file("455148-1", "JOB", "a.xml", b"<x/>", "text/xml")
    assert len(calls) == 2


def test_dropped_connection_retries_a_get_but_never_a_post():
    calls = []

    def handler(request):
        calls.append(request.method)
        raise httpx.ReadError("connection reset", request=request)

    client = make_client(handler)
    with pytest.raises(DatevApiError, match=r"nicht erreichbar \(ReadError\)"):
        client.dxso_job("455148-1", "JOB")
    assert calls == ["GET"] * 5
    calls.clear()
    with pytest.raises(DatevApiError, match=r"ob die Anfrage angekommen ist, ist unklar"):
        client.upload_dxso_file("455148-1", "JOB", "a.xml", b"<x/>", "text/xml")
    assert calls == ["POST"]


def test_connect_error_is_retried_even_for_post_since_nothing_was_sent():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json={"id": "J", "account_length": 4})

    job = make_client(handler).create_dxso_job(
        "455148-1", import_type="cashLedgerImport", accounting_month="2026-01"
    )
    assert job["id"] == "J"
    assert json.loads(calls[-1].content) == {
        "import_type": "cashLedgerImport",
        "accounting_month": "2026-01",
    }


def test_401_refreshes_the_token_once():
    tokens = Tokens()
    seen = []

    def handler(request):
        seen.append(request.headers["Authorization"])
        return httpx.Response(401) if len(seen) == 1 else httpx.Response(200, json={"status": 2})

    assert make_client(handler, tokens=tokens).dxso_job("455148-1", "J") == {"status": 2}
    assert seen == ["Bearer token-1", "Bearer token-2"]
    assert tokens.refreshes == 1


def test_dco_error_body_becomes_a_german_message():
    body = {
        "error": "#DCO01016",
        "error_description": "restapi.FileSize",
        "error_uri": "https://apps.datev.de/knowledge/help/search?q=DCO01016",
        "request_id": "r-1",
    }
    client = make_client(lambda request: httpx.Response(400, json=body))
    with pytest.raises(
        DatevApiError, match=r"#DCO01016 Die Datei ist größer als 20 MB.*Request-Id: r-1"
    ) as caught:
        client.upload_dxso_file("455148-1", "J", "gross.pdf", b"x", "application/pdf")
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (
        400,
        "#DCO01016",
        "r-1",
    )


def test_problem_details_and_403_rights_hint():
    body = {
        "type": "http://www.datev.de/hilfe/1008829",
        "title": "Missing required scope",
        "detail": "scope datev:accounting:clients",
        "status": "403",
        "request_id": "r-2",
    }
    client = make_client(lambda request: httpx.Response(403, json=body))
    with pytest.raises(
        DatevApiError, match=r"Missing required scope.*Rechteverwaltung online"
    ) as caught:
        client.list_clients()
    assert caught.value.code == "1008829"


def test_bare_404_explains_datev_retention():
    client = make_client(lambda request: httpx.Response(404))
    with pytest.raises(DatevApiError, match=r"nach etwa zwei Monaten"):
        client.dxso_protocol("455148-1", "ALT")


def test_clients_are_paged_with_skip_and_top():
    clients = [{"id": f"455148-{n}"} for n in range(1, 6)]

    def handler(request):
        skip, top = int(request.url.params["skip"]), int(request.url.params["top"])
        return httpx.Response(200, json=clients[skip : skip + top], headers={"Total-Items": "5"})

    assert make_client(handler).list_clients(page_size=2) == clients


def test_extf_upload_sends_raw_bytes_with_filename_and_returns_job_id():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(
            202,
            headers={
                "Location": "/clients/455148-1/extf-files/jobs/8a772151-6c21",
                "Retry-After": "5",
            },
        )

    job = make_client(handler).upload_extf(
        "455148-1", "EXTF_Stapel.csv", b"EXTF;700", reference_id="ref-1"
    )
    assert job == "8a772151-6c21"
    assert seen[0].headers["Filename"] == "EXTF_Stapel.csv"
    assert seen[0].headers["Content-Type"] == "application/octet-stream"
    assert seen[0].content == b"EXTF;700"


def test_finalize_is_a_merge_patch():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(204)

    make_client(handler).finalize_dxso_job("455148-1", "J")
    assert seen[0].method == "PUT"
    assert seen[0].headers["Content-Type"] == "application/merge-patch+json"
    assert json.loads(seen[0].content) == {"ready": "true"}


def test_token_request_uses_client_secret_basic_and_is_never_repeated():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(handler)
    with pytest.raises(DatevApiError):
        client.token({"grant_type": "refresh_token", "refresh_token": "r"}, client_secret="s")
    assert len(calls) == 1
    assert calls[0].headers["Authorization"].startswith("Basic ")
    assert "Bearer" not in calls[0].headers.get("Authorization", "")


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), (None, 2.0), ("999", 60.0)])
def test_retry_policy_wait(header, expected):
    assert RetryPolicy(backoff=0.5).wait(2, header) == expected
