"""One object that holds everything a run needs to talk to DATEV: client, tokens, ledger.

Everything belongs to one Kanzlei (``Settings.kanzlei``): its DATEV connection, its access
keys, its ledger. Without DATEV credentials the workbench talks to the bundled sandbox: the one
named by ``WORKBENCH_SANDBOX_URL``, or an embedded one started on a free loopback port whose
state lives in the Kanzlei's home (``sandbox/``, so a later ``workbench status`` sees the jobs
an earlier ``workbench transfer`` created). With credentials it talks to DATEV with the access
keys requested by ``workbench login``; TLS verification is always on for DATEV.

This composes the transfer layer (DATEV client, tokens, ledger) with the sandbox, so it sits
above both: the transfer layer never starts a sandbox itself.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.clients import ClientSettings, load_client_settings
from workbench.config import Settings, datev_endpoints, load_settings
from workbench.transfer.access import open_tokens, request_token, revoke_token
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger
from workbench.transfer.tokens import TokenEntry

if TYPE_CHECKING:
    from workbench.sandbox import RunningSandbox

__all__ = ["Connection", "connect", "interactive_login", "open_datev", "revoke"]


@dataclass
class Connection:
    """An open connection to DATEV (or the sandbox) plus the transfer ledger."""

    settings: Settings
    datev: DatevClient
    ledger: Ledger
    sandbox: RunningSandbox | None = None
    _client_settings: dict[str, ClientSettings] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return self.settings.mode

    def client_settings(self, client: str) -> ClientSettings:
        """DATEV's settings for ``client`` (account length, fiscal years, Beleg-Arten), fetched
        once per connection and cached on disk for offline work. Folders come from the user's
        favourites and the folder cache that transfers fill (workbench.clients): reading never
        creates a job at DATEV."""
        if client not in self._client_settings:
            overrides = self.settings.clients.get(client, {})
            self._client_settings[client] = load_client_settings(
                client,
                fetch=self.fetch_client_basics,
                overrides=overrides,
                home=self.settings.home,
            )
        return self._client_settings[client]

    def fetch_client_basics(self, client: str) -> dict:
        """ClientBasics plus the services and Beleg-Arten DATEV lists for the client."""
        basics = dict(self.datev.client_basics(client))
        basics["services"] = self.datev.get_client(client).get("services", [])
        basics["document_types"] = [dict(entry) for entry in self.datev.document_types(client)]
        return basics

    def close(self) -> None:
        """Close the client and the ledger now (``connect`` also stops the sandbox)."""
        self.datev.close()
        self.ledger.close()


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
def connect(settings: Settings | None = None) -> Iterator[Connection]:
    """Open DATEV (real or sandbox), its tokens and the ledger of the selected Kanzlei; closes
    everything at the end.

    >>> with connect() as connection:  # doctest: +SKIP
    ...     connection.datev.list_clients()
    """
    settings = settings or load_settings()
    with open_datev(settings) as (datev, sandbox):
        datev.tokens = open_tokens(settings, datev)
        ledger = Ledger(settings.ledger_path)
        try:
            yield Connection(settings=settings, datev=datev, ledger=ledger, sandbox=sandbox)
        finally:
            ledger.close()


def interactive_login(
    settings: Settings,
    *,
    offline: bool,
    service: str = "rechnungsdatenservice",
    client: str | None = None,
) -> TokenEntry:
    """``workbench login``: DATEV's login in the browser (the sandbox approves by itself); the
    access key joins the Kanzlei's overview, encrypted."""
    with open_datev(settings) as (datev, _sandbox):
        browser = webbrowser.open if settings.mode == "production" else None
        return request_token(
            settings, datev, service=service, long=offline, client=client, open_browser=browser
        )


def revoke(settings: Settings, entry_id: str) -> TokenEntry:
    """``workbench tokens revoke``: revoke at DATEV, mark inactive with the time."""
    with open_datev(settings) as (datev, _sandbox):
        return revoke_token(settings, datev, entry_id)
