"""Fixtures for the Mandantentalk: a real SMTP server on loopback and the settings to reach it."""

from __future__ import annotations

import pytest
from smtp_server import PASSWORD, SmtpServer, start_smtp


@pytest.fixture
def smtp(tmp_path_factory, monkeypatch) -> SmtpServer:
    """aiosmtpd with STARTTLS (own CA) and AUTH; the workbench is configured for it."""
    server = start_smtp(tmp_path_factory.mktemp("smtp"))
    monkeypatch.setenv("WORKBENCH_SMTP_URL", server.url())
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKBENCH_SMTP_CAFILE", str(server.cafile))
    yield server
    server.stop()


@pytest.fixture
def store():
    """The talk store of this test's WORKBENCH_HOME."""
    from workbench.config import load_settings
    from workbench.talk import TalkStore

    with TalkStore.open(load_settings()) as talk_store:
        yield talk_store


@pytest.fixture
def page(store):
    """The client page on a free loopback port, serving ``store``."""
    from workbench.config import load_settings
    from workbench.talk.server import start_talk_server

    with start_talk_server(load_settings(), store=store) as server:
        yield server


@pytest.fixture(autouse=True)
def _close_browsers():
    from pages import OPENED

    yield
    while OPENED:
        OPENED.pop().close()
