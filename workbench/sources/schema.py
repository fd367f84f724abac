"""Canonical frames (ARCHITECTURE §4.3, a contract): column names, value types, required columns.

Every loader produces exactly these columns, in this order, followed by the lineage columns
``source_file`` (file name) and ``source_row`` (1-based row as the user sees it in the file).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = [
    "Column",
    "FRAME_NAMES",
    "LINEAGE_COLUMNS",
    "canonical_columns",
    "canonical_schema",
]

#: Lineage columns appended to every canonical frame.
LINEAGE_COLUMNS = ("source_file", "source_row")

#: Value types a source column is converted with (see ``convert.py``).
TYPES = (
    "text",
    "code",
    "account",
    "date",
    "datetime",
    "month",
    "amount",
    "rate",
    "integer",
    "duration",
    "bool",
    "choice",
)

_POLARS: dict[str, pl.DataType] = {
    "text": pl.String(),
    "code": pl.String(),
    "account": pl.String(),
    "choice": pl.String(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "month": pl.String(),
    "amount": pl.Float64(),
    "rate": pl.Float64(),
    "integer": pl.Int64(),
    "duration": pl.Int64(),
    "bool": pl.Boolean(),
}


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column: its value type, whether a source must provide it, allowed values."""

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def dtype(self) -> pl.DataType:
        return _POLARS[self.type]

    def describe(self) -> str:
        """German description of the expected format, used in findings' ``expected``."""
        return {
            "date": "Datum (TT.MM.JJJJ oder JJJJ-MM-TT)",
            "datetime": "Zeitpunkt (TT.MM.JJJJ HH:MM[:SS] oder ISO 8601)",
            "month": "Buchungsmonat (JJJJ-MM oder MM/JJJJ)",
            "amount": "Betrag (z. B. 1.234,56 oder 1234.56)",
            "rate": "Prozentsatz (z. B. 19 oder 7,00)",
            "integer": "ganze Zahl",
            "duration": "Dauer (Sekunden oder HH:MM:SS)",
            "bool": "Ja/Nein (ja, nein, true, false, 1, 0, x)",
            "choice": "einer der Werte " + ", ".join(self.choices),
            "account": "Kontonummer (nur Ziffern)",
        }.get(self.type, "Text")


def _cols(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


_CANONICAL: dict[str, tuple[Column, ...]] = {
    "calls": _cols(
        ("call_id", "code", True),
        ("started_at", "datetime", True),
        ("duration_s", "duration", True),
        ("direction", "choice", True, ("inbound", "outbound", "internal")),
        ("answered", "bool"),
        ("remote_number", "text", True),
        ("extension", "code"),
        ("user", "text"),
        ("note", "text"),
    ),
    "invoices": _cols(
        ("invoice_kind", "choice", True, ("Rechnung", "Eingangsrechnung", "Gutschrift", "Storno")),
        ("invoice_id", "code", True),
        ("date", "date", True),
        ("party_name", "text", True),
        ("street", "text"),
        ("zip", "code"),
        ("city", "text"),
        ("country", "code"),
        ("phone", "text"),
        ("fax", "text"),
        ("email", "text"),
        ("currency_code", "code"),
        ("net", "amount"),
        ("tax_amount", "amount"),
        ("gross", "amount", True),
        ("cost_center", "code"),
        ("account_no", "account"),
        ("party_account_no", "account"),
        ("attachment", "text"),
        ("terms", "text"),
        # a Gutschrift's or Storno's original invoice (issue 13, item 6): the record keeps its
        # own number and negative amount (DATEV's ARK/ERK samples) and names this one
        ("original_invoice_id", "code"),
        # e-invoices (XRechnung, ZUGFeRD) also carry these; other sources may leave them out
        ("vat_id", "code"),
        ("iban", "code"),
        ("due_date", "date"),
    ),
    "positions": _cols(
        ("invoice_id", "code", True),
        ("position", "integer"),
        ("name", "text", True),
        ("tax", "rate"),
        ("net", "amount"),
        ("tax_amount", "amount"),
        ("gross", "amount"),
        ("quantity", "rate"),
        ("unit_price", "amount"),
    ),
    "receipts": _cols(
        ("document_id", "code", True),
        ("item_id", "code"),
        ("document_kind", "choice", True, ("Rechnungseingang", "Rechnungsausgang", "Kasse")),
        ("date", "date", True),
        ("accounting_month", "month"),
        ("amount", "amount", True),
        ("currency_code", "code"),
        ("account_no", "account"),
        ("party_account_no", "account"),
        ("bu_code", "code"),
        ("tax", "rate"),
        ("invoice_id", "code"),
        ("internal_invoice_id", "code"),
        ("booking_text", "text"),
        ("cost_category_id", "text"),
        ("cost_category_id2", "text"),
        ("cost_amount", "amount"),
        ("party_name", "text"),
        ("party_city", "text"),
        ("vat_id", "code"),
        ("iban", "code"),
        ("swift_code", "code"),
        ("delivery_date", "date"),
        ("paid_at", "date"),
        ("due_date", "date"),
        ("information", "text"),
        ("block_transfer", "bool"),
        ("attachment", "text"),
    ),
    "bank": _cols(
        ("account_iban", "code"),
        ("booking_date", "date", True),
        ("value_date", "date"),
        ("amount", "amount", True),
        ("currency_code", "code"),
        ("counterparty_name", "text"),
        ("counterparty_iban", "code"),
        ("purpose", "text"),
        ("end_to_end_id", "code"),
        # Not in the bank export: derived from the line's content (sources/bank.py), so a talk
        # or a match can name a bank line; a profile may map a bank reference instead.
        ("line_id", "code"),
    ),
    "pos": _cols(
        ("business_date", "date", True),
        ("category_type", "choice", True, ("revenue", "payment", "tip")),
        ("category", "text", True),
        ("amount", "amount", True),
        ("tax", "rate"),
    ),
}

#: The canonical frames: one per source kind, ``positions`` (loaded with ``invoices``) and
#: ``bank`` (statement lines, loaded by ``workbench bank match``: neither checked nor sent).
FRAME_NAMES = tuple(_CANONICAL)


def canonical_columns(kind: str) -> tuple[Column, ...]:
    """The canonical columns of ``kind``.

    ``kind`` is ``calls``, ``invoices``, ``positions``, ``receipts`` or ``pos``.
    """
    return _CANONICAL[kind]


def canonical_schema(kind: str) -> pl.Schema:
    """The polars schema of a loaded frame of ``kind``, lineage columns included."""
    schema = {column.name: column.dtype for column in _CANONICAL[kind]}
    schema.update({"source_file": pl.String(), "source_row": pl.Int64()})
    return pl.Schema(schema)
