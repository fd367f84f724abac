"""OAuth2 Authorization Code with PKCE for DATEV, and the tokens it yields.

* :func:`login` runs the code flow with a loopback redirect listener (for notebooks and the CLI):
  a short session (refresh token valid about 11 hours) or, with ``offline=True``, DATEV's
  long-lived ``offline_access`` token (about 2 years), as in seed 001.
* :class:`Session` hands out access tokens and refreshes them a minute before the 15-minute
  expiry. DATEV's refresh tokens are single-use, so a refresh happens under a lock (threads) and
  a file lock (processes) and re-reads the store first: two refreshes never race for one token.
* :class:`TokenStore` is the encrypted file (one JSON document) the tokens live in, with a key
  from ``WORKBENCH_TOKEN_KEY`` or the OS keyring (optional extra ``datev-workbench[keyring]``);
  the token overview of seed 001 (:mod:`workbench.transfer.tokens`) keeps its rows and secrets
  there. Tokens never appear in ``repr``, logs or notebook output.

The protocol steps are written here on the project's one HTTP client rather than with authlib:
DATEV's refresh tokens are single-use, so a refresh must never be retried or run twice, and the
authorization code must never reach a log; both are rules of :class:`DatevClient` (no retry for
the token endpoint, German errors, no httpx logging of the redirect), which a second HTTP stack
would bypass. What authlib would add beyond that is PKCE and URL building, a dozen lines below.
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
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from cryptography.fernet import Fernet, InvalidToken

from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.client import DatevClient

__all__ = [
    "Session",
    "TokenSet",
    "TokenSlot",
    "TokenStore",
    "locked_file",
    "login",
    "pkce_pair",
    "token_key",
    "write_private",
]

DEFAULT_SCOPES = (
    "openid",
    "datev:accounting:clients",
    "accounting:clients:read",
    "accounting:dxso-jobs",
    "accounting:documents",
    "datev:accounting:extf-files-import",
    "datev:accounting:exchange",
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
        refresh_lifetime = (
            data.get("refresh_expires_in")
            or data.get("refresh_token_expires_in")
            or (2 * 365 * 86400 if offline else 11 * 3600)
        )
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=now + float(data.get("expires_in", 900)),
            refresh_expires_at=now + float(refresh_lifetime),
            scope=data.get("scope", ""),
            offline=offline,
        )

    def to_dict(self) -> dict:
        """Every field, for the encrypted store only."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "refresh_expires_at": self.refresh_expires_at,
            "scope": self.scope,
            "offline": self.offline,
        }

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


_NO_KEY = (
    "Für das verschlüsselte Speichern der DATEV-Anmeldung fehlt ein Schlüssel. Setzen Sie "
    'WORKBENCH_TOKEN_KEY (erzeugen mit: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())") oder installieren Sie den Schlüsselbund-Zusatz '
    "(pip install 'datev-workbench[keyring]') auf einem Rechner mit Schlüsselbund."
)


def token_key() -> bytes:
    """The token encryption key: ``WORKBENCH_TOKEN_KEY`` (a Fernet key) or the OS keyring.

    The keyring is the optional extra ``datev-workbench[keyring]``; servers and CI set
    ``WORKBENCH_TOKEN_KEY`` instead (from their secret store, never in a file beside the tokens).
    """
    key = os.environ.get("WORKBENCH_TOKEN_KEY")
    if not key:
        try:
            import keyring  # the optional extra: only on desktops with a keyring backend
        except ImportError:
            raise ConfigError(_NO_KEY) from None
        try:
            key = keyring.get_password("datev-workbench", "token-key")
            if not key:
                key = Fernet.generate_key().decode()
                keyring.set_password("datev-workbench", "token-key", key)
        except Exception as error:  # keyring.errors.*: no backend, locked, denied
            raise ConfigError(_NO_KEY) from error
    try:
        Fernet(key.encode() if isinstance(key, str) else key)
    except ValueError as error:
        raise ConfigError(
            "WORKBENCH_TOKEN_KEY ist kein gültiger Schlüssel (32 Byte, URL-sicheres Base64)."
        ) from error
    return key.encode() if isinstance(key, str) else key


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` readable by the owner only from the first byte on (created
    0600, not made 0600 after writing) and replace the old file atomically."""
    temporary = path.with_name(path.name + ".tmp")
    with suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    temporary.replace(path)


@contextmanager
def locked_file(path: Path) -> Iterator[None]:
    """An exclusive lock across processes on ``path`` (created 0600, empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class TokenStore:
    """One encrypted JSON document in one file under the Kanzlei's home: token sets by
    ``user/service`` (:meth:`load`, :meth:`save`) and whatever else :meth:`read` and
    :meth:`write` keep there (the token overview)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._fernet = Fernet(key)

    def read(self) -> dict:
        """The whole document (empty without a file)."""
        return self._read_all()

    def write(self, document: dict) -> None:
        """Replace the document atomically; the file is 0600 from its creation."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.path, self._fernet.encrypt(json.dumps(document).encode()))

    def _read_all(self) -> dict:
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
            everything[f"{user}/{service}"] = tokens.to_dict()
        self.write(everything)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive lock across processes (held while a refresh token is being used)."""
        with locked_file(self.path.with_suffix(".lock")):
            yield


class TokenSlot(Protocol):
    """Where a session's tokens persist: read and written under a lock across processes."""

    def locked(self) -> AbstractContextManager[None]: ...

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...


@dataclass
class _StoreSlot:
    """A token set kept under ``user/service`` in a :class:`TokenStore`."""

    store: TokenStore
    user: str
    service: str

    def locked(self) -> AbstractContextManager[None]:
        return self.store.locked()

    def load(self) -> TokenSet | None:
        return self.store.load(self.user, self.service)

    def save(self, tokens: TokenSet) -> None:
        self.store.save(self.user, self.service, tokens)


class Session:
    """A :class:`~workbench.transfer.client.TokenSource` that keeps itself valid.

    ``slot`` (or ``store`` with ``user`` and ``service``) persists every rotation, so another
    process takes the rotated token instead of burning the used one.
    """

    def __init__(
        self,
        client: DatevClient,
        *,
        client_secret: str,
        tokens: TokenSet,
        store: TokenStore | None = None,
        user: str = "default",
        service: str = "online",
        slot: TokenSlot | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secret = client_secret
        self._tokens = tokens
        self._slot = slot or (_StoreSlot(store, user, service) if store is not None else None)
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
        if self._slot is None:
            self._tokens = self._exchange(used)
            return
        with self._slot.locked():
            stored = self._slot.load()
            if stored is None:
                raise DatevApiError(
                    "Der DATEV-Zugangsschlüssel wurde widerrufen oder ist abgelaufen. Melden "
                    "Sie sich erneut an ('workbench login').",
                    status=401,
                )
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
            self._slot.save(self._tokens)

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
        if refreshed.refresh_expires_at and self._tokens.refresh_expires_at:
            # A rotated refresh token does not extend the token beyond its lifetime (seed 001:
            # renewed "maximal bis zur allg. Gültigkeitsdauer").
            refreshed.refresh_expires_at = min(
                refreshed.refresh_expires_at, self._tokens.refresh_expires_at
            )
        return refreshed


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    # Each login subclasses this with its own dict: the server creates one handler per request.
    result: ClassVar[dict[str, str]]

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
    login_hint: str | None = None,
    timeout: float = 300.0,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """Run the Authorization Code flow with PKCE and a loopback redirect listener.

    ``open_browser(url)`` shows DATEV's login page (``webbrowser.open`` for people); the listener
    on ``127.0.0.1`` receives ``code`` and ``state``. With ``offline`` the long-lived
    ``offline_access`` token is requested; ``login_hint`` (OpenID Connect Core 3.1.2.1) names
    the DATEV user to log in.
    """
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)

    class Callback(_CallbackHandler):
        result: ClassVar[dict[str, str]] = {}

    server = http.server.HTTPServer(("127.0.0.1", 0), Callback)
    server.timeout = 0.5
    redirect_uri = f"http://127.0.0.1:{server.server_port}/callback"
    scope = " ".join(scopes + (("offline_access",) if offline else ()))
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        query["login_hint"] = login_hint
    url = authorize_url + "?" + urllib.parse.urlencode(query)
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
    result = Callback.result
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
