"""A real sandbox on a loopback port and a DATEV client logged in through the real PKCE flow."""

from __future__ import annotations

import pytest

from workbench.config import sandbox_endpoints
from workbench.sandbox import start_sandbox
from workbench.transfer.auth import Session, login
from workbench.transfer.client import DatevClient, RetryPolicy

SECRET = "sandbox-secret"


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(control=True) as running:
        yield running


@pytest.fixture
def endpoints(sandbox):
    return sandbox_endpoints(sandbox.url)


@pytest.fixture
def client(endpoints):
    with DatevClient(
        endpoints,
        client_id="workbench-sandbox",
        connect_auth=("datevconnect", "sandbox"),
        retry=RetryPolicy(attempts=5, backoff=0.01),
    ) as datev:
        yield datev


@pytest.fixture
def session(client, endpoints):
    # offline_access: tests jump the sandbox clock by months (protocol retention).
    tokens = login(
        client,
        client_secret=SECRET,
        authorize_url=endpoints["authorize"],
        open_browser=client.approve_in_sandbox,
        offline=True,
    )
    client.tokens = Session(client, client_secret=SECRET, tokens=tokens)
    return client.tokens
