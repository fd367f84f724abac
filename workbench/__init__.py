"""DATEV reconciliation workbench: load, check, map, transfer and investigate.

The curated public API; ``tests/test_exported_members.py`` pins it.
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
from workbench.pipeline import Run, check_run, map_run, transfer_run, write_run
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
    "ConfigError",
    "DatevApiError",
    "DatevFormatError",
    "FINDINGS_SCHEMA",
    "LoadResult",
    "ProfileError",
    "Run",
    "Settings",
    "SourceError",
    "TransferError",
    "WorkbenchError",
    "available_profiles",
    "check_run",
    "load_calls",
    "load_invoices",
    "load_pos",
    "load_profile",
    "load_receipts",
    "load_settings",
    "map_run",
    "transfer_run",
    "write_run",
]
