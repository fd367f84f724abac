"""DATEV reconciliation workbench: load, check, map, package, send, follow the status and
reconcile with what DATEV booked.

The curated public API; ``tests/test_exported_members.py`` pins it. The stage functions
(``load_run`` → ``check_run`` → ``map_run`` → ``package_run`` → ``send_run`` → ``status_run`` →
``reconcile_run``) each take the previous stage's result; see ``workbench/pipeline/__init__.py``.

Each name loads its module on first use (PEP 562), so that ``import workbench.cli`` (and
``workbench --help``) does not import the pipeline, polars or numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.config import Settings, load_settings
    from workbench.errors import (
        ConfigError,
        DatevApiError,
        DatevFormatError,
        ProfileError,
        SourceError,
        TransferError,
        WorkbenchError,
    )
    from workbench.findings import FINDINGS_SCHEMA
    from workbench.kinds import SourceKind, Target
    from workbench.pipeline import (
        CheckedRun,
        LoadedRun,
        MappedRun,
        PackagedRun,
        SentRun,
        check_run,
        load_run,
        map_run,
        package_run,
        reconcile_run,
        send_run,
        status_run,
    )
    from workbench.reconcile import Reconciliation
    from workbench.sources import (
        LoadResult,
        available_profiles,
        load_calls,
        load_invoices,
        load_pos,
        load_profile,
        load_receipts,
    )

_MODULES = {
    "workbench.config": ("Settings", "load_settings"),
    "workbench.errors": (
        "ConfigError",
        "DatevApiError",
        "DatevFormatError",
        "ProfileError",
        "SourceError",
        "TransferError",
        "WorkbenchError",
    ),
    "workbench.findings": ("FINDINGS_SCHEMA",),
    "workbench.kinds": ("SourceKind", "Target"),
    "workbench.pipeline": (
        "CheckedRun",
        "LoadedRun",
        "MappedRun",
        "PackagedRun",
        "SentRun",
        "check_run",
        "load_run",
        "map_run",
        "package_run",
        "reconcile_run",
        "send_run",
        "status_run",
    ),
    "workbench.reconcile": ("Reconciliation",),
    "workbench.sources": (
        "LoadResult",
        "available_profiles",
        "load_calls",
        "load_invoices",
        "load_pos",
        "load_profile",
        "load_receipts",
    ),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "CheckedRun",
    "ConfigError",
    "DatevApiError",
    "DatevFormatError",
    "FINDINGS_SCHEMA",
    "LoadResult",
    "LoadedRun",
    "MappedRun",
    "PackagedRun",
    "ProfileError",
    "Reconciliation",
    "SentRun",
    "Settings",
    "SourceError",
    "SourceKind",
    "Target",
    "TransferError",
    "WorkbenchError",
    "available_profiles",
    "check_run",
    "load_calls",
    "load_invoices",
    "load_pos",
    "load_profile",
    "load_receipts",
    "load_run",
    "load_settings",
    "map_run",
    "package_run",
    "reconcile_run",
    "send_run",
    "status_run",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first access (then cached here)."""
    if name not in _HOME:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
