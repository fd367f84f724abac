"""Mapped records through the DATEV writers' own validation, before anything is written.

Whatever ``build_packages`` or ``write_extf`` would refuse is found here, so that the mapping
can turn it into ``field.datev`` findings and block the rows it came from
(:meth:`workbench.mapping.gate.RowGate.block_invalid`). Both functions return the writers'
problems (``row``, ``field``, ``value``, ``message``, ``rule``) with ``row`` the 0-based
position in the records frame given; problems of the file as a whole (no row) are left to the
writer.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from workbench.datev.extf import ExtfHeader, validate_bookings
from workbench.datev.ledger_xml import ELEMENT_ORDER, validate_ledger_records
from workbench.datev.package import DOCUMENT_KINDS

__all__ = ["PACKAGE_COLUMNS", "extf_problems", "ledger_problems"]

#: Columns of a LedgerImport records frame that ``build_packages`` reads besides the elements.
PACKAGE_COLUMNS = ("document_id", "document_kind", "accounting_month", "attachment", "client")
_PROBLEMS = pl.Schema(
    {
        "row": pl.Int64,
        "field": pl.String,
        "value": pl.String,
        "message": pl.String,
        "rule": pl.String,
    }
)


def ledger_problems(records: pl.DataFrame) -> pl.DataFrame:
    """Problems of LedgerImport records, each Beleg-Art against its own ledger's elements."""
    parts = []
    position = pl.int_range(pl.len(), dtype=pl.Int64).alias("_at")
    for kind, ledger in DOCUMENT_KINDS.items():
        part = records.with_columns(position).filter(pl.col("document_kind") == kind)
        if part.is_empty():
            continue
        columns = [c for c in part.columns if c in ELEMENT_ORDER[ledger] or c in PACKAGE_COLUMNS]
        found = validate_ledger_records(part.select(columns), ledger=ledger)
        found = found.filter(pl.col("row").is_not_null())
        parts.append(found.with_columns(part["_at"].gather(found["row"]).alias("row")))
    return pl.concat(parts) if parts else pl.DataFrame(schema=_PROBLEMS)


def extf_problems(
    records: pl.DataFrame, *, account_length: int, category: int = 21
) -> pl.DataFrame:
    """Problems of EXTF rows: Buchungsstapel (category 21) or Debitoren/Kreditoren (16).

    The header is a stand-in (consultant, client and fiscal year do not change a row's
    validity); ``account_length`` does, since it fixes the length of personal accounts.
    """
    if records.is_empty():
        return pl.DataFrame(schema=_PROBLEMS)
    header = ExtfHeader(
        consultant_number=1001,
        client_number=1,
        fiscal_year_start=date(2000, 1, 1),
        account_length=account_length,
        category=category,
    )
    return validate_bookings(records, header).filter(pl.col("row").is_not_null())
