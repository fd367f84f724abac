"""OAuth2 PKCE against the real sandbox: login, refresh rotation, encrypted store, no leaks."""

import logging
import threading

import pytest
from cryptography.fernet import Fernet

from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.auth import Session, TokenSet, TokenStore, login, pkce_pair, token_key

SECRET = "sandbox-secret"


def test_pkce_pair_is_s256():
    import base64
    import hashlib

    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == digest.decode()


def test_login_through_loopback_listener_then_api_calls(client, session):
    assert session.tokens.refresh_token
    assert {item["id"] for item in client.list_clients()} >= {"455148-1", "455148-2"}


def test_offline_access_gives_long_lived_session(client, endpoints):
    tokens = login(
        client,
        client_secret=SECRET,
        authorize_url=endpoints["authorize"],
        open_browser=client.approve_in_sandbox,
        offline=True,
    )
    assert tokens.offline
    assert tokens.refresh_expires_at - tokens.expires_at > 365 * 86400
    short = login(
        client,
        client_secret=SECRET,
        authorize_url=endpoints["authorize"],
        open_browser=client.approve_in_sandbox,
    )
    assert 10 * 3600 < short.refresh_expires_at - short.expires_at < 12 * 3600


def test_refresh_rotates_and_the_old_refresh_token_is_dead(client, session):
    old = session.tokens.refresh_token
    session.refresh()
    assert session.tokens.refresh_token != old
    stale = Session(
        client,
        client_secret=SECRET,
        tokens=TokenSet(access_token="x", refresh_token=old, expires_at=0),
    )
    with pytest.raises(DatevApiError, match=r"bereits verwendet"):
        stale.access_token()
    assert client.list_clients()  # the rotated token keeps working


def test_access_token_is_renewed_before_it_expires(client, session):
    before = session.tokens.access_token
    session.tokens.expires_at = 0  # as if 15 minutes had passed
    client.get_client("455148-1")
    assert session.tokens.access_token != before


def test_session_past_its_11_hours_asks_to_log_in_again(client, session):
    session.tokens.expires_at = 0
    session.tokens.refresh_expires_at = 1
    with pytest.raises(DatevApiError, match=r"Melden Sie sich erneut an"):
        client.get_client("455148-1")


def test_concurrent_refreshes_never_reuse_a_refresh_token(client, session, tmp_path):
    store = TokenStore(tmp_path / "tokens.bin", Fernet.generate_key())
    store.save("anna", "online", session.tokens)
    sessions = [
        Session(
            client,
            client_secret=SECRET,
            tokens=store.load("anna", "online"),
            store=store,
            user="anna",
        )
        for _ in range(4)
    ]
    for each in sessions:
        each.tokens.expires_at = 0
    errors = []

    def use(each):
        try:
            each.access_token()
        except DatevApiError as error:  # pragma: no cover - would mean a race burnt a token
            errors.append(error)

    threads = [threading.Thread(target=use, args=(each,)) for each in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({each.tokens.refresh_token for each in sessions}) == 1


def test_store_is_encrypted_and_keeps_one_token_per_user_and_service(tmp_path, session):
    key = Fernet.generate_key()
    store = TokenStore(tmp_path / "tokens.bin", key)
    store.save("anna", "online", session.tokens)
    store.save("anna", "connect", TokenSet(access_token="zweites"))
    raw = (tmp_path / "tokens.bin").read_bytes()
    assert session.tokens.access_token.encode() not in raw
    assert session.tokens.refresh_token.encode() not in raw
    assert (tmp_path / "tokens.bin").stat().st_mode & 0o777 == 0o600
    assert store.load("anna", "online").access_token == session.tokens.access_token
    store.save("anna", "online", None)
    assert store.load("anna", "online") is None
    assert store.load("anna", "connect").access_token == "zweites"
    with pytest.raises(ConfigError, match=r"nicht entschlüsseln"):
        TokenStore(tmp_path / "tokens.bin", Fernet.generate_key()).load("anna", "connect")


def test_token_key_from_environment(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("WORKBENCH_TOKEN_KEY", key)
    assert token_key() == key.encode()
    monkeypatch.setenv("WORKBENCH_TOKEN_KEY", "zu-kurz")
    with pytest.raises(ConfigError, match=r"kein gültiger Schlüssel"):
        token_key()


def test_tokens_never_show_in_repr_or_logs(client, session, caplog):
    caplog.set_level(logging.DEBUG)
    client.list_clients()
    session.refresh()
    text = repr(session) + repr(session.tokens) + caplog.text
    assert session.tokens.access_token not in text
    assert session.tokens.refresh_token not in text


def test_login_rejects_a_foreign_state(client, endpoints):
    import httpx

    def forged_browser(url):
        # A callback with the code but a state we never sent (CSRF).
        redirect = dict(httpx.URL(url).params)["redirect_uri"]
        httpx.get(redirect, params={"code": "abc", "state": "fremd"})

    with pytest.raises(DatevApiError, match=r"'state' stimmt nicht"):
        login(
            client,
            client_secret=SECRET,
            authorize_url=endpoints["authorize"],
            open_browser=forged_browser,
            timeout=10,
        )


class _MemoryKeyring:
    """A keyring backend in memory (the real ones need a desktop session)."""

    priority = 1

    def __init__(self):
        self.passwords = {}

    def get_password(self, service, name):
        return self.passwords.get((service, name))

    def set_password(self, service, name, value):
        self.passwords[(service, name)] = value


def test_token_key_from_the_keyring_extra(monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    memory = type("Memory", (_MemoryKeyring, KeyringBackend), {})()
    monkeypatch.delenv("WORKBENCH_TOKEN_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        first = token_key()
        assert token_key() == first  # generated once, then kept in the keyring
        assert memory.passwords == {("datev-workbench", "token-key"): first.decode()}
    finally:
        keyring.set_keyring(previous)


def test_without_key_and_keyring_the_message_names_both_ways(monkeypatch):
    import sys

    import keyring
    from keyring.backends import fail

    monkeypatch.delenv("WORKBENCH_TOKEN_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a server without a keyring backend
    try:
        with pytest.raises(ConfigError, match=r"WORKBENCH_TOKEN_KEY.*datev-workbench\[keyring\]"):
            token_key()
    finally:
        keyring.set_keyring(previous)
    monkeypatch.setitem(sys.modules, "keyring", None)  # the extra not installed
    with pytest.raises(ConfigError, match=r"datev-workbench\[keyring\]"):
        token_key()
