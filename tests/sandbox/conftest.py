"""Fixtures: a real sandbox server on a free loopback port and tokens from the real flow."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sandbox_contract import check

from workbench.sandbox import RunningSandbox, start_sandbox

CLIENT_ID = "workbench-sandbox"
CLIENT_SECRET = "sandbox-secret"
REDIRECT_URI = "http://127.0.0.1:8400/callback"
ALL_SCOPES = (
    "openid offline_access datev:accounting:clients accounting:clients:read "
    "accounting:dxso-jobs accounting:documents datev:accounting:extf-files-import "
    "datev:accounting:exchange"
)


@functools.cache
def _http() -> httpx.Client:
    """One plain client for the OAuth steps; loopback HTTP needs no CA bundle (saves ~20 ms
    per client, which adds up over hundreds of tests)."""
    return httpx.Client(verify=False, timeout=30)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(
    url: str,
    *,
    scope: str = ALL_SCOPES,
    challenge: str,
    state: str = "xyz",
    redirect_uri: str = REDIRECT_URI,
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return _http().get(f"{url}/openid/authorize", params=params, follow_redirects=False)


def get_token(url: str, *, scope: str = ALL_SCOPES) -> dict:
    """Access + refresh token through authorize (auto-approved) and the token endpoint."""
    verifier, challenge = pkce_pair()
    response = authorize(url, scope=scope, challenge=challenge)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    token = _http().post(
        f"{url}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    return token.json()


def validate_against_openapi(response: httpx.Response) -> None:
    """Every API response a test sees must match DATEV's schema for its (declared) status."""
    if "x-sandbox-fault" in response.headers:
        return  # injected faults are not DATEV responses
    if not response.request.url.path.startswith(("/_sandbox", "/token", "/openid")):
        check(response, strict_status=False)


def api_client(url: str, *, scope: str = ALL_SCOPES) -> httpx.Client:
    token = get_token(url, scope=scope)
    return httpx.Client(
        base_url=url,
        timeout=30,
        verify=False,
        headers={
            "Authorization": f"Bearer {token['access_token']}",
            "X-DATEV-Client-Id": CLIENT_ID,
        },
        event_hooks={"response": [validate_against_openapi]},
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(control=True) as running:
        yield running


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with api_client(sandbox.url) as client:
        yield client


@pytest.fixture
def connect(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{sandbox.url}/datev/api",
        auth=("datevconnect", "sandbox"),
        timeout=30,
        verify=False,
        event_hooks={"response": [validate_against_openapi]},
    ) as client:
        yield client


@pytest.fixture(scope="session")
def oauth():
    """The OAuth helpers for tests that drive the flow step by step."""

    class Helpers:
        client_id = CLIENT_ID
        client_secret = CLIENT_SECRET
        redirect_uri = REDIRECT_URI
        all_scopes = ALL_SCOPES
        pkce_pair = staticmethod(pkce_pair)
        authorize = staticmethod(authorize)
        get_token = staticmethod(get_token)
        api_client = staticmethod(api_client)

    return Helpers
