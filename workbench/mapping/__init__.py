"""Mapping: canonical source frames → DATEV records with lineage, blocked and skipped rows.

Every loaded row ends up mapped (``lineage``), blocked (error findings, ``blocked``) or skipped
(``block_transfer``, ``skipped``); ``Mapped.counts()`` shows the numbers add up per file.

>>> mapped = map_receipts(load_receipts("bd.csv", profile="juston"), client="455148-1")
>>> preview(mapped, page=0, page_size=50)
"""

from workbench.mapping.invoices import BU_CODES_SKR03, map_invoices
from workbench.mapping.pos import PosMapping, map_pos, split_periods
from workbench.mapping.preview import preview, preview_wide
from workbench.mapping.receipts import RECEIPT_FIELDS, map_receipts
from workbench.mapping.result import Mapped

__all__ = [
    "BU_CODES_SKR03",
    "Mapped",
    "PosMapping",
    "RECEIPT_FIELDS",
    "map_invoices",
    "map_pos",
    "map_receipts",
    "preview",
    "preview_wide",
    "split_periods",
]
