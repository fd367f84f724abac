"""Invoice lines: one line per future DATEV record, the shape RDS, BDS and master data build on.

An invoice with positions makes one line per position, an invoice without positions one line
of its own (seed 001: CRM+ sends the positions as a second sheet). A line carries the invoice's
canonical columns, its gate columns (``_index``, ``_item``), the invoice-level helpers that
:func:`workbench.mapping.invoices.map_invoices` adds (``_sign``: -1 for Gutschrift and Storno,
``_document_kind``, ``_name``: the party name as booked), the position's columns prefixed
``p_`` (``p_index``: its row in the positions frame; null without positions), and:

* ``_amount``: the line's signed gross (the position's, or the invoice's without positions),
* ``_gross``: the invoice's signed gross,
* ``_rate``: the tax rate in percent (the position's, or the invoice's tax over net).
"""

from __future__ import annotations

import polars as pl

__all__ = ["blank_to_null", "invoice_lines"]


def blank_to_null(column: str) -> pl.Expr:
    """``column`` with empty or blank text as null (DATEV: field absent)."""
    return pl.when(pl.col(column).str.strip_chars() == "").then(None).otherwise(pl.col(column))


def invoice_lines(invoices: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """The lines of ``invoices`` (open rows of the gate) with ``positions``, in invoice order."""
    pos = positions.with_row_index("p_index").select(
        pl.col("invoice_id"),
        pl.col("p_index").cast(pl.Int64),
        *[pl.col(c).alias(f"p_{c}") for c in positions.columns if c != "invoice_id"],
    )
    lines = invoices.join(pos, on="invoice_id", how="left", maintain_order="left")
    lines = lines.sort("_index", "p_position", nulls_last=True, maintain_order=True)
    lines = lines.with_columns(
        pl.when(pl.col("net").is_not_null() & (pl.col("net") != 0))
        .then((pl.col("tax_amount") / pl.col("net") * 100).round(2))
        .alias("_header_rate")
    )
    value = (
        pl.when(pl.col("p_index").is_null())
        .then(pl.col("gross"))
        .otherwise(pl.coalesce("p_gross", pl.col("p_net") + pl.col("p_tax_amount")))
    )
    # Gutschrift and Storno are corrections: negative, unless the source already wrote them so
    # (the invoice's gross says which); a position's own sign (a discount line) is kept.
    flip = (pl.col("_sign") < 0) & (pl.col("gross") > 0)
    return lines.with_columns(
        pl.when(flip).then(-value).otherwise(value).alias("_amount"),
        pl.when(flip).then(-pl.col("gross")).otherwise(pl.col("gross")).alias("_gross"),
        pl.when(pl.col("p_index").is_null())
        .then(pl.col("_header_rate"))
        .otherwise(pl.col("p_tax"))
        .alias("_rate"),
    )
