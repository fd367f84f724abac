"""DATEV reconciliation workbench: load, check, map, package, send, follow the status and
reconcile with what DATEV booked.

The curated public API; ``tests/test_exported_members.py`` pins it. The stage functions
(``load_run`` → ``check_run`` → ``map_run`` → ``package_run`` → ``send_run`` → ``status_run`` →
``reconcile_run``) each take the previous stage's result; see ``workbench/pipeline/__init__.py``.
"""

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
