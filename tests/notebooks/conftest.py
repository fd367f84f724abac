"""A sandbox for the notebooks' kernels: they are processes of their own, so they reach it by its
URL (``WORKBENCH_SANDBOX_URL``), not in-process."""

import pytest

from workbench.sandbox import start_sandbox


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(control=True) as running:
        yield running


@pytest.fixture
def shared_sandbox(sandbox, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
    return sandbox
