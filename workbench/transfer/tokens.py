"""The token overview of seed 001 ("Zugangsschlüsselverwaltung"): up to 10 DATEV access keys,
active and inactive, per Kanzlei, with the rules CRM+ applies to them.

* One token per (local) user and data service: a new login for the same user and service makes
  the previous entry inactive and adds a row, so requesting a Kurzzeittoken removes a
  Langzeittoken and vice versa. The previous key is revoked at DATEV before the new login
  (DATEV's rule for apps: never more than one valid refresh token).
* A Kurzzeittoken lives about 11 hours, a Langzeittoken about 2 years (``offline_access``).
  Access tokens live 15 minutes and are renewed up to that lifetime: ``expires_at`` is the
  token's lifetime, ``renewed_at`` the last renewal.
* The secret of an inactive token (revoked, replaced or expired) is deleted; its row stays.
  Beyond 10 rows the oldest inactive rows go.
* A Langzeittoken is for one Datenbestand (Berater and Mandant, asked before the login); a
  Kurzzeittoken gets its Datenbestand after the login ("Bestand auswählen") or serves any.

Rows and secrets live in one encrypted document (:class:`~workbench.transfer.auth.TokenStore`,
``tokens.bin`` in the Kanzlei's home), changed only under its file lock.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, replace
from zoneinfo import ZoneInfo

from workbench.errors import ConfigError, DatevApiError
from workbench.transfer.auth import Session, TokenSet, TokenStore

__all__ = [
    "DATA_SERVICES",
    "MAX_ENTRIES",
    "DataService",
    "TokenEntry",
    "TokenRegistry",
    "TokenRouter",
    "datenbestand",
]

#: Seed 001: "max. 10 Einträge" in the overview.
MAX_ENTRIES = 10
BERLIN = ZoneInfo("Europe/Berlin")
_CLIENT_ID = re.compile(r"^([1-9]\d{0,6})-([1-9]\d{0,4})$")
_CLIENT_PATH = re.compile(r"^/clients/([^/?]+)")


@dataclass(frozen=True)
class DataService:
    """A DATEV data service a token is requested for, with its scopes and the APIs it serves."""

    name: str
    label: str
    scopes: tuple[str, ...]
    apis: tuple[str, ...]


# "profile": DATEV's userinfo names the person only with it; the overview shows that name.
_CLIENT_SCOPES = ("openid", "profile", "datev:accounting:clients", "accounting:clients:read")
#: The data services of seed 001 (CRM+ add-ons) and the Datenservice Export Rechnungswesen the
#: Abgleich reads with; scopes per FACTS.md §1, only those needed.
DATA_SERVICES = {
    "rechnungsdatenservice": DataService(
        "rechnungsdatenservice",
        "Rechnungsdatenservice 1.0",
        (*_CLIENT_SCOPES, "accounting:dxso-jobs", "accounting:documents"),
        ("accounting-clients", "accounting-dxso-jobs", "accounting-documents"),
    ),
    "buchungsdatenservice": DataService(
        "buchungsdatenservice",
        "Buchungsdatenservice",
        (*_CLIENT_SCOPES, "datev:accounting:extf-files-import", "accounting:documents"),
        (
            "accounting-clients",
            "accounting-extf-files",
            "accounting-documents",
            "accounting-dxso-jobs",
        ),
    ),
    # Reading back what DATEV booked (Accounting Data Exchange, issue 19's Abgleich).
    "export-rechnungswesen": DataService(
        "export-rechnungswesen",
        "Datenservice Export Rechnungswesen",
        (*_CLIENT_SCOPES, "datev:accounting:exchange"),
        ("accounting-clients", "accounting-data-exchange"),
    ),
}


def data_service(name: str) -> DataService:
    """The data service called ``name`` (CLI name or DATEV's label), or a ConfigError."""
    for service in DATA_SERVICES.values():
        if name.strip().lower() in (service.name, service.label.lower()):
            return service
    raise ConfigError(
        f"Den Datenservice '{name}' gibt es nicht. Erlaubt sind: {', '.join(DATA_SERVICES)}."
    )


def datenbestand(value: str) -> str:
    """``value`` as Berater-Mandant (``455148-1``), or a ConfigError saying what is expected."""
    match = _CLIENT_ID.match(str(value).strip())
    if not match:
        raise ConfigError(
            f"Der Datenbestand '{value}' ist ungültig: erwartet werden Berater- und "
            "Mandantennummer als BERATER-MANDANT, z. B. 455148-1."
        )
    return f"{int(match[1])}-{int(match[2])}"


@dataclass(frozen=True)
class TokenEntry:
    """One row of the overview; times are epoch seconds."""

    id: str
    type: str  # "Kurzzeittoken" | "Langzeittoken"
    user: str
    service: str
    issued_at: float
    expires_at: float
    person: str | None = None
    datenbestand: str | None = None
    renewed_at: float | None = None
    revoked_at: float | None = None
    ended_at: float | None = None  # replaced by a new login, or past its lifetime

    @property
    def long(self) -> bool:
        return self.type == "Langzeittoken"

    def is_active(self, now: float) -> bool:
        return self.revoked_at is None and self.ended_at is None and now < self.expires_at

    def status(self, now: float) -> str:
        return "aktiv" if self.is_active(now) else "inaktiv"

    def overview(self, now: float) -> dict:
        """The row as in the CLI's JSON (contract): German values, times in ISO 8601."""
        return {
            "id": self.id,
            "type": self.type,
            "person": self.person,
            "datenbestand": self.datenbestand,
            "service": DATA_SERVICES[self.service].label,
            "issued_at": _iso(self.issued_at),
            "renewed_at": _iso(self.renewed_at),
            "expires_at": _iso(self.expires_at),
            "revoked_at": _iso(self.revoked_at),
            "status": self.status(now),
        }


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(moment, BERLIN).isoformat(timespec="seconds")


class TokenRegistry:
    """The overview and the secrets of one Kanzlei.

    >>> registry = TokenRegistry(TokenStore(home / "tokens.bin", token_key()))  # doctest: +SKIP
    >>> [entry.overview(time.time()) for entry in registry.entries()]  # doctest: +SKIP
    """

    def __init__(self, store: TokenStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # --- reading -----------------------------------------------------------------------------

    def entries(self) -> list[TokenEntry]:
        """Every row, newest first."""
        return _entries(self.store.read())

    def get(self, entry_id: str) -> TokenEntry:
        for entry in self.entries():
            if entry.id == entry_id.strip().upper():
                return entry
        raise ConfigError(
            f"Einen Zugangsschlüssel '{entry_id}' gibt es nicht (siehe 'workbench tokens')."
        )

    def active(self, user: str) -> list[tuple[TokenEntry, TokenSet]]:
        """The user's active tokens with their secrets; expired ones are swept first."""
        with self._changing() as document:
            now = self.clock()
            return [
                (entry, TokenSet(**document["secrets"][entry.id]))
                for entry in _entries(document)
                if entry.user == user and entry.is_active(now) and entry.id in document["secrets"]
            ]

    # --- changing ----------------------------------------------------------------------------

    def issue(
        self,
        *,
        user: str,
        service: str,
        tokens: TokenSet,
        person: str | None,
        datenbestand: str | None = None,
    ) -> tuple[TokenEntry, list[tuple[TokenEntry, TokenSet]]]:
        """Add the row for a new login; returns it and the entries it replaced (with their
        secrets, so that the caller revokes them at DATEV)."""
        now = self.clock()
        entry = TokenEntry(
            id=secrets.token_hex(3).upper(),
            type="Langzeittoken" if tokens.offline else "Kurzzeittoken",
            user=user,
            service=data_service(service).name,
            issued_at=now,
            expires_at=tokens.refresh_expires_at or tokens.expires_at,
            person=person,
            datenbestand=datenbestand,
        )
        with self._changing() as document:
            replaced = []
            rows = _entries(document)
            for index, other in enumerate(rows):
                if other.user == user and other.service == entry.service and other.is_active(now):
                    secret = document["secrets"].pop(other.id, None)
                    rows[index] = replace(other, ended_at=now)
                    if secret:
                        replaced.append((rows[index], TokenSet(**secret)))
            rows.insert(0, entry)
            document["secrets"][entry.id] = tokens.to_dict()
            document["entries"] = [asdict(row) for row in _trimmed(rows, now)]
        return entry, replaced

    def renewed(self, entry_id: str, tokens: TokenSet) -> None:
        """Store a renewal (refresh) of an active token; ``renewed_at`` becomes now."""
        with self._changing() as document:
            self._store_renewal(document, entry_id, tokens)

    def deactivate(self, entry_id: str, *, revoked: bool) -> TokenSet | None:
        """Mark a row inactive (``revoked``: with the revocation time) and delete its secret;
        returns the secret it had."""
        with self._changing() as document:
            rows = _entries(document)
            now = self.clock()
            for index, entry in enumerate(rows):
                if entry.id == entry_id:
                    rows[index] = replace(
                        entry,
                        revoked_at=now if revoked else entry.revoked_at,
                        ended_at=entry.ended_at if revoked else now,
                    )
            document["entries"] = [asdict(row) for row in rows]
            secret = document["secrets"].pop(entry_id, None)
        return TokenSet(**secret) if secret else None

    def select(self, entry_id: str, value: str) -> TokenEntry:
        """ "Bestand auswählen": the Datenbestand of an active Kurzzeittoken."""
        entry = self.get(entry_id)
        if entry.long:
            raise ConfigError(
                "Der Datenbestand eines Langzeittokens wird vor der Anmeldung festgelegt; "
                "fordern Sie für einen anderen Bestand einen neuen Zugangsschlüssel an."
            )
        if not entry.is_active(self.clock()):
            raise ConfigError(f"Der Zugangsschlüssel {entry.id} ist nicht mehr aktiv.")
        chosen = datenbestand(value)
        with self._changing() as document:
            document["entries"] = [
                asdict(replace(row, datenbestand=chosen) if row.id == entry.id else row)
                for row in _entries(document)
            ]
        return replace(entry, datenbestand=chosen)

    def slot(self, entry: TokenEntry) -> _RegistrySlot:
        """Where a :class:`Session` on ``entry`` keeps its renewals."""
        return _RegistrySlot(self, entry.id)

    def _store_renewal(self, document: dict, entry_id: str, tokens: TokenSet) -> None:
        if entry_id not in document["secrets"]:
            return  # revoked or replaced meanwhile: the renewal must not revive it
        document["secrets"][entry_id] = tokens.to_dict()
        now = self.clock()
        document["entries"] = [
            asdict(replace(row, renewed_at=now) if row.id == entry_id else row)
            for row in _entries(document)
        ]

    @contextmanager
    def _changing(self) -> Iterator[dict]:
        """Read, change and write the document under the file lock; expired rows lose their
        secret on the way (seed 001: "inaktive Token werden ... gelöscht")."""
        with self.store.locked():
            document = self.store.read()
            document.setdefault("entries", [])
            document.setdefault("secrets", {})
            before = repr(document)
            now = self.clock()
            for entry in _entries(document):
                if not entry.is_active(now):
                    document["secrets"].pop(entry.id, None)
            yield document
            if repr(document) != before:
                self.store.write(document)


@dataclass
class _RegistrySlot:
    registry: TokenRegistry
    entry_id: str

    def locked(self) -> AbstractContextManager[None]:
        return self.registry.store.locked()

    def load(self) -> TokenSet | None:
        secret = self.registry.store.read().get("secrets", {}).get(self.entry_id)
        return TokenSet(**secret) if secret else None

    def save(self, tokens: TokenSet) -> None:
        # Called while the slot is locked: write without taking the lock again.
        document = self.registry.store.read()
        document.setdefault("entries", [])
        document.setdefault("secrets", {})
        self.registry._store_renewal(document, self.entry_id, tokens)
        self.registry.store.write(document)


def _entries(document: dict) -> list[TokenEntry]:
    rows = [TokenEntry(**row) for row in document.get("entries", [])]
    return sorted(rows, key=lambda row: row.issued_at, reverse=True)


def _trimmed(rows: list[TokenEntry], now: float) -> list[TokenEntry]:
    """At most MAX_ENTRIES rows: the oldest inactive rows go first (active rows stay)."""
    rows = sorted(rows, key=lambda row: row.issued_at, reverse=True)
    while len(rows) > MAX_ENTRIES:
        inactive = [row for row in rows if not row.is_active(now)]
        if not inactive:
            break
        rows.remove(inactive[-1])
    return rows


@dataclass
class TokenRouter:
    """Hands each DATEV request the token of the data service that serves its API (and, for a
    token bound to a Datenbestand, only for that client)."""

    sessions: list[tuple[TokenEntry, Session]] = field(default_factory=list)

    def for_request(self, api: str, path: str) -> Session:
        # The service listed first for an API is its own (dxso-jobs: Rechnungsdatenservice).
        order = list(DATA_SERVICES)
        serving = sorted(
            (
                (entry, session)
                for entry, session in self.sessions
                if api in DATA_SERVICES[entry.service].apis
            ),
            key=lambda pair: order.index(pair[0].service),
        )
        if not serving:
            needed = next(s for s in DATA_SERVICES.values() if api in s.apis)
            raise DatevApiError(
                f"Für den {needed.label} fehlt ein aktiver Zugangsschlüssel. Melden Sie sich an: "
                f"workbench login --service {needed.name}",
                status=401,
            )
        match = _CLIENT_PATH.match(path)
        if match is None:
            return serving[0][1]
        client = match[1]
        for entry, session in serving:
            if entry.datenbestand in (None, client):
                return session
        bound = ", ".join(sorted({entry.datenbestand or "" for entry, _ in serving}))
        first = serving[0][0]
        login = f"workbench login --client {client} --service {first.service}"
        # A Langzeittoken's Bestand is fixed before its login; only a Kurzzeittoken's can be
        # chosen afterwards ('tokens select' refuses a Langzeittoken).
        what_to_do = (
            f"Fordern Sie einen Zugangsschlüssel für {client} an: "
            f"{login.replace('login', 'login --offline', 1)}"
            if all(entry.long for entry, _ in serving)
            else f"Wählen Sie den Bestand ('workbench tokens select {first.id} --client "
            f"{client}') oder fordern Sie einen Zugangsschlüssel an: {login}"
        )
        raise DatevApiError(
            f"Der Zugangsschlüssel gilt für den Datenbestand {bound}, nicht für {client}. "
            f"{what_to_do}.",
            status=403,
        )

    def access_token(self) -> str:
        return self.sessions[0][1].access_token()

    def refresh(self) -> None:
        self.sessions[0][1].refresh()
