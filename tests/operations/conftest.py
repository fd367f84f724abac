"""Fixtures for unattended runs: a real sandbox on loopback per test."""

from __future__ import annotations

import httpx
import pytest

from workbench.sandbox import start_sandbox


@pytest.fixture
def sandbox():
    """A fresh DATEV per test: what arrived there is what this test sent."""
    with start_sandbox(control=True) as running:
        yield running


@pytest.fixture
def datev(sandbox, monkeypatch):
    """The sandbox as every command (and every worker process) reaches it: by its URL."""
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"clear": True}).raise_for_status()
    yield sandbox
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"clear": True}).raise_for_status()
