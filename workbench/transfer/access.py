"""Logging in, using and revoking DATEV access keys of one Kanzlei (seed 001).

* :func:`open_tokens` gives a DATEV client the tokens of the Kanzlei's active access keys. With
  no access key ever requested, the sandbox is used with a throwaway session (as the embedded
  sandbox always was); once a key was requested, the overview rules: revoked or expired means
  "log in again", also against the sandbox.
* :func:`request_token` runs the login for one data service (``workbench login``), stores the
  new key and revokes the one it replaces at DATEV.
* :func:`revoke_token` revokes a key at DATEV and marks it inactive (``workbench tokens
  revoke``).
"""

from __future__ import annotations

import getpass
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from workbench.config import Settings
from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.auth import (
    DEFAULT_SCOPES,
    Session,
    TokenSet,
    TokenStore,
    locked_file,
    login,
    token_key,
    write_private,
)
from workbench.transfer.client import DatevClient, TokenSource
from workbench.transfer.tokens import (
    TokenEntry,
    TokenRegistry,
    TokenRouter,
    data_service,
    datenbestand,
)

__all__ = ["local_user", "open_registry", "open_tokens", "request_token", "revoke_token"]

log = logging.getLogger(__name__)

NOT_LOGGED_IN = (
    "Sie sind bei DATEV nicht angemeldet (kein aktiver Zugangsschlüssel der Kanzlei {kanzlei}). "
    "Melden Sie sich mit 'workbench login' an (Kurzzeittoken 11 Stunden; mit --offline "
    "Langzeittoken für 2 Jahre)."
)


def local_user() -> str:
    """The workbench user a token belongs to (seed 001: one token per user and data service)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "workbench"


def open_registry(settings: Settings) -> TokenRegistry | None:
    """The Kanzlei's token overview, or None while no access key was ever requested."""
    if not settings.tokens_path.exists():
        return None
    return TokenRegistry(TokenStore(settings.tokens_path, token_key()))


def open_tokens(settings: Settings, datev: DatevClient) -> TokenSource:
    """Tokens for ``datev``: the active access keys of this user, or (sandbox, never logged
    in) a throwaway session; a ConfigError says how to log in when there is none."""
    registry = open_registry(settings)
    if registry is None or not registry.entries():
        if settings.mode != "sandbox":
            raise ConfigError(NOT_LOGGED_IN.format(kanzlei=settings.kanzlei))
        return _SandboxSession.reuse(settings, datev)
    active = registry.active(local_user())
    if not active:
        raise ConfigError(NOT_LOGGED_IN.format(kanzlei=settings.kanzlei))
    return TokenRouter(
        [
            (
                entry,
                Session(
                    datev,
                    client_secret=settings.app_secret,
                    tokens=tokens,
                    slot=registry.slot(entry),
                ),
            )
            for entry, tokens in active
        ]
    )


def request_token(
    settings: Settings,
    datev: DatevClient,
    *,
    service: str,
    long: bool,
    client: str | None = None,
    open_browser: Callable[[str], object] | None = None,
) -> TokenEntry:
    """Log in for ``service`` and add the access key to the overview.

    A Langzeittoken needs its Datenbestand (``client``, Berater-Mandant) first; it is checked
    with the new token, and a wrong one revokes the token again. The key of the same user and
    service is revoked at DATEV before the login (never two valid refresh tokens).
    """
    chosen = data_service(service)
    bestand = datenbestand(client) if client else None
    if long and bestand is None:
        raise ConfigError(
            "Ein Langzeittoken gilt für einen Datenbestand: geben Sie Berater- und "
            "Mandantennummer an (--client BERATER-MANDANT, z. B. 455148-1)."
        )
    registry = TokenRegistry(TokenStore(settings.tokens_path, token_key()))
    tokens = _login(settings, datev, scopes=chosen.scopes, offline=long, open_browser=open_browser)
    if bestand is not None:
        _check_datenbestand(settings, datev, tokens, bestand)
    person = datev.userinfo(tokens.access_token).get("name")
    entry, replaced = registry.issue(
        user=local_user(),
        service=chosen.name,
        tokens=tokens,
        person=person,
        datenbestand=bestand,
    )
    for old, secret in replaced:
        _revoke_at_datev(settings, datev, secret, what=f"ersetzten Zugangsschlüssel {old.id}")
    return entry


def revoke_token(settings: Settings, datev: DatevClient, entry_id: str) -> TokenEntry:
    """Revoke the access key ``entry_id`` at DATEV, then mark it inactive with the time.

    If DATEV cannot be reached nothing changes here (the key would stay valid at DATEV).
    """
    registry = open_registry(settings)
    if registry is None:
        raise ConfigError("Es gibt noch keine Zugangsschlüssel (siehe 'workbench login').")
    entry = registry.get(entry_id)
    if entry.revoked_at is not None:
        raise ConfigError(f"Der Zugangsschlüssel {entry.id} ist bereits widerrufen.")
    secret = next((tokens for e, tokens in registry.active(entry.user) if e.id == entry.id), None)
    if secret is not None:
        datev.revoke(
            secret.refresh_token or secret.access_token,
            client_secret=settings.app_secret,
            hint="refresh_token" if secret.refresh_token else "access_token",
        )
    registry.deactivate(entry.id, revoked=True)
    return registry.get(entry.id)


def _login(
    settings: Settings,
    datev: DatevClient,
    *,
    scopes: tuple[str, ...],
    offline: bool,
    open_browser: Callable[[str], object] | None = None,
) -> TokenSet:
    return login(
        datev,
        client_secret=settings.app_secret,
        authorize_url=datev.endpoints["authorize"],
        open_browser=open_browser or datev.approve_in_sandbox,
        scopes=scopes,
        offline=offline,
        login_hint=settings.datev_user,
    )


def _check_datenbestand(
    settings: Settings, datev: DatevClient, tokens: TokenSet, bestand: str
) -> None:
    """Seed 001: wrong Berater- or Mandantennummer gives a hint; the token is revoked again."""
    probe = DatevClient(datev.endpoints, client_id=datev.client_id, tokens=_Fixed(tokens))
    try:
        probe.get_client(bestand)
    except DatevApiError as error:
        _revoke_at_datev(settings, datev, tokens, what="neuen Zugangsschlüssel")
        if error.status in (403, 404):
            raise ConfigError(
                f"Den Datenbestand {bestand} gibt es für diese Anmeldung nicht: bitte prüfen "
                "Sie Berater- und Mandantennummer."
            ) from error
        raise
    finally:
        probe.close()


def _revoke_at_datev(
    settings: Settings, datev: DatevClient, tokens: TokenSet, *, what: str
) -> None:
    try:
        datev.revoke(tokens.refresh_token or tokens.access_token, client_secret=settings.app_secret)
    except DatevApiError as error:
        # The key is gone here either way; DATEV ends it at the latest with its lifetime.
        log.warning("Widerruf des %s bei DATEV fehlgeschlagen: %s", what, error)


class _SandboxSlot:
    """The sandbox session between commands: ``sandbox/session.json`` in the Kanzlei's home,
    0600 like the sandbox's own token table beside it, one entry per sandbox (the embedded one
    changes its port every run but keeps its state)."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.home / "sandbox" / "session.json"
        self.origin = settings.sandbox_url or "embedded"

    def locked(self) -> AbstractContextManager[None]:
        return locked_file(self.path.with_suffix(".lock"))

    def _all(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> TokenSet | None:
        stored = self._all().get(self.origin)
        try:
            return TokenSet(**stored) if isinstance(stored, dict) else None
        except TypeError:  # written by another version: log in again
            return None

    def save(self, tokens: TokenSet) -> None:
        sessions = self._all()
        sessions[self.origin] = tokens.to_dict()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.path, json.dumps(sessions).encode("utf-8"))


class _SandboxSession(Session):
    """Never logged in, against the sandbox: one session reused by every command instead of a
    login per command (which piled up in the sandbox's token table). When the sandbox no longer
    knows it (reset, new state folder), one fresh login replaces it."""

    def __init__(self, settings: Settings, datev: DatevClient, tokens: TokenSet) -> None:
        super().__init__(
            datev, client_secret=settings.app_secret, tokens=tokens, slot=_SandboxSlot(settings)
        )
        self._settings = settings

    @classmethod
    def reuse(cls, settings: Settings, datev: DatevClient) -> _SandboxSession:
        slot = _SandboxSlot(settings)
        with slot.locked():
            tokens = slot.load()
            if tokens is None or (tokens.refresh_expires_at or 0) <= time.time() + 60:
                tokens = _login(settings, datev, scopes=DEFAULT_SCOPES, offline=True)
                slot.save(tokens)
        return cls(settings, datev, tokens)

    def _exchange(self, refresh_token: str | None) -> TokenSet:
        try:
            return super()._exchange(refresh_token)
        except DatevApiError as error:
            if error.status not in (400, 401):
                raise
            return _login(self._settings, self._client, scopes=DEFAULT_SCOPES, offline=True)


class _Fixed:
    """A token source for one check right after the login (no refresh)."""

    def __init__(self, tokens: TokenSet) -> None:
        self._tokens = tokens

    def access_token(self) -> str:
        return self._tokens.access_token

    def refresh(self) -> None:
        return None
