"""Loading source files (call logs, invoices, receipt items, POS revenue) into canonical frames.

One loader per source kind; ``workbench/pipeline/registry.py`` says which serves which kind
(``workbench.pipeline.load_run`` is the load stage).
"""

from workbench.sources.bank import load_bank
from workbench.sources.calls import load_calls
from workbench.sources.invoices import load_invoices
from workbench.sources.loader import LoadResult, SourceInfo
from workbench.sources.pos import load_pos
from workbench.sources.profiles import Profile, available_profiles, load_profile
from workbench.sources.receipts import load_receipts
from workbench.sources.schema import canonical_columns, canonical_schema

__all__ = [
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
