"""Loading source files (call logs, invoices, receipt items, POS revenue) into canonical frames."""

from workbench.sources.bank import load_bank
from workbench.sources.calls import load_calls
from workbench.sources.invoices import load_invoices
from workbench.sources.loader import LoadResult, SourceInfo
from workbench.sources.pos import load_pos
from workbench.sources.profiles import Profile, available_profiles, load_profile
from workbench.sources.receipts import load_receipts
from workbench.sources.schema import KINDS, canonical_columns, canonical_schema

LOADERS = {
    "calls": load_calls,
    "invoices": load_invoices,
    "receipts": load_receipts,
    "pos": load_pos,
    "bank": load_bank,
}

__all__ = [
    "KINDS",
    "LOADERS",
    "LoadResult",
    "Profile",
    "SourceInfo",
    "available_profiles",
    "load_bank",
    "canonical_columns",
    "canonical_schema",
    "load_calls",
    "load_invoices",
    "load_pos",
    "load_profile",
    "load_receipts",
]
