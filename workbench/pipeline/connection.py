"""One object that holds everything a run needs to talk to DATEV: client, tokens, ledger.

Everything belongs to one Kanzlei (``Settings.kanzlei``): its DATEV connection, its access
keys, its ledger. Without DATEV credentials the workbench talks to the bundled sandbox: the one
named by ``WORKBENCH_SANDBOX_URL``, or an embedded one started on a free loopback port whose
state lives in the Kanzlei's home (``sandbox/``, so a later ``workbench status`` sees the jobs
an earlier ``workbench transfer`` created). With credentials it talks to DATEV with the access
keys requested by ``workbench login``; TLS verification is always on for DATEV.

``workbench check`` may take the client settings from a cache of the last fetch (at most
``SETTINGS_MAX_AGE`` old, from the same DATEV); then DATEV is never opened and the embedded
sandbox never started. Everything else (transfer, map, the app) fetches them once per
connection, which also renews the cache.

This composes the transfer layer (DATEV client, tokens, ledger) with the sandbox, so it sits
above both: the transfer layer never starts a sandbox itself.
"""

from __future__ import annotations

import json
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.clients import ClientSettings, cache_path, load_client_settings
from workbench.config import Settings, datev_endpoints, load_settings

if TYPE_CHECKING:
    from workbench.sandbox import RunningSandbox
    from workbench.transfer.client import DatevClient
    from workbench.transfer.ledger import Ledger
    from workbench.transfer.tokens import TokenEntry

__all__ = [
    "SETTINGS_MAX_AGE",
    "Connection",
    "SettingsOrigin",
    "connect",
    "interactive_login",
    "open_datev",
    "revoke",
]

#: How long ``workbench check`` trusts client settings fetched earlier (``--refresh`` fetches
#: anew; transfers always fetch).
SETTINGS_MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class SettingsOrigin:
    """Where a client's settings came from: DATEV at ``fetched_at``, now or (``cached``) then."""

    fetched_at: datetime
    cached: bool

    def describe(self) -> str:
        """German, for the check's output.

        >>> SettingsOrigin(datetime(2026, 1, 31, 13, 5, tzinfo=UTC), cached=False).describe()
        'Mandanteneinstellungen von DATEV, abgerufen am 31.01.2026 um 14:05 Uhr'
        """
        from workbench.german import BERLIN

        moment = self.fetched_at.astimezone(BERLIN)
        when = f"am {moment:%d.%m.%Y} um {moment:%H:%M} Uhr"
        if self.cached:
            return (
                f"Mandanteneinstellungen aus dem Zwischenspeicher, von DATEV abgerufen {when} "
                "(--refresh ruft sie neu ab)"
            )
        return f"Mandanteneinstellungen von DATEV, abgerufen {when}"


class Connection:
    """DATEV (or the sandbox) plus the transfer ledger of one Kanzlei, opened on first use.

    ``settings_max_age``: client settings fetched from DATEV at most that long ago are taken
    from the cache (``cache/clients/<id>.json``, with the time of the fetch and where
    from); ``None`` (the default) fetches them once per connection.
    """

    def __init__(self, settings: Settings, *, settings_max_age: timedelta | None = None) -> None:
        self.settings = settings
        self.settings_max_age = settings_max_age
        self._stack = ExitStack()
        self._lock = threading.RLock()
        self._datev: DatevClient | None = None
        self._sandbox: RunningSandbox | None = None
        self._ledger: Ledger | None = None
        self._client_settings: dict[str, ClientSettings] = {}
        self._origins: dict[str, SettingsOrigin] = {}

    @property
    def mode(self) -> str:
        return self.settings.mode

    @property
    def datev(self) -> DatevClient:
        """The DATEV client with the Kanzlei's tokens (starts the embedded sandbox if any)."""
        with self._lock:
            if self._datev is None:
                from workbench.transfer.access import open_tokens

                datev, sandbox = self._stack.enter_context(open_datev(self.settings))
                datev.tokens = open_tokens(self.settings, datev)
                self._datev, self._sandbox = datev, sandbox
            return self._datev

    @property
    def sandbox(self) -> RunningSandbox | None:
        """The embedded sandbox DATEV runs in, if any (opens DATEV)."""
        self.datev  # noqa: B018  # opening DATEV starts it
        return self._sandbox

    @property
    def ledger(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                from workbench.transfer.ledger import Ledger

                self._ledger = Ledger(self.settings.ledger_path)
                self._stack.callback(self._ledger.close)
            return self._ledger

    def client_settings(self, client: str) -> ClientSettings:
        """DATEV's settings for ``client`` (account length, fiscal years, Beleg-Arten), fetched
        once per connection (or taken from the cache, see ``settings_max_age``) and cached on
        disk for offline work. Folders come from the user's favourites and the folder cache that
        transfers fill (workbench.clients): reading never creates a job at DATEV."""
        with self._lock:
            if client not in self._client_settings:
                home, now = self.settings.home, datetime.now(UTC)
                fetched = _fetched_at(cache_path(client, home=home), origin=self._origin())
                young = (
                    self.settings_max_age is not None
                    and fetched is not None
                    and timedelta(0) <= now - fetched <= self.settings_max_age
                )
                self._client_settings[client] = load_client_settings(
                    client,
                    fetch=None if young else self.fetch_client_basics,
                    overrides=self.settings.clients.get(client, {}),
                    home=home,
                    stamp={"fetched_at": now.isoformat(), "origin": self._origin()},
                )
                moment = fetched if young and fetched else now
                self._origins[client] = SettingsOrigin(moment, cached=young)
            return self._client_settings[client]

    def settings_origin(self, client: str) -> SettingsOrigin | None:
        """When the settings :meth:`client_settings` gave for ``client`` were fetched."""
        return self._origins.get(client)

    def fetch_client_basics(self, client: str) -> dict:
        """ClientBasics plus the services and Beleg-Arten DATEV lists for the client."""
        basics = dict(self.datev.client_basics(client))
        basics["services"] = self.datev.get_client(client).get("services", [])
        basics["document_types"] = [dict(entry) for entry in self.datev.document_types(client)]
        return basics

    def _origin(self) -> str:
        """Which DATEV the settings come from: a cache of the sandbox never serves DATEV."""
        where = self.settings.sandbox_url or self.settings.connect_url or "eingebettet"
        return f"{self.settings.mode} {where}"

    def close(self) -> None:
        """Close the client and the ledger now, and stop the embedded sandbox."""
        with self._lock:
            self._stack.close()
            self._datev = self._sandbox = self._ledger = None


def _fetched_at(path: Path, *, origin: str) -> datetime | None:
    """When the cached settings at ``path`` were fetched, if from ``origin`` (a broken or
    foreign cache only means "fetch again", as with the folder cache)."""
    try:
        record: Any = json.loads(path.read_text(encoding="utf-8"))
        fetched_at = datetime.fromisoformat(record["fetched_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("origin") != origin or fetched_at.tzinfo is None:
        return None
    return fetched_at


@contextmanager
def open_datev(settings: Settings) -> Iterator[tuple[DatevClient, RunningSandbox | None]]:
    """The Kanzlei's DATEV client (without tokens yet) and the embedded sandbox it started, if
    any: the sandbox named by ``WORKBENCH_SANDBOX_URL``, an embedded one with its state in the
    Kanzlei's home, or real DATEV with TLS verification."""
    sandbox = None
    origin = None
    if settings.mode == "sandbox":
        origin = settings.sandbox_url
        if not origin:
            from workbench.sandbox import start_sandbox

            sandbox = start_sandbox(state_dir=settings.home / "sandbox")
            origin = sandbox.url
    from workbench.transfer.client import DatevClient

    datev = DatevClient(
        datev_endpoints(sandbox_origin=origin, connect_url=settings.connect_url),
        client_id=settings.client_id,
        connect_auth=settings.connect_auth,
        verify=True,
    )
    try:
        yield datev, sandbox
    finally:
        datev.close()
        if sandbox is not None:
            sandbox.stop()


@contextmanager
def connect(
    settings: Settings | None = None,
    *,
    settings_max_age: timedelta | None = None,
    lazy: bool = False,
) -> Iterator[Connection]:
    """Open DATEV (real or sandbox), its tokens and the ledger of the selected Kanzlei; closes
    everything at the end.

    ``lazy``: open DATEV and the ledger only when first used (a check whose client settings
    come from the cache never starts the sandbox). ``settings_max_age``: see
    :class:`Connection`.

    >>> with connect() as connection:  # doctest: +SKIP
    ...     connection.datev.list_clients()
    """
    connection = Connection(settings or load_settings(), settings_max_age=settings_max_age)
    try:
        if not lazy:
            connection.datev  # noqa: B018  # fail here, not at first use
            connection.ledger  # noqa: B018
        yield connection
    finally:
        connection.close()


def interactive_login(
    settings: Settings,
    *,
    offline: bool,
    service: str = "rechnungsdatenservice",
    client: str | None = None,
) -> TokenEntry:
    """``workbench login``: DATEV's login in the browser (the sandbox approves by itself); the
    access key joins the Kanzlei's overview, encrypted."""
    from workbench.transfer.access import request_token

    with open_datev(settings) as (datev, _sandbox):
        browser = webbrowser.open if settings.mode == "production" else None
        return request_token(
            settings, datev, service=service, long=offline, client=client, open_browser=browser
        )


def revoke(settings: Settings, entry_id: str) -> TokenEntry:
    """``workbench tokens revoke``: revoke at DATEV, mark inactive with the time."""
    from workbench.transfer.access import revoke_token

    with open_datev(settings) as (datev, _sandbox):
        return revoke_token(settings, datev, entry_id)
