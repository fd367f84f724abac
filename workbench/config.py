"""Where the workbench keeps its state, and which DATEV it talks to.

``WORKBENCH_HOME`` (contract) is the directory for settings, ledger, tokens and caches, so that
tests and parallel runs stay apart; ``WORKBENCH_SANDBOX_URL`` points every command at a running
sandbox; ``WORKBENCH_CONFIG`` names a TOML settings file for real DATEV. Mail and the client page
(Mandantentalk) read ``[smtp]`` / ``[talk]`` from the Kanzlei's settings or ``WORKBENCH_SMTP_URL``,
``WORKBENCH_SMTP_FROM`` and ``WORKBENCH_TALK_URL`` (the SMTP password only ever comes from
``WORKBENCH_SMTP_PASSWORD``). Nothing is read at import time: call :func:`load_settings`.

Several Kanzleien (tax offices) share one installation (seed 000, "mandantenfähig" since 2.1).
``WORKBENCH_KANZLEI`` (or ``workbench --kanzlei NAME``) selects one; the default is "Standard".
Each Kanzlei has its own home, and everything that lives under the home (settings file, tokens,
ledger, client caches, embedded sandbox, packages, talks, reports) follows it:

* "Standard" keeps ``$WORKBENCH_HOME`` itself, so an existing installation needs no migration;
* any other Kanzlei lives in ``$WORKBENCH_HOME/kanzleien/<name>/`` (created on first use).

Column-mapping profiles (``$WORKBENCH_HOME/profiles``) stay shared: they describe file layouts,
not a Kanzlei's data. A Kanzlei's settings are its own ``settings.toml`` or, with
``WORKBENCH_CONFIG``, the file's top level (Standard) or its ``[kanzleien."NAME"]`` table;
nothing is inherited from another Kanzlei, so A's DATEV credentials never serve B.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from workbench.errors import ConfigError

__all__ = [
    "DATEV_PRODUCTION",
    "DEFAULT_KANZLEI",
    "Settings",
    "current_kanzlei",
    "datev_endpoints",
    "installation_home",
    "kanzlei_home",
    "kanzlei_name",
    "list_kanzleien",
    "load_settings",
    "workbench_home",
]

#: The sandbox's default OAuth app secret and DATEVconnect login (ARCHITECTURE §4.4, contract).
SANDBOX_SECRET = "sandbox-secret"
SANDBOX_CONNECT = ("datevconnect", "sandbox")
#: The Kanzlei used when none is chosen (seed 000: "Der Vorgabename lautet 'Standard'").
DEFAULT_KANZLEI = "Standard"
#: Kanzlei names double as folder names: letters (with umlauts), digits, space, ``. _ -``.
_KANZLEI_NAME = re.compile(r"^[0-9A-Za-zÄÖÜäöüß][0-9A-Za-zÄÖÜäöüß _.\-]{0,39}$")

#: Real DATEV base URLs per API (ARCHITECTURE §4.4); the sandbox serves each under its first label.
DATEV_PRODUCTION = {
    "authorize": "https://login.datev.de/openid/authorize",
    "token": "https://api.datev.de/token",
    "revoke": "https://api.datev.de/revoke",
    "userinfo": "https://api.datev.de/userinfo",
    "accounting-clients": "https://accounting-clients.api.datev.de/platform/v2",
    "accounting-dxso-jobs": "https://accounting-dxso-jobs.api.datev.de/platform/v2",
    "accounting-documents": "https://accounting-documents.api.datev.de/platform/v2",
    "accounting-extf-files": "https://accounting-extf-files.api.datev.de/platform/v3",
    "accounting-data-exchange": "https://accounting-data-exchange.api.datev.de/platform/v1",
    "master-data": "http://localhost:58454/datev/api/master-data/v1",
    "order-management": "http://localhost:58454/datev/api/order-management/v1",
}


def installation_home() -> Path:
    """The installation's directory: ``$WORKBENCH_HOME`` or the user data dir."""
    home = os.environ.get("WORKBENCH_HOME")
    return Path(home) if home else Path(platformdirs.user_data_dir("datev-workbench"))


def kanzlei_name(value: str) -> str:
    """``value`` as a Kanzlei name, or a :class:`ConfigError` saying what is allowed.

    >>> kanzlei_name(" Kanzlei Nord ")
    'Kanzlei Nord'
    """
    name = " ".join(str(value).split())
    if not _KANZLEI_NAME.match(name) or name.endswith("."):
        raise ConfigError(
            f"Der Kanzleiname '{value}' ist ungültig. Erlaubt sind 1 bis 40 Zeichen: Buchstaben, "
            "Ziffern, Leerzeichen, Punkt, Unterstrich und Bindestrich (z. B. 'Kanzlei Nord')."
        )
    return name


def current_kanzlei() -> str:
    """The selected Kanzlei: ``$WORKBENCH_KANZLEI`` (set by ``workbench --kanzlei``) or
    "Standard"."""
    return _as_spelled(kanzlei_name(os.environ.get("WORKBENCH_KANZLEI") or DEFAULT_KANZLEI))


def kanzlei_home(name: str, *, installation: Path | None = None) -> Path:
    """The state directory of Kanzlei ``name``: the installation home for "Standard" (as before
    there were Kanzleien), ``kanzleien/<name>`` below it for every other one."""
    base = installation or installation_home()
    name = _as_spelled(kanzlei_name(name), installation=base)
    return base if name == DEFAULT_KANZLEI else base / "kanzleien" / name


def _as_spelled(name: str, *, installation: Path | None = None) -> str:
    """``name`` as the existing Kanzlei spells it, whatever the case: "kanzlei nord" is
    "Kanzlei Nord" (on Windows and macOS its folder anyway), never a second, empty one."""
    for known in list_kanzleien(installation=installation):
        if known.casefold() == name.casefold():
            return known
    return name


def workbench_home() -> Path:
    """The state directory of the selected Kanzlei (see :func:`kanzlei_home`)."""
    return kanzlei_home(current_kanzlei())


def list_kanzleien(*, installation: Path | None = None) -> list[str]:
    """Every Kanzlei of the installation: "Standard" first, then the others by name."""
    folder = (installation or installation_home()) / "kanzleien"
    others = sorted(
        entry.name
        for entry in (folder.iterdir() if folder.is_dir() else ())
        if entry.is_dir() and _KANZLEI_NAME.match(entry.name)
    )
    return [DEFAULT_KANZLEI, *(name for name in others if name != DEFAULT_KANZLEI)]


def sandbox_endpoints(origin: str) -> dict[str, str]:
    """The sandbox's base URLs for a running sandbox at ``origin`` (``http://127.0.0.1:8765``)."""
    origin = origin.rstrip("/")
    return {
        "authorize": f"{origin}/openid/authorize",
        "token": f"{origin}/token",
        "revoke": f"{origin}/revoke",
        "userinfo": f"{origin}/userinfo",
        "accounting-clients": f"{origin}/accounting-clients/platform/v2",
        "accounting-dxso-jobs": f"{origin}/accounting-dxso-jobs/platform/v2",
        "accounting-documents": f"{origin}/accounting-documents/platform/v2",
        "accounting-extf-files": f"{origin}/accounting-extf-files/platform/v3",
        "accounting-data-exchange": f"{origin}/accounting-data-exchange/platform/v1",
        "master-data": f"{origin}/datev/api/master-data/v1",
        "order-management": f"{origin}/datev/api/order-management/v1",
    }


def datev_endpoints(
    *, sandbox_origin: str | None, connect_url: str | None = None
) -> dict[str, str]:
    """Base URLs per API: the sandbox's for a sandbox origin, else DATEV's, with the Kanzlei's
    own DATEVconnect server (``connect_url``, e.g. ``http://datev-server:58454/datev/api``)."""
    if sandbox_origin:
        return sandbox_endpoints(sandbox_origin)
    endpoints = dict(DATEV_PRODUCTION)
    if connect_url:
        base = connect_url.rstrip("/")
        endpoints["master-data"] = f"{base}/master-data/v1"
        endpoints["order-management"] = f"{base}/order-management/v1"
    return endpoints


@dataclass(frozen=True)
class Settings:
    """Effective settings of one Kanzlei: state directory, DATEV mode and credentials,
    per-client overrides, phone-book and call settings."""

    home: Path
    mode: str  # "sandbox" (embedded or WORKBENCH_SANDBOX_URL) or "production"
    sandbox_url: str | None = None
    client_id: str = "workbench-sandbox"
    client_secret: str | None = field(default=None, repr=False)
    config_file: Path | None = None
    clients: dict[str, dict] = field(default_factory=dict)
    connect_user: str | None = None
    connect_password: str | None = field(default=None, repr=False)
    kanzlei: str = DEFAULT_KANZLEI
    #: DATEVconnect base (``http://host:58454/datev/api``) of this Kanzlei's DATEV server.
    connect_url: str | None = None
    #: The DATEV user to log in (OIDC ``login_hint``; the sandbox logs this seeded user in).
    datev_user: str | None = None
    addressbook: dict = field(default_factory=dict)
    calls: dict = field(default_factory=dict)
    smtp: dict = field(default_factory=dict)
    talk: dict = field(default_factory=dict)

    @property
    def connect_auth(self) -> tuple[str, str] | None:
        """Basic-auth credentials for DATEVconnect (master data, order management)."""
        if self.connect_user and self.connect_password:
            return self.connect_user, self.connect_password
        if self.mode == "sandbox":
            return SANDBOX_CONNECT
        return None

    @property
    def app_secret(self) -> str:
        """The OAuth app's secret (the sandbox's default app has a known one)."""
        if self.client_secret:
            return self.client_secret
        return SANDBOX_SECRET if self.mode == "sandbox" else ""

    def client_sources(self, client: str) -> list[dict]:
        """The client's configured sources (``[clients."ID"] sources``): ``{kind, files,
        profile}`` each, ``files`` being paths or glob patterns."""
        return [dict(source) for source in self.clients.get(client, {}).get("sources", [])]

    @property
    def clients_with_sources(self) -> list[str]:
        """The Mandanten whose settings name sources (``--all-clients`` means these)."""
        return sorted(client for client in self.clients if self.client_sources(client))

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.sqlite"

    @property
    def tokens_path(self) -> Path:
        return self.home / "tokens.bin"

    @property
    def profiles_dir(self) -> Path:
        """User profiles are shared by every Kanzlei of the installation."""
        return installation_home() / "profiles"

    @property
    def talk_path(self) -> Path:
        """The Mandantentalk store (SQLite), beside the ledger."""
        return self.home / "talk.sqlite"

    @property
    def talk_files(self) -> Path:
        """Where the clients' uploads are kept (only the talk store writes here)."""
        return self.home / "talk"

    @property
    def talk_url(self) -> str | None:
        """Base URL of the client page as clients reach it (links in e-mails)."""
        return os.environ.get("WORKBENCH_TALK_URL") or self.talk.get("url") or None


def _read_toml(path: Path, *, source: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"Die Einstellungsdatei {path} ({source}) fehlt.", file=path.name
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Die Einstellungsdatei {path} ist ungültig: {error}", file=path.name
        ) from error


def _kanzlei_settings(kanzlei: str, home: Path) -> tuple[dict, Path | None]:
    """The settings table of ``kanzlei`` and the file it came from (nothing is inherited)."""
    config_path = os.environ.get("WORKBENCH_CONFIG")
    if config_path:
        data = _read_toml(Path(config_path), source="WORKBENCH_CONFIG")
        if kanzlei == DEFAULT_KANZLEI:
            return {k: v for k, v in data.items() if k != "kanzleien"}, Path(config_path)
        table = data.get("kanzleien", {}).get(kanzlei)
        if table is not None:
            return table, Path(config_path)
    own = home / "settings.toml"
    if own.is_file():
        return _read_toml(own, source=f"Kanzlei {kanzlei}"), own
    return {}, None


def load_settings(*, kanzlei: str | None = None) -> Settings:
    """Read the environment and the selected Kanzlei's settings (see the module docstring).

    Without DATEV credentials the workbench runs against the sandbox (embedded by default);
    ``[datev] sandbox = true`` keeps a Kanzlei with its own OAuth app on the sandbox.
    """
    name = kanzlei_name(kanzlei) if kanzlei else current_kanzlei()
    home = kanzlei_home(name)
    sandbox_url = os.environ.get("WORKBENCH_SANDBOX_URL") or None
    data, config_file = _kanzlei_settings(name, home)
    datev = data.get("datev", {})
    connect = data.get("datevconnect", {})
    has_credentials = bool(datev.get("client_id") and datev.get("client_secret"))
    production = has_credentials and not sandbox_url and not datev.get("sandbox", False)
    return Settings(
        home=home,
        mode="production" if production else "sandbox",
        sandbox_url=sandbox_url,
        client_id=datev.get("client_id", "workbench-sandbox"),
        client_secret=datev.get("client_secret"),
        config_file=config_file,
        clients=data.get("clients", {}),
        connect_user=connect.get("user"),
        connect_password=connect.get("password"),
        kanzlei=name,
        connect_url=connect.get("url"),
        datev_user=datev.get("user"),
        addressbook=data.get("addressbook", {}),
        calls=data.get("calls", {}),
        smtp=dict(data.get("smtp", {})),
        talk=dict(data.get("talk", {})),
    )
