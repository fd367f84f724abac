"""Mapping: canonical source frames → DATEV records with lineage, blocked and skipped rows."""

from workbench.mapping.receipts import map_receipts
from workbench.mapping.result import Mapped

__all__ = ["Mapped", "map_receipts"]
