"""OAuth2 Authorization Code with PKCE for DATEV, and the tokens it yields.

* :func:`login` runs the code flow with a loopback redirect listener (for notebooks and the CLI):
  a short session (refresh token valid about 11 hours) or, with ``offline=True``, DATEV's
  long-lived ``offline_access`` token (about 2 years), as in seed 001.
* :class:`Session` hands out access tokens and refreshes them a minute before the 15-minute
  expiry. DATEV's refresh tokens are single-use, so a refresh happens under a lock (threads) and
  a file lock (processes) and re-reads the store first: two refreshes never race for one token.
* :class:`TokenStore` keeps one token set per user and data service, encrypted at rest with a
  key from ``WORKBENCH_TOKEN_KEY`` or the OS keyring. Tokens never appear in ``repr``, logs or
  notebook output.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import http.server
import json
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.client import DatevClient

__all__ = ["Session", "TokenSet", "TokenStore", "login", "pkce_pair", "token_key"]

DEFAULT_SCOPES = (
    "openid",
    "datev:accounting:clients",
    "accounting:clients:read",
    "accounting:dxso-jobs",
    "accounting:documents",
    "datev:accounting:extf-files-import",
)
_REFRESH_MARGIN = 60.0  # seconds before expiry at which the access token is renewed


@dataclass
class TokenSet:
    """Access and refresh token with their expiry times (epoch seconds)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float = 0.0
    refresh_expires_at: float | None = None
    scope: str = ""
    offline: bool = False

    @classmethod
    def from_response(cls, data: dict, *, offline: bool, now: float) -> TokenSet:
        refresh_lifetime = data.get("refresh_expires_in") or (
            2 * 365 * 86400 if offline else 11 * 3600
        )
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=now + float(data.get("expires_in", 900)),
            refresh_expires_at=now + float(refresh_lifetime),
            scope=data.get("scope", ""),
            offline=offline,
        )

    def __repr__(self) -> str:  # never show a token
        return (
            f"TokenSet(expires_at={self.expires_at:.0f}, offline={self.offline}, "
            f"scope={self.scope!r})"
        )


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_key() -> bytes:
    """The token encryption key: ``WORKBENCH_TOKEN_KEY`` (a Fernet key) or the OS keyring."""
    key = os.environ.get("WORKBENCH_TOKEN_KEY")
    if not key:
        try:
            import keyring  # optional: only on desktops with a keyring backend

            key = keyring.get_password("datev-workbench", "token-key")
            if not key:
                key = Fernet.generate_key().decode()
                keyring.set_password("datev-workbench", "token-key", key)
        except Exception as error:
            raise ConfigError(
                "Für das verschlüsselte Speichern der DATEV-Anmeldung fehlt ein Schlüssel. "
                'Setzen Sie WORKBENCH_TOKEN_KEY (erzeugen mit: python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") oder '
                "richten Sie einen Schlüsselbund (keyring) ein."
            ) from error
    try:
        Fernet(key.encode() if isinstance(key, str) else key)
    except ValueError as error:
        raise ConfigError(
            "WORKBENCH_TOKEN_KEY ist kein gültiger Schlüssel (32 Byte, URL-sicheres Base64)."
        ) from error
    return key.encode() if isinstance(key, str) else key


class TokenStore:
    """Encrypted token sets, one per user and data service, in one file under WORKBENCH_HOME."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._fernet = Fernet(key)

    def _read_all(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self._fernet.decrypt(self.path.read_bytes()))
        except InvalidToken as error:
            raise ConfigError(
                f"Die gespeicherte DATEV-Anmeldung in {self.path} lässt sich mit "
                f"dem aktuellen Schlüssel nicht entschlüsseln. Melden Sie sich neu "
                f"an oder setzen Sie den richtigen WORKBENCH_TOKEN_KEY."
            ) from error

    def load(self, user: str, service: str) -> TokenSet | None:
        data = self._read_all().get(f"{user}/{service}")
        return TokenSet(**data) if data else None

    def save(self, user: str, service: str, tokens: TokenSet | None) -> None:
        everything = self._read_all()
        if tokens is None:
            everything.pop(f"{user}/{service}", None)
        else:
            everything[f"{user}/{service}"] = {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at": tokens.expires_at,
                "refresh_expires_at": tokens.refresh_expires_at,
                "scope": tokens.scope,
                "offline": tokens.offline,
            }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_bytes(self._fernet.encrypt(json.dumps(everything).encode()))
        temporary.chmod(0o600)
        temporary.replace(self.path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive lock across processes (held while a refresh token is being used)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class Session:
    """A :class:`~workbench.transfer.client.TokenSource` that keeps itself valid."""

    def __init__(
        self,
        client: DatevClient,
        *,
        client_secret: str,
        tokens: TokenSet,
        store: TokenStore | None = None,
        user: str = "default",
        service: str = "online",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secret = client_secret
        self._tokens = tokens
        self._store = store
        self._user = user
        self._service = service
        self._clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Session(user={self._user!r}, service={self._service!r}, tokens={self._tokens!r})"

    @property
    def tokens(self) -> TokenSet:
        return self._tokens

    def access_token(self) -> str:
        with self._lock:
            if self._clock() >= self._tokens.expires_at - _REFRESH_MARGIN:
                self._refresh_locked()
            return self._tokens.access_token

    def refresh(self) -> None:
        with self._lock:
            self._refresh_locked(force=True)

    def _refresh_locked(self, *, force: bool = False) -> None:
        used = self._tokens.refresh_token
        if self._store is None:
            self._tokens = self._exchange(used)
            return
        with self._store.locked():
            stored = self._store.load(self._user, self._service)
            if (
                stored
                and stored.refresh_token != used
                and (not force or stored.access_token != self._tokens.access_token)
            ):
                # Another process rotated the token while we waited: take its result.
                self._tokens = stored
                if self._clock() < stored.expires_at - _REFRESH_MARGIN:
                    return
            self._tokens = self._exchange(self._tokens.refresh_token)
            self._store.save(self._user, self._service, self._tokens)

    def _exchange(self, refresh_token: str | None) -> TokenSet:
        now = self._clock()
        expired = (
            self._tokens.refresh_expires_at is not None and now >= self._tokens.refresh_expires_at
        )
        if not refresh_token or expired:
            raise DatevApiError(
                "Die DATEV-Anmeldung ist abgelaufen (Kurzzeit-Sitzung 11 Stunden). "
                "Melden Sie sich erneut an.",
                status=401,
            )
        try:
            data = self._client.token(
                {"grant_type": "refresh_token", "refresh_token": refresh_token},
                client_secret=self._secret,
            )
        except DatevApiError as error:
            if error.status in (400, 401):
                raise DatevApiError(
                    "Die DATEV-Anmeldung ist nicht mehr gültig (Refresh-Token "
                    "abgelaufen, widerrufen oder bereits verwendet). Melden Sie "
                    "sich erneut an.",
                    status=error.status,
                    code=error.code,
                ) from error
            raise
        refreshed = TokenSet.from_response(data, offline=self._tokens.offline, now=now)
        if (
            refreshed.refresh_expires_at
            and self._tokens.refresh_expires_at
            and "refresh_expires_in" not in data
        ):
            # A rotated refresh token does not extend the session beyond its original end.
            refreshed.refresh_expires_at = self._tokens.refresh_expires_at
        return refreshed


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    result: dict[str, str] = {}

    def do_GET(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        type(self).result.update(query)
        ok = "code" in query
        body = (
            "<html><body><h3>Anmeldung bei DATEV "
            + ("erfolgreich" if ok else "fehlgeschlagen")
            + ".</h3><p>Sie können dieses Fenster schließen.</p></body></html>"
        ).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # the URL holds the code: never log it
        return


def login(
    client: DatevClient,
    *,
    client_secret: str,
    authorize_url: str,
    open_browser: Callable[[str], object],
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    offline: bool = False,
    timeout: float = 300.0,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """Run the Authorization Code flow with PKCE and a loopback redirect listener.

    ``open_browser(url)`` shows DATEV's login page (``webbrowser.open`` for people); the listener
    on ``127.0.0.1`` receives ``code`` and ``state``. With ``offline`` the long-lived
    ``offline_access`` token is requested.
    """
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    handler = type("Callback", (_CallbackHandler,), {"result": {}})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 0.5
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    scope = " ".join(scopes + (("offline_access",) if offline else ()))
    url = (
        authorize_url
        + "?"
        + urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": redirect_uri,
                "scope": scope,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    stop = threading.Event()
    thread = threading.Thread(target=_serve_until_answer, args=(server, stop, timeout), daemon=True)
    thread.start()
    try:
        open_browser(url)
        thread.join(timeout)
    finally:
        stop.set()
        thread.join()
        server.server_close()
    result = handler.result
    if "code" not in result:
        reason = result.get("error_description") or result.get("error") or "keine Antwort"
        raise DatevApiError(f"Die Anmeldung bei DATEV wurde nicht abgeschlossen ({reason}).")
    if result.get("state") != state:
        raise DatevApiError(
            "Die Anmeldung bei DATEV wurde abgelehnt: der Parameter 'state' "
            "stimmt nicht überein (möglicher Angriff)."
        )
    data = client.token(
        {
            "grant_type": "authorization_code",
            "code": result["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        client_secret=client_secret,
    )
    return TokenSet.from_response(data, offline=offline, now=clock())


def _serve_until_answer(
    server: http.server.HTTPServer, stop: threading.Event, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    answered = server.RequestHandlerClass.result  # type: ignore[attr-defined]
    while not answered and not stop.is_set() and time.monotonic() < deadline:
        server.handle_request()  # returns after one request or server.timeout
