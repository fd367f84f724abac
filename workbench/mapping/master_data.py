"""Debitoren/Kreditoren (EXTF category 16) from invoice lines, for the Buchungsdatenservice.

A Buchungsstapel books on personal accounts; DATEV knows their names and addresses from the
Debitoren/Kreditoren file that goes with it (seed 001: CRM+ sends both). One row per personal
account (``party_account_no``); the first invoice's data wins. Every line's would-be row is
validated too (:func:`master_rows`), so that a bad name or address blocks its invoices.
"""

from __future__ import annotations

import polars as pl

from workbench.mapping.invoice_lines import blank_to_null

__all__ = ["MASTER_FIELDS", "master_data", "master_rows"]

#: Debitoren/Kreditoren field ← canonical invoice column.
MASTER_FIELDS = {
    "Konto": "party_account_no",
    "Name (Adressattyp Unternehmen)": "party_name",
    "Straße": "street",
    "Postleitzahl": "zip",
    "Ort": "city",
    "Land": "country",
    "Telefon": "phone",
    "E-Mail": "email",
    "Fax": "fax",
}


def master_rows(lines: pl.DataFrame) -> pl.DataFrame:
    """One Debitoren/Kreditoren row per invoice line (``_name``: the party name as booked)."""
    return lines.select(
        *[
            (blank_to_null("_name") if column == "party_name" else blank_to_null(column)).alias(
                name
            )
            for name, column in MASTER_FIELDS.items()
        ],
        pl.lit("2").alias("Adressattyp"),  # 2 = Unternehmen
    )


def master_data(lines: pl.DataFrame) -> pl.DataFrame:
    """Debitoren/Kreditoren rows, one per personal account (the first invoice's data wins)."""
    return master_rows(lines.unique("party_account_no", keep="first", maintain_order=True))
