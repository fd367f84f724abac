"""`/_sandbox/` control endpoint and fault injection."""

from __future__ import annotations

import time

import httpx
import pytest

from workbench.sandbox import start_sandbox
from workbench.sandbox.faults import Faults

CLIENTS = "/accounting-clients/platform/v2/clients"


def test_health_is_always_on_but_control_is_off_by_default():
    with start_sandbox() as sandbox:
        assert httpx.get(f"{sandbox.url}/_sandbox/health").json() == {"status": "ok"}
        for path in ("/_sandbox/clock", "/_sandbox/faults"):
            assert httpx.get(f"{sandbox.url}{path}").status_code == 404
        assert httpx.post(f"{sandbox.url}/_sandbox/reset").status_code == 404


def test_clock_can_be_frozen_and_advanced(sandbox):
    url = f"{sandbox.url}/_sandbox/clock"
    frozen = httpx.post(url, json={"freeze": True}).json()
    assert frozen["frozen"] is True
    later = httpx.post(url, json={"advance": 3600}).json()
    assert later["epoch"] == pytest.approx(frozen["epoch"] + 3600)
    assert httpx.post(url, json={"advance": -1}).status_code == 400
    assert httpx.post(url, json={"unfreeze": True}).json()["frozen"] is False


@pytest.mark.parametrize(("fault", "status"), [("429", 429), ("503", 503), ("500", 500)])
def test_queued_status_faults(sandbox, api, fault, status):
    assert httpx.post(f"{sandbox.url}/_sandbox/faults", json={"next": [fault]}).status_code == 200
    response = api.get(CLIENTS)
    assert response.status_code == status
    if status in (429, 503):
        assert response.headers["retry-after"] == "2"
    assert response.json()["status"] == status and response.json()["request_id"]
    assert api.get(CLIENTS).status_code == 200  # one-shot


def test_datevconnect_faults_use_its_error_shape(sandbox, connect):
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"next": ["503"]})
    response = connect.get("/master-data/v1/clients")
    assert response.status_code == 503 and response.json()["error"] == "ServiceUnavailable"


def test_dropped_connection(sandbox, api):
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"next": ["drop"]})
    with pytest.raises(httpx.RemoteProtocolError):
        api.get(CLIENTS)
    assert api.get(CLIENTS).status_code == 200


def test_early_token_expiry(sandbox, api, oauth):
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"next": ["expire"]})
    assert api.get(CLIENTS).status_code == 401
    with oauth.api_client(sandbox.url) as fresh:
        assert fresh.get(CLIENTS).status_code == 200
        assert httpx.post(f"{sandbox.url}/_sandbox/tokens/expire").status_code == 204
        assert fresh.get(CLIENTS).status_code == 401


def test_token_ttl_and_latency(sandbox, oauth):
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"token_ttl": 30, "latency": 0.2})
    try:
        token = oauth.get_token(sandbox.url)
        assert token["expires_in"] == 30
        with oauth.api_client(sandbox.url) as api:
            started = time.monotonic()
            assert api.get(CLIENTS).status_code == 200
            assert time.monotonic() - started >= 0.2
            sandbox.state.clock.advance(31)
            assert api.get(CLIENTS).status_code == 401
    finally:
        httpx.post(f"{sandbox.url}/_sandbox/faults", json={"clear": True})
    assert httpx.get(f"{sandbox.url}/_sandbox/faults").json()["latency"] == 0.0


def test_faults_never_hit_oauth_or_control(sandbox, oauth):
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"429": 1.0})
    try:
        assert oauth.get_token(sandbox.url)["access_token"]
        assert httpx.get(f"{sandbox.url}/_sandbox/health").status_code == 200
        with oauth.api_client(sandbox.url) as api:
            assert api.get(CLIENTS).status_code == 429
    finally:
        httpx.post(f"{sandbox.url}/_sandbox/faults", json={"clear": True})


def test_bad_fault_requests(sandbox):
    url = f"{sandbox.url}/_sandbox/faults"
    assert httpx.post(url, json={"colour": 1}).status_code == 400
    assert httpx.post(url, json={"next": ["meteor"]}).status_code == 400
    assert httpx.post(url, content=b"[1]").status_code == 400


def test_cli_fault_spec():
    faults = Faults.parse("latency=0.1,5xx=0.25,429=0.25,drop=0.5,retry_after=7,seed=3")
    assert faults.describe()["retry_after"] == 7
    picks = {faults.pick() for _ in range(200)}
    assert picks == {"503", "429", "drop"}
    with pytest.raises(ValueError, match="unknown fault option"):
        Faults.parse("sometimes=1")
    with start_sandbox(faults="429=1,retry_after=7") as sandbox:
        response = httpx.get(f"{sandbox.url}{CLIENTS}")
        assert response.status_code == 429 and response.headers["retry-after"] == "7"


def test_reset_forgets_tokens_and_jobs(sandbox, api):
    job = api.post("/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs").json()["id"]
    assert httpx.post(f"{sandbox.url}/_sandbox/reset").status_code == 204
    assert api.get(CLIENTS).status_code == 401
    assert sandbox.state.store.query("SELECT * FROM dxso_jobs WHERE id = ?", (job,)) == []


def test_jobs_lists_every_dxso_and_extf_job_with_its_state(sandbox, api):
    """So tests can prove that a command created no job (check, preview, map create none)."""
    url = f"{sandbox.url}/_sandbox/jobs"
    dxso = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"
    before = {job["id"] for job in httpx.get(url).json()}
    kept = api.post(dxso).json()["id"]
    deleted = api.post(dxso, json={"import_type": "accountsPayableLedgerImport",
                                   "accounting_month": "2026-01"}).json()["id"]  # fmt: skip
    assert api.delete(f"{dxso}/{deleted}").status_code == 204
    upload = api.post(
        "/accounting-extf-files/platform/v3/clients/29098-55003/extf-files/import",
        content=b'"EXTF";700;21;"Buchungsstapel";13\r\n',
        headers={"Filename": "EXTF_x.csv", "Content-Type": "application/octet-stream"},
    )
    assert upload.status_code == 202
    extf = upload.headers["location"].rsplit("/", 1)[-1]
    new = {job["id"]: job for job in httpx.get(url).json() if job["id"] not in before}
    assert set(new) == {kept, deleted, extf}
    assert new[kept] | {"created_at": None} == {
        "id": kept, "api": "dxso", "client": "455148-1", "created_at": None, "state": "open",
        "status": 0, "import_type": None, "accounting_month": None}  # fmt: skip
    assert new[deleted]["state"] == "deleted" and new[deleted]["accounting_month"] == "2026-01"
    assert new[extf]["api"] == "extf" and new[extf]["state"] in ("pending", "failed")
    assert new[extf]["filename"] == "EXTF_x.csv" and new[extf]["client"] == "29098-55003"
    only = httpx.get(url, params={"client": "29098-55003"}).json()
    assert {job["client"] for job in only} == {"29098-55003"} and extf in {j["id"] for j in only}
    assert httpx.get(url, params={"client": "1-x"}).status_code == 400


def test_jobs_endpoint_is_off_without_control():
    with start_sandbox() as sandbox:
        assert httpx.get(f"{sandbox.url}/_sandbox/jobs").status_code == 404
