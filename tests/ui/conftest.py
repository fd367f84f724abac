"""UI tests drive the widget app headless against one sandbox server (clock under control)."""

from __future__ import annotations

import pytest

from workbench.pipeline.connection import connect
from workbench.sandbox import start_sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    running = start_sandbox(state_dir=tmp_path_factory.mktemp("ui-sandbox"), control=True)
    yield running
    running.stop()


@pytest.fixture
def connection(sandbox, monkeypatch, _isolated_home):
    """A connection with its own ledger and home; DATEV-side state is the shared sandbox."""
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
    with connect() as opened:
        yield opened


@pytest.fixture
def make_app(connection):
    from workbench.ui import WorkbenchApp

    def _make(**options):
        options.setdefault("background", False)
        return WorkbenchApp(connection, **options)

    return _make
