"""Seed 001's token overview against the real sandbox: short and long logins, renewals, one token
per user and data service, revocation, 10 rows at most; plus the registry's rules offline."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from workbench.cli import app
from workbench.config import load_settings
from workbench.errors import ConfigError, DatevApiError
from workbench.pipeline.connection import connect, interactive_login
from workbench.transfer.access import local_user, open_registry
from workbench.transfer.auth import TokenSet, TokenStore
from workbench.transfer.tokens import MAX_ENTRIES, TokenEntry, TokenRegistry, TokenRouter

runner = CliRunner()
OVERVIEW_KEYS = {
    "id",
    "type",
    "person",
    "datenbestand",
    "service",
    "issued_at",
    "renewed_at",
    "expires_at",
    "revoked_at",
    "status",
}


@pytest.fixture
def kanzlei(sandbox, monkeypatch):
    """The Standard Kanzlei on the module's running sandbox, with a token key."""
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
    monkeypatch.setenv("WORKBENCH_TOKEN_KEY", Fernet.generate_key().decode())
    return load_settings()


def cli(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def overview():
    result = cli("tokens", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def secrets_of(settings):
    return TokenStore(settings.tokens_path, _key()).read().get("secrets", {})


def _key():
    import os

    return os.environ["WORKBENCH_TOKEN_KEY"].encode()


def refresh_is_refused(sandbox, refresh_token: str) -> bool:
    answer = httpx.post(
        f"{sandbox.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=("workbench-sandbox", "sandbox-secret"),
    )
    return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_overview_after_short_and_long_logins_and_a_refresh(kanzlei, sandbox):
    before = time.time()
    short = interactive_login(kanzlei, offline=False)
    long = interactive_login(
        kanzlei, offline=True, service="buchungsdatenservice", client="455148-1"
    )
    rows = overview()
    assert [row["id"] for row in rows] == [long.id, short.id]  # newest first
    assert all(set(row) == OVERVIEW_KEYS for row in rows)
    assert rows[0] | {"id": None, "issued_at": None, "expires_at": None} == {
        "id": None,
        "type": "Langzeittoken",
        "person": "Sabine Schröder",  # from DATEV's userinfo
        "datenbestand": "455148-1",
        "service": "Buchungsdatenservice",
        "issued_at": None,
        "renewed_at": None,
        "expires_at": None,
        "revoked_at": None,
        "status": "aktiv",
    }
    assert rows[1]["type"] == "Kurzzeittoken" and rows[1]["datenbestand"] is None
    assert rows[1]["service"] == "Rechnungsdatenservice 1.0"
    # expires_at is the token's lifetime (11 h / about 2 years), not the 15-minute access token.
    assert 10.9 * 3600 < short.expires_at - before < 11.1 * 3600
    assert long.expires_at - before > 700 * 86400
    # A renewal: every access token expires at DATEV, the next call renews the short token.
    httpx.post(f"{sandbox.url}/_sandbox/tokens/expire")
    with connect() as connection:
        assert connection.datev.client_basics("455148-1")["id"] == "455148-1"
    renewed = {row["id"]: row for row in overview()}
    assert renewed[short.id]["renewed_at"] is not None
    assert renewed[short.id]["expires_at"] == rows[1]["expires_at"]  # not extended
    assert renewed[long.id]["renewed_at"] is None  # dxso-jobs is the Rechnungsdatenservice's


def test_short_login_removes_the_long_token(kanzlei, sandbox):
    long = interactive_login(kanzlei, offline=True, client="455148-1")
    old_refresh = secrets_of(kanzlei)[long.id]["refresh_token"]
    short = interactive_login(kanzlei, offline=False)
    rows = {row["id"]: row for row in overview()}
    assert rows[long.id]["status"] == "inaktiv" and rows[long.id]["revoked_at"] is None
    assert rows[short.id]["status"] == "aktiv"
    assert set(secrets_of(kanzlei)) == {short.id}  # the inactive token's secret is deleted
    # The sandbox saw the revocation: the long token's refresh token is dead.
    assert refresh_is_refused(sandbox, old_refresh)


def test_revoke_makes_the_next_datev_call_ask_for_a_login(kanzlei, sandbox):
    entry = interactive_login(kanzlei, offline=False)
    secret = secrets_of(kanzlei)[entry.id]
    result = cli("tokens", "revoke", entry.id)
    assert result.exit_code == 0, result.stderr
    assert "Widerrufen" in result.stdout
    [row] = overview()
    assert row["status"] == "inaktiv" and row["revoked_at"] is not None
    assert secrets_of(kanzlei) == {}
    # The sandbox saw it: the refresh token and the access token of the grant are dead.
    assert refresh_is_refused(sandbox, secret["refresh_token"])
    answer = httpx.get(
        f"{sandbox.url}/userinfo", headers={"Authorization": f"Bearer {secret['access_token']}"}
    )
    assert answer.status_code == 401
    status = cli("status")
    assert status.exit_code == 3
    assert "nicht angemeldet" in status.stderr and "workbench login" in status.stderr
    again = cli("tokens", "revoke", entry.id)
    assert again.exit_code == 3 and "bereits widerrufen" in again.stderr
    assert cli("login").exit_code == 0
    assert cli("status").exit_code == 0


def test_eleventh_token_drops_the_oldest_inactive_row(kanzlei):
    first = interactive_login(kanzlei, offline=False)
    for _ in range(MAX_ENTRIES):
        last = interactive_login(kanzlei, offline=False)
    rows = overview()
    assert len(rows) == MAX_ENTRIES
    assert first.id not in {row["id"] for row in rows}
    assert rows[0]["id"] == last.id and rows[0]["status"] == "aktiv"
    assert [row["status"] for row in rows[1:]] == ["inaktiv"] * (MAX_ENTRIES - 1)


def test_long_token_needs_and_checks_its_datenbestand(kanzlei, sandbox):
    with pytest.raises(ConfigError, match="Datenbestand"):
        interactive_login(kanzlei, offline=True)
    with pytest.raises(ConfigError, match="BERATER-MANDANT"):
        interactive_login(kanzlei, offline=True, client="455148")
    revoked = sandbox.state.store.query("SELECT COUNT(*) AS n FROM revocations")[0]["n"]
    with pytest.raises(ConfigError, match="prüfen Sie Berater- und Mandantennummer"):
        interactive_login(kanzlei, offline=True, client="455148-99")
    # The token obtained for the wrong Bestand was revoked again, and nothing was stored.
    after = sandbox.state.store.query("SELECT COUNT(*) AS n FROM revocations")[0]["n"]
    assert after == revoked + 1
    assert open_registry(kanzlei) is None
    result = runner.invoke(app, ["login", "--offline"], input="")
    assert result.exit_code == 3 and "--client" in result.stderr


def test_a_token_for_one_datenbestand_is_not_used_for_another(kanzlei):
    interactive_login(kanzlei, offline=True, client="455148-1")
    interactive_login(kanzlei, offline=True, service="buchungsdatenservice", client="455148-1")
    with connect() as connection:
        assert connection.datev.client_basics("455148-1")["client_number"] == 1
        with pytest.raises(DatevApiError, match="gilt für den Datenbestand 455148-1") as raised:
            connection.datev.client_basics("455148-2")
    # Tour 28 #8: a Langzeittoken's Bestand cannot be chosen afterwards ('tokens select'
    # refuses it): the message names the login for 455148-2 only.
    assert "tokens select" not in str(raised.value)
    assert "workbench login --offline --client 455148-2" in str(raised.value)


def test_select_gives_a_short_token_its_datenbestand(kanzlei):
    entry = interactive_login(kanzlei, offline=False)
    result = cli("tokens", "select", entry.id, "--client", "455148-2")
    assert result.exit_code == 0, result.stderr
    assert overview()[0]["datenbestand"] == "455148-2"
    with connect() as connection:
        with pytest.raises(DatevApiError, match="nicht für 455148-1"):
            connection.datev.client_basics("455148-1")
        # extf-files is not served by the Rechnungsdatenservice: its token is missing.
        with pytest.raises(DatevApiError, match="--service buchungsdatenservice"):
            connection.datev.list_extf_jobs("455148-2")


def test_without_any_login_the_sandbox_still_works_and_lists_nothing(kanzlei):
    with connect() as connection:
        assert connection.datev.get_client("455148-1")["id"] == "455148-1"
    result = cli("tokens")
    assert result.exit_code == 0
    assert "Noch keine Zugangsschlüssel" in result.stdout
    assert "https://apps.datev.de/tokrevui" in result.stdout
    assert not kanzlei.tokens_path.exists()


# --- the registry's rules without DATEV --------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def tokens(*, offline: bool = False, lifetime: float = 11 * 3600, now: float) -> TokenSet:
    return TokenSet(
        access_token=f"a-{now}",
        refresh_token=f"r-{now}",
        expires_at=now + 900,
        refresh_expires_at=now + lifetime,
        offline=offline,
    )


@pytest.fixture
def registry(tmp_path):
    clock = Clock()
    return TokenRegistry(TokenStore(tmp_path / "tokens.bin", Fernet.generate_key()), clock=clock)


def test_expired_tokens_turn_inactive_and_lose_their_secret(registry):
    clock = registry.clock
    entry, _ = registry.issue(
        user="anna", service="rechnungsdatenservice", tokens=tokens(now=clock()), person="A"
    )
    assert [e.id for e, _ in registry.active("anna")] == [entry.id]
    clock.now += 11 * 3600 + 1
    assert registry.active("anna") == []
    assert registry.store.read()["secrets"] == {}
    assert registry.get(entry.id).status(clock()) == "inaktiv"


def test_one_token_per_user_and_service_and_active_rows_are_never_trimmed(registry):
    clock = registry.clock
    for number in range(12):
        clock.now += 1
        registry.issue(
            user=f"user{number}", service="rechnungsdatenservice", tokens=tokens(now=clock()),
            person=None,
        )  # fmt: skip
    assert len(registry.entries()) == 12  # twelve users, twelve active tokens: none goes
    clock.now += 1
    _, replaced = registry.issue(
        user="user0", service="rechnungsdatenservice", tokens=tokens(now=clock()), person=None
    )
    assert [entry.user for entry, _ in replaced] == ["user0"]
    # 13 rows, one inactive: that one goes; the 12 active ones stay.
    assert len(registry.entries()) == 12
    assert all(entry.is_active(clock()) for entry in registry.entries())
    clock.now += 1
    registry.issue(
        user="user0", service="buchungsdatenservice", tokens=tokens(now=clock()), person=None
    )
    assert len([e for e, _ in registry.active("user0")]) == 2  # another service, another token


def test_select_is_for_active_short_tokens(registry):
    clock = registry.clock
    long, _ = registry.issue(
        user="anna",
        service="rechnungsdatenservice",
        tokens=tokens(offline=True, lifetime=2 * 365 * 86400, now=clock()),
        person=None,
        datenbestand="455148-1",
    )
    with pytest.raises(ConfigError, match="vor der Anmeldung"):
        registry.select(long.id, "455148-2")
    with pytest.raises(ConfigError, match="gibt es nicht"):
        registry.get("FFFFFF")


def test_router_names_the_missing_service():
    router = TokenRouter([])
    with pytest.raises(DatevApiError, match="Buchungsdatenservice fehlt"):
        router.for_request("accounting-extf-files", "/clients/455148-1/extf-files/jobs")


def test_token_entry_overview_uses_berlin_time():
    entry = TokenEntry(
        id="ABC123",
        type="Kurzzeittoken",
        user=local_user(),
        service="rechnungsdatenservice",
        issued_at=1_769_860_800.0,  # 2026-01-31 12:00 UTC
        expires_at=1_769_860_800.0 + 11 * 3600,
    )
    row = entry.overview(1_769_860_800.0)
    assert row["issued_at"] == "2026-01-31T13:00:00+01:00"
    assert row["status"] == "aktiv"


def test_no_output_shows_a_token(kanzlei, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    login = cli("login", "--offline", "--client", "455148-1")
    entry_id = overview()[0]["id"]
    secret = secrets_of(kanzlei)[entry_id]
    outputs = [login.output, cli("tokens").output, cli("tokens", "--format", "json").output]
    outputs += [cli("tokens", "revoke", entry_id).output, caplog.text]
    outputs.append(kanzlei.tokens_path.read_bytes().decode("latin-1"))  # encrypted at rest
    for text in outputs:
        assert secret["access_token"] not in text and secret["refresh_token"] not in text


def test_a_missing_key_is_one_line_that_names_the_keyring_extra(kanzlei, monkeypatch):
    import sys

    interactive_login(kanzlei, offline=False)
    monkeypatch.delenv("WORKBENCH_TOKEN_KEY")
    monkeypatch.setitem(sys.modules, "keyring", None)  # the extra is not installed
    result = cli("tokens")
    assert result.exit_code == 3
    # The message quotes pip's extra syntax verbatim (rich markup must not eat "[keyring]").
    assert "pip install 'datev-workbench[keyring]'" in result.stderr
    assert "WORKBENCH_TOKEN_KEY" in result.stderr and "Traceback" not in result.output
