"""The "Zugänge" tab: token overview, request, revoke with a confirmation, the link to DATEV's
connected apps, and the Kanzlei selector."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet

from workbench.errors import DatevApiError
from workbench.ui.tokens import CONNECTED_APPS_URL


@pytest.fixture
def tab(make_app, monkeypatch):
    monkeypatch.setenv("WORKBENCH_TOKEN_KEY", Fernet.generate_key().decode())
    app = make_app()
    return app, app.tabs["tokens"]


def test_request_then_revoke_after_a_confirmation(tab):
    app, tokens = tab
    assert "Noch keine Zugangsschlüssel" in tokens.overview.value
    assert CONNECTED_APPS_URL in tokens.widget.children[-1].value
    tokens.request.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "Sabine Schröder" in tokens.overview.value and "aktiv" in tokens.overview.value
    assert "Bestand auswählen" in tokens.overview.value
    identifier = tokens.entry.value
    assert identifier is not None
    assert tokens.confirm.disabled
    tokens.revoke.click()
    assert "widerrufen?" in tokens.question.value and not tokens.confirm.disabled
    tokens.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "inaktiv" in tokens.overview.value and tokens.entry.value is None
    # The app's connection now asks for a login at the next DATEV call.
    with pytest.raises(DatevApiError, match=r"widerrufen|erneut an"):
        app.session.connection.datev.get_client("455148-1")


def test_long_token_needs_its_datenbestand_in_the_app(tab):
    app, tokens = tab
    tokens.long.value = True
    tokens.request.click()
    assert "Datenbestand" in app.runner.status.value
    tokens.bestand.value = "455148-1"
    tokens.request.click()
    assert app.runner.last_error is None
    assert "Langzeittoken" in tokens.overview.value and "455148-1" in tokens.overview.value


def test_kanzlei_selector_switches_connection_and_tabs(tab, _isolated_home, monkeypatch):
    app, tokens = tab
    (_isolated_home / "kanzleien" / "Kanzlei Nord").mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_KANZLEI", "Standard")  # undone after the test
    tokens.refresh()
    tokens.kanzlei.options = ["Standard", "Kanzlei Nord"]
    tokens.kanzlei.value = "Kanzlei Nord"
    try:
        settings = app.session.connection.settings
        assert settings.kanzlei == "Kanzlei Nord"
        assert settings.home == _isolated_home / "kanzleien" / "Kanzlei Nord"
        assert "Kanzlei Kanzlei Nord" in app.header.value
        assert os.environ["WORKBENCH_KANZLEI"] == "Kanzlei Nord"
        assert (
            app.tabs["tokens"] is not tokens and app.tabs["tokens"].kanzlei.value == "Kanzlei Nord"
        )
    finally:
        app.close()


def test_the_datenbestand_hint_is_the_chosen_mandant(make_app):
    """Tour 28 #14: the field showed "455148-1" while 455148-2 was chosen."""
    app = make_app(client="455148-2")
    tokens = app.tabs["tokens"]
    assert tokens.bestand.placeholder == "455148-2"
    app.steps["client"].client.value = "455148-3"
    assert tokens.bestand.placeholder == "455148-3"
