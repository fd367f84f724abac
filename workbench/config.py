"""Where the workbench keeps its state, and which DATEV it talks to.

``WORKBENCH_HOME`` (contract) is the directory for settings, ledger, tokens and caches, so that
tests and parallel runs stay apart; ``WORKBENCH_SANDBOX_URL`` points every command at a running
sandbox; ``WORKBENCH_CONFIG`` names a TOML settings file for real DATEV. Nothing is read at
import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from workbench.errors import ConfigError

__all__ = ["DATEV_PRODUCTION", "Settings", "load_settings", "workbench_home"]

#: Real DATEV base URLs per API (ARCHITECTURE §4.4); the sandbox serves each under its first label.
DATEV_PRODUCTION = {
    "authorize": "https://login.datev.de/openid/authorize",
    "token": "https://api.datev.de/token",
    "revoke": "https://api.datev.de/revoke",
    "accounting-clients": "https://accounting-clients.api.datev.de/platform/v2",
    "accounting-dxso-jobs": "https://accounting-dxso-jobs.api.datev.de/platform/v2",
    "accounting-documents": "https://accounting-documents.api.datev.de/platform/v2",
    "accounting-extf-files": "https://accounting-extf-files.api.datev.de/platform/v3",
    "master-data": "http://localhost:58454/datev/api/master-data/v1",
    "order-management": "http://localhost:58454/datev/api/order-management/v1",
}


def workbench_home() -> Path:
    """The state directory: ``$WORKBENCH_HOME`` or the user data dir."""
    home = os.environ.get("WORKBENCH_HOME")
    return Path(home) if home else Path(platformdirs.user_data_dir("datev-workbench"))


def sandbox_endpoints(origin: str) -> dict[str, str]:
    """The sandbox's base URLs for a running sandbox at ``origin`` (``http://127.0.0.1:8765``)."""
    origin = origin.rstrip("/")
    return {
        "authorize": f"{origin}/openid/authorize",
        "token": f"{origin}/token",
        "revoke": f"{origin}/revoke",
        "accounting-clients": f"{origin}/accounting-clients/platform/v2",
        "accounting-dxso-jobs": f"{origin}/accounting-dxso-jobs/platform/v2",
        "accounting-documents": f"{origin}/accounting-documents/platform/v2",
        "accounting-extf-files": f"{origin}/accounting-extf-files/platform/v3",
        "master-data": f"{origin}/datev/api/master-data/v1",
        "order-management": f"{origin}/datev/api/order-management/v1",
    }


@dataclass(frozen=True)
class Settings:
    """Effective settings: state directory, DATEV mode and credentials, per-client overrides."""

    home: Path
    mode: str  # "sandbox" (embedded or WORKBENCH_SANDBOX_URL) or "production"
    sandbox_url: str | None = None
    client_id: str = "workbench-sandbox"
    client_secret: str | None = field(default=None, repr=False)
    config_file: Path | None = None
    clients: dict[str, dict] = field(default_factory=dict)
    connect_user: str | None = None
    connect_password: str | None = field(default=None, repr=False)

    @property
    def connect_auth(self) -> tuple[str, str] | None:
        """Basic-auth credentials for DATEVconnect (master data, order management)."""
        if self.connect_user and self.connect_password:
            return self.connect_user, self.connect_password
        return None

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.sqlite"

    @property
    def profiles_dir(self) -> Path:
        return self.home / "profiles"


def load_settings() -> Settings:
    """Read the environment and, if ``WORKBENCH_CONFIG`` is set, the TOML settings file.

    Without DATEV credentials the workbench runs against the sandbox (embedded by default).
    """
    home = workbench_home()
    sandbox_url = os.environ.get("WORKBENCH_SANDBOX_URL") or None
    config_path = os.environ.get("WORKBENCH_CONFIG")
    data: dict = {}
    if config_path:
        path = Path(config_path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"Die Einstellungsdatei {path} (WORKBENCH_CONFIG) fehlt.", file=path.name
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(
                f"Die Einstellungsdatei {path} ist ungültig: {error}", file=path.name
            ) from error
    datev = data.get("datev", {})
    has_credentials = bool(datev.get("client_id") and datev.get("client_secret"))
    mode = "production" if has_credentials and not sandbox_url else "sandbox"
    return Settings(
        home=home,
        mode=mode,
        sandbox_url=sandbox_url,
        client_id=datev.get("client_id", "workbench-sandbox"),
        client_secret=datev.get("client_secret"),
        config_file=Path(config_path) if config_path else None,
        clients=data.get("clients", {}),
        connect_user=data.get("datevconnect", {}).get("user"),
        connect_password=data.get("datevconnect", {}).get("password"),
    )
