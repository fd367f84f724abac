"""OAuth2/OIDC: discovery, authorize with PKCE, token grants, rotation, revoke, API auth."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


def _code(oauth, url, **kwargs):
    verifier, challenge = oauth.pkce_pair()
    response = oauth.authorize(url, challenge=challenge, **kwargs)
    assert response.status_code == 302
    return verifier, parse_qs(urlsplit(response.headers["location"]).query)


def _exchange(oauth, url, code, verifier, auth=None):
    return httpx.post(
        f"{url}/token",
        auth=auth or (oauth.client_id, oauth.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": oauth.redirect_uri,
            "code_verifier": verifier,
        },
    )


def _refresh(oauth, url, refresh_token):
    return httpx.post(
        f"{url}/token",
        auth=(oauth.client_id, oauth.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )


def test_discovery_names_the_sandbox_endpoints(sandbox):
    doc = httpx.get(f"{sandbox.url}/.well-known/openid-configuration").json()
    assert doc["authorization_endpoint"] == f"{sandbox.url}/openid/authorize"
    assert doc["token_endpoint"] == f"{sandbox.url}/token"
    assert doc["revocation_endpoint"] == f"{sandbox.url}/revoke"
    assert doc["code_challenge_methods_supported"] == ["S256"]


def test_authorize_redirects_with_code_and_state(sandbox, oauth):
    _, query = _code(oauth, sandbox.url, state="abc123")
    assert query["state"] == ["abc123"] and query["code"][0]


def test_token_has_datev_lifetimes(sandbox, oauth):
    token = oauth.get_token(sandbox.url)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 900
    assert token["refresh_token_expires_in"] >= 2 * 365 * 86400 - 60  # offline_access
    short = oauth.get_token(sandbox.url, scope="openid accounting:dxso-jobs")
    assert 11 * 3600 - 60 <= short["refresh_token_expires_in"] <= 11 * 3600


@pytest.mark.parametrize("redirect", ["https://evil.example/cb", "http://10.0.0.1/cb"])
def test_authorize_rejects_non_loopback_redirects(sandbox, oauth, redirect):
    _, challenge = oauth.pkce_pair()
    response = oauth.authorize(sandbox.url, challenge=challenge, redirect_uri=redirect)
    assert response.status_code == 400


def test_authorize_accepts_any_loopback_port(sandbox, oauth):
    _, challenge = oauth.pkce_pair()
    response = oauth.authorize(
        sandbox.url, challenge=challenge, redirect_uri="http://localhost:51234/x"
    )
    assert response.headers["location"].startswith("http://localhost:51234/x?")


def test_authorize_requires_s256(sandbox, oauth):
    response = httpx.get(
        f"{sandbox.url}/openid/authorize",
        params={
            "response_type": "code",
            "client_id": oauth.client_id,
            "state": "s",
            "redirect_uri": oauth.redirect_uri,
            "code_challenge": "abc",
            "code_challenge_method": "plain",
        },
    )
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == ["s"]


def test_wrong_verifier_and_code_reuse_give_invalid_grant(sandbox, oauth):
    verifier, query = _code(oauth, sandbox.url)
    bad = _exchange(oauth, sandbox.url, query["code"][0], "x" * 50)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    verifier, query = _code(oauth, sandbox.url)
    assert _exchange(oauth, sandbox.url, query["code"][0], verifier).status_code == 200
    again = _exchange(oauth, sandbox.url, query["code"][0], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_token_needs_client_secret_basic(sandbox, oauth):
    verifier, query = _code(oauth, sandbox.url)
    response = _exchange(
        oauth, sandbox.url, query["code"][0], verifier, auth=(oauth.client_id, "wrong")
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_refresh_tokens_rotate_and_are_single_use(sandbox, oauth):
    token = oauth.get_token(sandbox.url)
    first = _refresh(oauth, sandbox.url, token["refresh_token"])
    assert first.status_code == 200
    assert first.json()["refresh_token"] != token["refresh_token"]
    reuse = _refresh(oauth, sandbox.url, token["refresh_token"])
    assert reuse.status_code == 400 and reuse.json() == {
        "error": "invalid_grant",
        "error_description": reuse.json()["error_description"],
    }
    assert _refresh(oauth, sandbox.url, first.json()["refresh_token"]).status_code == 200


def test_unknown_grant_type(sandbox, oauth):
    response = httpx.post(
        f"{sandbox.url}/token",
        auth=(oauth.client_id, oauth.client_secret),
        data={"grant_type": "password"},
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_revoke_makes_refresh_token_useless(sandbox, oauth):
    token = oauth.get_token(sandbox.url)
    revoked = httpx.post(
        f"{sandbox.url}/revoke",
        auth=(oauth.client_id, oauth.client_secret),
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
    )
    assert revoked.status_code == 200
    assert _refresh(oauth, sandbox.url, token["refresh_token"]).status_code == 400


def test_access_token_expires_after_900_seconds(sandbox, oauth):
    with oauth.api_client(sandbox.url) as api:
        assert api.get("/accounting-clients/platform/v2/clients").status_code == 200
        sandbox.state.clock.advance(901)
        response = api.get("/accounting-clients/platform/v2/clients")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_missing_client_id_header_gives_dco01018(sandbox, oauth):
    token = oauth.get_token(sandbox.url)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    dxso = httpx.get(f"{sandbox.url}/accounting-dxso-jobs/platform/v2/clients", headers=headers)
    assert dxso.status_code == 400 and dxso.json()["error"] == "#DCO01018"
    assert dxso.json()["error_description"] == "restapi.MissingMandatoryHeaderFault"
    v2 = httpx.get(f"{sandbox.url}/accounting-clients/platform/v2/clients", headers=headers)
    assert v2.status_code == 401 and v2.json()["error"] == "#DCO01018"


def test_missing_bearer_gives_401(sandbox):
    response = httpx.get(
        f"{sandbox.url}/accounting-clients/platform/v2/clients",
        headers={"X-DATEV-Client-Id": "workbench-sandbox"},
    )
    assert response.status_code == 401


def test_missing_scope_gives_403_in_both_shapes(sandbox, oauth):
    with oauth.api_client(sandbox.url, scope="openid accounting:clients:read") as api:
        v2 = api.get("/accounting-clients/platform/v2/clients")
        assert v2.status_code == 403
        assert v2.json()["type"] == "http://www.datev.de/hilfe/1008829"
        assert v2.json()["title"] == "Missing required scope" and v2.json()["status"] == 403
        # the OpenAPI files' own texts (accounting-clients 2.0, accounting-extf-files 3.0.1)
        assert v2.json()["detail"] == "Missing scope(s) are: datev:accounting:clients"
        extf = api.get("/accounting-extf-files/platform/v3/clients/455148-1/extf-files/jobs")
        assert extf.json()["detail"] == "Missing scope(s): datev:accounting:extf-files-import"
        dxso = api.post("/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs")
        assert dxso.status_code == 403 and dxso.json()["error"] == "#DCO01005"
        assert dxso.json()["error_description"] == "restapi.ScopeFault"


def test_wrong_client_id_header_gives_dco01006(sandbox, oauth):
    token = oauth.get_token(sandbox.url)
    response = httpx.get(
        f"{sandbox.url}/accounting-dxso-jobs/platform/v2/clients",
        headers={
            "Authorization": f"Bearer {token['access_token']}",
            "X-DATEV-Client-Id": "other-app",
        },
    )
    assert response.status_code == 400 and response.json()["error"] == "#DCO01006"


def test_desktop_app_gets_dco01013_from_dxso(sandbox, oauth):
    verifier, challenge = oauth.pkce_pair()
    response = httpx.get(
        f"{sandbox.url}/openid/authorize",
        params={
            "response_type": "code",
            "client_id": "workbench-desktop",
            "state": "d",
            "redirect_uri": oauth.redirect_uri,
            "scope": oauth.all_scopes,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": oauth.redirect_uri,
        "code_verifier": verifier,
    }
    stolen = httpx.post(
        f"{sandbox.url}/token", data=form, auth=(oauth.client_id, oauth.client_secret)
    )
    assert stolen.json()["error"] == "invalid_grant"  # a code belongs to the app it was for
    verifier, challenge = oauth.pkce_pair()
    response = httpx.get(
        f"{sandbox.url}/openid/authorize",
        params={
            "response_type": "code",
            "client_id": "workbench-desktop",
            "state": "d",
            "redirect_uri": oauth.redirect_uri,
            "scope": oauth.all_scopes,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    form["code"] = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    form["code_verifier"] = verifier
    token = httpx.post(
        f"{sandbox.url}/token", data=form, auth=("workbench-desktop", "sandbox-secret")
    ).json()
    headers = {
        "Authorization": f"Bearer {token['access_token']}",
        "X-DATEV-Client-Id": "workbench-desktop",
    }
    dxso = httpx.post(
        f"{sandbox.url}/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs",
        headers=headers,
    )
    assert dxso.status_code == 403 and dxso.json()["error"] == "#DCO01013"
    clients = httpx.get(f"{sandbox.url}/accounting-clients/platform/v2/clients", headers=headers)
    assert clients.status_code == 200
