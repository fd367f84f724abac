"""Issue 14.12: the sandbox survives abuse. Bad clock values are a 400 (and break nothing),
deeply nested JSON is a 400, bodies are limited while they stream in, and jobs reach their final
status by the clock even when nobody polls them."""

import time

import httpx
import pytest

from workbench.sandbox import start_sandbox

DEEP = b"[" * 100_000 + b"]" * 100_000
JOBS = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"


@pytest.mark.parametrize(
    "body",
    [
        b'{"advance": 1e400}',
        b'{"advance": "nan"}',
        b'{"advance": "inf"}',
        b'{"advance": -5}',
        b'{"advance": true}',
        b'{"advance": 1e12}',
        b'{"advance": [1]}',
    ],
)
def test_bad_clock_advances_are_refused_and_break_nothing(api, sandbox, body):
    before = api.get("/_sandbox/clock").json()["epoch"]
    answer = api.post("/_sandbox/clock", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    after = api.get("/_sandbox/clock")
    assert after.status_code == 200
    assert before <= after.json()["epoch"] < before + 60
    assert api.get("/accounting-clients/platform/v2/clients").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/_sandbox/clock", {"content-type": "application/json"}),
        ("POST", "/_sandbox/faults", {"content-type": "application/json"}),
        ("POST", JOBS, {"content-type": "application/json"}),
        (
            "POST",
            "/datev/api/order-management/v1/orders/1001/suborders/1/expensepostings",
            {"content-type": "application/json"},
        ),
    ],
)
def test_deeply_nested_json_is_a_400_not_a_500(api, sandbox, method, path, headers):
    auth = ("datevconnect", "sandbox") if path.startswith("/datev/") else None
    answer = api.request(method, path, content=DEEP, headers=headers, auth=auth)
    assert answer.status_code == 400, (answer.status_code, answer.text[:200])


def test_a_200_mb_json_body_is_refused_without_being_read_whole(api, sandbox):
    sent = 0

    def stream():
        nonlocal sent
        chunk = b" " * (1 << 20)
        for _ in range(200):
            sent += len(chunk)
            yield chunk

    try:
        answer = api.post(JOBS, content=stream(), headers={"content-type": "application/json"})
        assert answer.status_code == 413, answer.text
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        pass  # the server closed the connection after its answer: also refused
    assert sent < 50 * (1 << 20)  # the server stopped reading long before 200 MB
    assert api.get("/accounting-clients/platform/v2/clients").status_code == 200


def test_jobs_finish_by_the_clock_without_anyone_polling(oauth):
    with start_sandbox(control=True) as sandbox:
        first, second = oauth.api_client(sandbox.url), oauth.api_client(sandbox.url)  # two homes
        job = first.post(
            JOBS,
            json={"import_type": "accountsReceivableLedgerImport", "accounting_month": "2026-01"},
        )
        assert job.status_code == 201, job.text
        job_id = job.json()["id"]
        finalised = first.put(
            f"{JOBS}/{job_id}",
            json={"ready": "true"},
            headers={"content-type": "application/merge-patch+json"},
        )
        assert finalised.status_code == 204
        sandbox.state.clock.advance(11)  # DATEV's processing is over; nobody asked the job
        again = second.post(
            JOBS,
            json={"import_type": "accountsReceivableLedgerImport", "accounting_month": "2026-01"},
        )
        assert again.status_code == 201, again.text
        first.close()
        second.close()


def test_a_busy_group_stays_busy_while_the_job_is_really_open(api, sandbox):
    body = {"import_type": "accountsPayableLedgerImport", "accounting_month": "2026-02"}
    job = api.post(JOBS, json=body)
    assert job.status_code == 201
    time.sleep(0.05)
    busy = api.post(JOBS, json=body)
    assert busy.status_code == 400 and busy.json()["error"] == "#DCO01001"  # while open
    api.delete(f"{JOBS}/{job.json()['id']}")
