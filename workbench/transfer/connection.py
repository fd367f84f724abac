"""One object that holds everything a run needs to talk to DATEV: client, tokens, ledger.

Without DATEV credentials the workbench talks to the bundled sandbox: the one named by
``WORKBENCH_SANDBOX_URL``, or an embedded one started on a free loopback port whose state lives
in ``$WORKBENCH_HOME/sandbox`` (so a later ``workbench status`` sees the jobs an earlier
``workbench transfer`` created). With credentials (``WORKBENCH_CONFIG``) it talks to DATEV with
the tokens stored by ``workbench login``; TLS verification is always on for DATEV.
"""

from __future__ import annotations

import datetime as dt
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from workbench.config import DATEV_PRODUCTION, Settings, load_settings, sandbox_endpoints
from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.auth import Session, TokenStore, login, token_key
from workbench.transfer.client import DatevClient
from workbench.transfer.jobs import IMPORT_TYPES
from workbench.transfer.ledger import Ledger

__all__ = ["Connection", "connect", "interactive_login"]

SANDBOX_SECRET = "sandbox-secret"
SANDBOX_CONNECT = ("datevconnect", "sandbox")


@dataclass
class Connection:
    """An open connection to DATEV (or the sandbox) plus the transfer ledger."""

    settings: Settings
    datev: DatevClient
    ledger: Ledger
    sandbox: Any = None
    _client_settings: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return self.settings.mode

    def client_settings(self, client: str, *, month: str | None = None) -> Any:
        """DATEV's settings for ``client`` (account length, fiscal years, Beleg-Arten with
        folders), fetched once per connection, cached on disk for offline work."""
        from workbench.clients import load_client_settings

        if client not in self._client_settings:
            overrides = self.settings.clients.get(client, {})
            self._client_settings[client] = load_client_settings(
                client,
                fetch=lambda cid: self.fetch_client_basics(cid, month=month),
                overrides=overrides,
                home=self.settings.home,
            )
        return self._client_settings[client]

    def fetch_client_basics(self, client: str, *, month: str | None = None) -> dict:
        """ClientBasics plus document types, with each Beleg-Art's folders (Rechnungsordner,
        Kassenbücher) as DATEV reports them when a transfer is created.

        DATEV names folders only in the answer to creating a dxso job, so each Beleg-Art is
        probed with a job that is deleted again at once (allowed while it is open, status 0);
        only months of fiscal years that exist are probed, so no fiscal year is created.
        """
        basics = dict(self.datev.client_basics(client))
        basics["services"] = self.datev.get_client(client).get("services", [])
        types = [dict(entry) for entry in self.datev.document_types(client)]
        probe_month = month or _probe_month(basics)
        if probe_month:
            for entry in types:
                import_type = IMPORT_TYPES.get(entry.get("name", ""))
                if import_type:
                    entry["folders"] = self._probe_folders(client, import_type, probe_month)
                    entry["folder"] = (entry["folders"] or [None])[0]
        basics["document_types"] = types
        return basics

    def _probe_folders(self, client: str, import_type: str, month: str) -> list[str]:
        try:
            job = self.datev.create_dxso_job(
                client, import_type=import_type, accounting_month=month
            )
        except DatevApiError as error:
            if error.code in ("#DCO01002", "#DCO01001"):
                return []  # no folder / cash book for this Beleg-Art, or a transfer is open
            raise
        with suppress(DatevApiError):
            self.datev.delete_dxso_job(client, job["id"])
        names = (
            job.get("cash_ledger_names")
            if import_type == "cashLedgerImport"
            else job.get("ledger_folder_names")
        )
        return list(names or [])

    def close(self) -> None:
        self.datev.close()
        self.ledger.close()
        if self.sandbox is not None:
            self.sandbox.stop()


def _probe_month(basics: dict) -> str | None:
    years = basics.get("basic_accounting_information") or []
    today = dt.date.today()
    for info in years:
        start = dt.date.fromisoformat(str(info["fiscal_year_start"])[:10])
        end = dt.date.fromisoformat(str(info["fiscal_year_end"])[:10])
        if start <= today <= end:
            return f"{today:%Y-%m}"
    return (
        f"{dt.date.fromisoformat(str(years[-1]['fiscal_year_end'])[:10]):%Y-%m}" if years else None
    )


@contextmanager
def connect(settings: Settings | None = None) -> Iterator[Connection]:
    """Open DATEV (real or sandbox) and the ledger; closes everything at the end.

    >>> with connect() as connection:  # doctest: +SKIP
    ...     connection.datev.list_clients()
    """
    settings = settings or load_settings()
    sandbox = None
    if settings.mode == "sandbox":
        url = settings.sandbox_url
        if not url:
            from workbench.sandbox import start_sandbox

            sandbox = start_sandbox(state_dir=settings.home / "sandbox")
            url = sandbox.url
        datev = DatevClient(
            sandbox_endpoints(url), client_id="workbench-sandbox", connect_auth=SANDBOX_CONNECT
        )
        tokens = login(
            datev,
            client_secret=SANDBOX_SECRET,
            authorize_url=sandbox_endpoints(url)["authorize"],
            open_browser=datev.approve_in_sandbox,
            offline=True,
        )
        datev.tokens = Session(datev, client_secret=SANDBOX_SECRET, tokens=tokens)
    else:
        datev = DatevClient(
            DATEV_PRODUCTION,
            client_id=settings.client_id,
            connect_auth=settings.connect_auth,
            verify=True,
        )
        store = TokenStore(settings.home / "tokens.bin", token_key())
        tokens = store.load("default", "online")
        if tokens is None:
            datev.close()
            raise ConfigError(
                "Sie sind nicht bei DATEV angemeldet. Melden Sie sich mit "
                "'workbench login' an (Kurzzeit-Sitzung 11 Stunden, mit --offline "
                "Langzeit-Zugang)."
            )
        datev.tokens = Session(
            datev, client_secret=settings.client_secret or "", tokens=tokens, store=store
        )
    connection = Connection(
        settings=settings, datev=datev, ledger=Ledger(settings.ledger_path), sandbox=sandbox
    )
    try:
        yield connection
    finally:
        connection.close()


def interactive_login(settings: Settings, *, offline: bool) -> None:
    """``workbench login``: the browser shows DATEV's login; tokens are stored encrypted."""
    if settings.mode != "production":
        raise ConfigError(
            "Ohne DATEV-Zugangsdaten (WORKBENCH_CONFIG mit client_id und "
            "client_secret) arbeitet die Workbench mit der Sandbox; eine Anmeldung "
            "ist nicht nötig."
        )
    store = TokenStore(settings.home / "tokens.bin", token_key())
    with DatevClient(DATEV_PRODUCTION, client_id=settings.client_id) as datev:
        tokens = login(
            datev,
            client_secret=settings.client_secret or "",
            authorize_url=DATEV_PRODUCTION["authorize"],
            open_browser=webbrowser.open,
            offline=offline,
        )
    store.save("default", "online", tokens)
