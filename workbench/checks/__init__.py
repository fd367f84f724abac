"""Checks: Great Expectations suites (``expectations/*.json``) run by a fast polars engine or by
Great Expectations itself, plus cross-row rules, producing one findings table (ARCHITECTURE §4.2).

>>> import polars as pl
>>> check(pl.DataFrame({"booking_text": ["Brot\\u00a0Laib"]}), "receipts", settings=None)["rule"][0]
'encoding.exotic_space'
"""

from workbench.checks.fixes import SAFE_FIXES, apply_fixes
from workbench.checks.runner import ENGINES, check, findings_json, parse_period, write_data_docs
from workbench.checks.sources import check_sources
from workbench.checks.suites import load_suite
from workbench.clients import ClientSettings, DocumentType, load_client_settings
from workbench.findings import (
    FINDINGS_SCHEMA,
    concat_findings,
    exit_code,
    findings_frame,
    summarize_findings,
)

__all__ = [
    "ClientSettings",
    "DocumentType",
    "ENGINES",
    "FINDINGS_SCHEMA",
    "SAFE_FIXES",
    "apply_fixes",
    "check",
    "check_sources",
    "concat_findings",
    "exit_code",
    "findings_frame",
    "findings_json",
    "load_client_settings",
    "load_suite",
    "parse_period",
    "summarize_findings",
    "write_data_docs",
]
