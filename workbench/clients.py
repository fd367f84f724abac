"""Client settings that parameterise the check suites: account length, fiscal years, Beleg-Arten.

DATEV is the source of truth (``GET /clients/{id}`` ClientBasics and
``GET /clients/{id}/document-types`` of accounting-documents / accounting-dxso-jobs); the user's own
settings (the account length and WJ-Beginn they configured, like CRM+'s add-on settings) are kept
next to it so the checks can say when the two disagree. Fetching over HTTP belongs to the DATEV
client: :func:`load_client_settings` takes any callable that returns the JSON, caches it under
``workbench_home()/cache/clients/<id>.json`` and falls back to the cache (or to overrides from the
settings file) when offline.

Folders (Rechnungsordner, Kassenbücher): DATEV names them only when a transfer job is created,
and reading must never write to DATEV. So they come from the user's favourite per Beleg-Art
(settings file ``[clients."<id>".folders]``, seed 004's "Ziel-Ordner festlegen"), from the
folder cache that transfers fill (:func:`remember_folders`,
``workbench_home()/cache/folders/<id>.json``), or stay unknown.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from workbench.config import workbench_home
from workbench.errors import ConfigError, UsageError, WorkbenchError

__all__ = [
    "CLIENT_ID_PATTERN",
    "ClientSettings",
    "DocumentType",
    "known_folders",
    "load_client_settings",
    "normalise_client_id",
    "normalise_month",
    "remember_folders",
]


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A Beleg-Art of the client: whether it is activated in DATEV and which folder it files to.

    ``folders`` are the folders (or cash books) DATEV offers for it: ``None`` while unknown, ``()``
    when DATEV has none. ``folder`` is the one a transfer uses: the user's favourite, else the
    first DATEV offers.
    """

    name: str
    category: str | None = None
    activated: bool = True
    folder: str | None = None
    folders: tuple[str, ...] | None = None

    @property
    def folder_missing(self) -> bool:
        """DATEV has no folder for it, or not the chosen one: every transfer would fail."""
        if self.folders is None:
            return False
        return not self.folders or (self.folder is not None and self.folder not in self.folders)


@dataclass(frozen=True)
class ClientSettings:
    """What the checks need to know about one DATEV client (Mandant).

    >>> s = ClientSettings("455148-1", account_length=4,
    ...                    fiscal_years=((date(2026, 1, 1), date(2026, 12, 31)),))
    >>> s.personal_account_length
    5
    """

    client_id: str
    account_length: int | None = None
    fiscal_years: tuple[tuple[date, date], ...] = ()
    document_types: tuple[DocumentType, ...] = ()
    services: tuple[str, ...] = ()
    #: What the user configured in their own settings (compared with DATEV's values).
    configured_account_length: int | None = None
    configured_wj_begin: str | None = None  # MMTT, e.g. "0701"
    #: Last accounting month (YYYY-MM) whose cash items were transferred (transfer ledger).
    last_transferred_cash_month: str | None = None
    cash_opening_balance: float = 0.0
    #: DATEV's chart of accounts (``SKR03``, ``SKR04``) and the user's cash account for
    #: Buchungsstapel (settings ``cash_account``; else the chart's standard Kasse).
    chart_of_accounts: str | None = None
    cash_account: str | None = None
    #: Booking accounts where an invoice names none: ``[clients."ID".default_accounts]`` the
    #: Sachkonto per invoice kind, ``party_accounts`` the Debitor/Kreditor by USt-IdNr. or name.
    default_accounts: Mapping[str, str] = field(default_factory=dict)
    party_accounts: Mapping[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def personal_account_length(self) -> int | None:
        """Debitoren/Kreditoren have one digit more than the Sachkontenlänge."""
        return None if self.account_length is None else self.account_length + 1

    def document_type(self, name: str) -> DocumentType | None:
        return next((t for t in self.document_types if t.name == name), None)

    @property
    def activated_document_types(self) -> list[str]:
        return [t.name for t in self.document_types if t.activated]

    @property
    def document_types_without_folder(self) -> list[str]:
        """Activated Beleg-Arten DATEV has no folder (or not the chosen one) for."""
        return [t.name for t in self.document_types if t.activated and t.folder_missing]

    @property
    def document_types_with_unknown_folder(self) -> list[str]:
        """Activated Beleg-Arten whose folder nobody knows yet (no favourite, no transfer)."""
        return [
            t.name
            for t in self.document_types
            if t.activated and t.folders is None and t.folder is None
        ]

    def with_folders(self, known: Mapping[str, Any]) -> ClientSettings:
        """Folders DATEV named per Beleg-Art (the folder cache), favourites kept."""
        if not known:
            return self
        types = tuple(
            replace(t, folders=tuple(known[t.name]), folder=t.folder or _first(known[t.name]))
            if t.name in known and known[t.name] is not None
            else t
            for t in self.document_types
        )
        return replace(self, document_types=types)

    def fiscal_year_of(self, day: date) -> tuple[date, date] | None:
        return next(((s, e) for s, e in self.fiscal_years if s <= day <= e), None)

    # --- (de)serialisation ----------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        document_types: Any = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> ClientSettings:
        """Build from DATEV's ClientBasics JSON (``basic_accounting_information[]``), the sandbox
        seed shape (``account_length``, ``fiscal_years[{start, end}]``) or :meth:`to_dict`'s.

        ``document_types`` is the JSON list of ``GET /clients/{id}/document-types`` (entries may
        carry ``folder``/``activated``); ``overrides`` are the user's settings for this client
        (``account_length``, ``wj_begin``, ``last_transferred_cash_month`` ...).
        """
        try:
            client_id = str(data.get("id") or data["client_id"])
        except KeyError:
            raise ConfigError("Die Mandantendaten enthalten keine Mandanten-ID ('id').") from None
        years: list[tuple[date, date]] = []
        lengths: list[int] = []
        for info in data.get("basic_accounting_information") or ():
            years.append((_date(info["fiscal_year_start"]), _date(info["fiscal_year_end"])))
            if info.get("account_length") is not None:
                lengths.append(int(info["account_length"]))
        for entry in data.get("fiscal_years") or ():
            if isinstance(entry, Mapping):
                years.append((_date(entry["start"]), _date(entry["end"])))
            else:
                years.append((_date(entry[0]), _date(entry[1])))
        account_length = data.get("account_length")
        if account_length is None and lengths:
            account_length = lengths[-1]
        # The sandbox seed says which folders exist (its client is all-knowing); DATEV's
        # document-types answer does not, so there folders stay unknown.
        seed = {"cash_ledgers": list(data["cash_ledgers"])} if "cash_ledgers" in data else None
        raw_types = document_types if document_types is not None else data.get("document_types")
        types = tuple(_document_type(t, seed) for t in raw_types or ())
        services = tuple(
            s["name"] if isinstance(s, Mapping) else str(s) for s in data.get("services") or ()
        )
        settings = cls(
            client_id=client_id,
            chart_of_accounts=_chart(data),
            account_length=int(account_length) if account_length is not None else None,
            fiscal_years=tuple(sorted(set(years))),
            document_types=types,
            services=services,
            configured_account_length=_int(data.get("configured_account_length")),
            configured_wj_begin=data.get("configured_wj_begin"),
            last_transferred_cash_month=data.get("last_transferred_cash_month"),
            cash_opening_balance=float(data.get("cash_opening_balance") or 0.0),
        )
        return settings.with_overrides(overrides or {})

    def with_overrides(self, overrides: Mapping[str, Any]) -> ClientSettings:
        """Apply the user's settings for this client (the settings file's ``[clients.<id>]``).

        ``account_length`` and ``wj_begin`` are what the user configured (compared with DATEV);
        ``datev_account_length`` and ``fiscal_years`` replace DATEV's values for offline work;
        ``folders`` (``{"Kasse": "Hauptkasse"}``) are the favourite Ziel-Ordner per Beleg-Art.
        """
        changes: dict[str, Any] = {}
        if "account_length" in overrides:
            changes["configured_account_length"] = _int(overrides["account_length"])
        if "wj_begin" in overrides:
            changes["configured_wj_begin"] = str(overrides["wj_begin"])
        if "datev_account_length" in overrides:
            changes["account_length"] = _int(overrides["datev_account_length"])
        if "fiscal_years" in overrides:
            changes["fiscal_years"] = tuple(
                (_date(e["start"]), _date(e["end"]))
                if isinstance(e, Mapping)
                else (_date(e[0]), _date(e[1]))
                for e in overrides["fiscal_years"]
            )
        for name in ("last_transferred_cash_month", "cash_opening_balance"):
            if name in overrides:
                changes[name] = overrides[name]
        if "cash_account" in overrides:
            changes["cash_account"] = str(overrides["cash_account"])
        if "document_types" in overrides:
            changes["document_types"] = tuple(
                _document_type(t, None) for t in overrides["document_types"]
            )
        for name in ("default_accounts", "party_accounts"):
            if name in overrides:
                changes[name] = _accounts(name, overrides[name])
        settings = replace(self, **changes) if changes else self
        favourites = overrides.get("folders") or {}
        if favourites:
            settings = replace(
                settings,
                document_types=tuple(
                    replace(t, folder=str(favourites[t.name])) if t.name in favourites else t
                    for t in settings.document_types
                ),
            )
        return settings

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (what the cache stores); :meth:`from_dict` reads it back."""
        return {
            "id": self.client_id,
            "account_length": self.account_length,
            "fiscal_years": [
                {"start": s.isoformat(), "end": e.isoformat()} for s, e in self.fiscal_years
            ],
            "document_types": [
                {
                    "name": t.name,
                    "category": t.category,
                    "activated": t.activated,
                    "folder": t.folder,
                    "folders": None if t.folders is None else list(t.folders),
                }
                for t in self.document_types
            ],
            "services": list(self.services),
            "configured_account_length": self.configured_account_length,
            "configured_wj_begin": self.configured_wj_begin,
            "last_transferred_cash_month": self.last_transferred_cash_month,
            "cash_opening_balance": self.cash_opening_balance,
            "chart_of_accounts": self.chart_of_accounts,
        }


def cache_path(client_id: str, *, home: Path | None = None) -> Path:
    client_id = normalise_client_id(client_id)
    return (home or workbench_home()) / "cache" / "clients" / f"{client_id}.json"


def folder_cache_path(client_id: str, *, home: Path | None = None) -> Path:
    return (home or workbench_home()) / "cache" / "folders" / f"{client_id}.json"


def known_folders(client_id: str, *, home: Path | None = None) -> dict[str, list[str]]:
    """Folders DATEV named per Beleg-Art when transfers created their jobs (empty: none yet)."""
    path = folder_cache_path(client_id, home=home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a broken cache only means "unknown": the next transfer rewrites it
    return {str(k): [str(n) for n in v] for k, v in data.items() if isinstance(v, list)}


def remember_folders(
    client_id: str,
    document_kind: str,
    names: list[str],
    *,
    month: str | None = None,
    home: Path | None = None,
) -> None:
    """Record the folders DATEV named for a Beleg-Art when a transfer created its job.

    ``names`` empty means DATEV refused the job as not configured (#DCO01002): that is only "no
    folder" when the fiscal year of ``month`` exists (else DATEV missed the fiscal year), so the
    cached client settings must know it.
    """
    if not names:
        try:
            cached = json.loads(cache_path(client_id, home=home).read_text(encoding="utf-8"))
            years = ClientSettings.from_dict(cached).fiscal_years
        except (OSError, ValueError, ConfigError):
            return
        day = _date(f"{month}-01") if month else None
        if day is None or not any(start <= day <= end for start, end in years):
            return
    known = known_folders(client_id, home=home)
    known[document_kind] = list(names)
    path = folder_cache_path(client_id, home=home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")


def load_client_settings(
    client_id: str,
    *,
    fetch: Callable[[str], Mapping[str, Any]] | None = None,
    overrides: Mapping[str, Any] | None = None,
    home: Path | None = None,
    stamp: Mapping[str, str] | None = None,
) -> ClientSettings:
    """Client settings from DATEV (``fetch(client_id)`` returns the JSON) or the local cache.

    ``fetch`` may return ClientBasics with an extra ``document_types`` list. A successful fetch
    refreshes the cache; without ``fetch`` (offline) the cache is used, and without a cache the
    ``overrides`` must provide ``datev_account_length`` and ``fiscal_years``. ``stamp`` is kept
    beside a fetch in the cache (when and from which DATEV: ``pipeline.connection``).

    >>> load_client_settings("455148-1", fetch=lambda cid: {"id": cid, "account_length": 4,
    ...     "fiscal_years": [{"start": "2026-01-01", "end": "2026-12-31"}]},
    ...     home=Path(__import__("tempfile").mkdtemp())).account_length
    4
    """
    path = cache_path(client_id, home=home)
    data: Mapping[str, Any] | None = None
    folders = known_folders(client_id, home=home)
    if fetch is not None:
        data = dict(fetch(client_id))
        data.setdefault("id", client_id)
        settings = ClientSettings.from_dict(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps({**settings.to_dict(), **(stamp or {})}, ensure_ascii=False, indent=1)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(record, encoding="utf-8")
        partial.replace(path)  # a parallel reader sees the old record or the new, never half
        return settings.with_folders(folders).with_overrides(overrides or {})
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"Der Zwischenspeicher {path} für Mandant {client_id} ist "
                f"beschädigt ({error}). Löschen Sie die Datei und rufen Sie die "
                "Mandantendaten erneut ab.",
                file=path.name,
            ) from error
        return ClientSettings.from_dict(data).with_folders(folders).with_overrides(overrides or {})
    if overrides and "datev_account_length" in overrides and "fiscal_years" in overrides:
        return ClientSettings(client_id).with_overrides(overrides)
    raise ConfigError(
        f"Für Mandant {client_id} liegen keine DATEV-Stammdaten vor (weder abgerufen "
        "noch zwischengespeichert). Rufen Sie die Mandantendaten online ab oder "
        "tragen Sie datev_account_length und fiscal_years in den Einstellungen ein."
    )


INVOICE_KINDS = ("Rechnung", "Eingangsrechnung", "Gutschrift", "Storno")  # canonical invoice_kind


def _accounts(name: str, table: Any) -> dict[str, str]:
    """``default_accounts`` / ``party_accounts`` of the settings: key → account number."""
    if not isinstance(table, Mapping):
        example = f'[clients."455148-1".{name}]'
        raise ConfigError(f"Die Einstellung {name} muss eine Tabelle sein (z. B. {example}).")
    accounts = {str(key): str(value).strip() for key, value in table.items()}
    for key, account in accounts.items():
        if name == "default_accounts" and key not in INVOICE_KINDS:
            raise ConfigError(
                f"Einstellung default_accounts: die Rechnungsart '{key}' gibt es nicht; "
                f"erlaubt sind {', '.join(INVOICE_KINDS)}.",
                value=key,
            )
        if not (account.isdigit() and len(account) <= 9):
            raise ConfigError(
                f"Einstellung {name}: das Konto '{account}' für '{key}' ist keine Kontonummer "
                "(nur Ziffern, höchstens 9).",
                value=account,
            )
    return accounts


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) == 8 and text.isdigit():  # ADE's yyyymmdd
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ConfigError(f"Das Datum '{text}' in den Mandantendaten ist ungültig.") from None


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _chart(data: Mapping[str, Any]) -> str | None:
    """``SKR03``/``SKR04`` from the seed shape or DATEV's (deprecated) datev_chart_of_accounts."""
    if data.get("chart_of_accounts"):
        return str(data["chart_of_accounts"])
    for info in reversed(data.get("basic_accounting_information") or ()):
        number = info.get("datev_chart_of_accounts")
        if number in (3, 4, "3", "4"):
            return f"SKR0{number}"
    return None


def _first(names: Any) -> str | None:
    return str(names[0]) if names else None


def _document_type(raw: Any, seed: Mapping[str, list[str]] | None) -> DocumentType:
    """One Beleg-Art from DATEV's answer, the sandbox seed or the cache (``to_dict``)."""
    if isinstance(raw, DocumentType):
        return raw
    if isinstance(raw, str):
        raw = {"name": raw}
    name = str(raw["name"])
    folder = raw.get("folder")
    folders: tuple[str, ...] | None = None
    if raw.get("folders") is not None:
        folders = tuple(str(n) for n in raw["folders"])
    elif seed is not None:  # the seed: a folder, the cash books for Kasse, or none
        folders = tuple(seed["cash_ledgers"]) if name == "Kasse" else ((folder,) if folder else ())
        folder = folder or _first(folders)
    return DocumentType(
        name=name,
        category=raw.get("category"),
        activated=bool(raw.get("activated", True)),
        folder=folder,
        folders=folders,
    )


# --- client ids ----------------------------------------------------------------------------------

#: DATEV's ``consultant-client`` form: Beraternummer (up to 7 digits) - Mandantennummer (up to 5).
#: ASCII digits only: ``\d`` would also take fullwidth and Arabic-Indic digits.
CLIENT_ID_PATTERN = re.compile(r"([0-9]{1,7})-([0-9]{1,5})", re.ASCII)


def normalise_client_id(value: object, *, allow_number: bool = False) -> str:
    """The client id in its one normal form, or :class:`UsageError`.

    Every place where a client id enters (CLI, Python API, UI, the HTTP client, the ledger) goes
    through here, so ``455148-001`` and ``455148-1`` are one client everywhere and nothing like
    ``455148-2/../455148-1`` or ``455148-2?x=1`` reaches a URL or a ledger key. With
    ``allow_number`` a bare Mandantennummer (DATEVconnect's client ``number``, which the call
    billing keys its transfers on) is accepted too.

    >>> normalise_client_id(" 455148-001")
    '455148-1'
    >>> normalise_client_id("0003", allow_number=True)
    '3'
    """
    text = value.strip() if isinstance(value, str) else None
    if allow_number and text and text.isascii() and text.isdigit() and 0 < int(text) < 100000:
        return str(int(text))
    match = CLIENT_ID_PATTERN.fullmatch(text) if text else None
    if match is None or int(match[1]) == 0 or int(match[2]) == 0:
        shown = "" if value is None else str(value)
        problem = "fehlt" if not shown.strip() else f"'{shown[:40]}' ist ungültig"
        raise UsageError(
            f"Die Mandanten-ID {problem}: erwartet wird Beraternummer-Mandantennummer aus "
            f"Ziffern, z. B. 455148-1.",
            value=value,
        )
    return f"{int(match[1])}-{int(match[2])}"


def normalise_month(value: object) -> str:
    """A Buchungsmonat as people write it (``2026-01``, ``01/2026``, ``01.2026``,
    ``Januar 2026``) as ``JJJJ-MM`` with a real month, or :class:`UsageError`.

    >>> normalise_month("2026-01"), normalise_month("Januar 2026")
    ('2026-01', '2026-01')
    """
    from workbench.german import parse_month

    try:
        return parse_month(value.strip() if isinstance(value, str) else "")
    except WorkbenchError as error:
        raise UsageError(str(error), value=value) from None
