"""Phone book for the phone system, the other way round (seed 000's "Adressbuch Exporter"):
every phone number of every active addressee, with its Mandant, as CSV.

Like the exporter from version 2.5.1 on: fax numbers are never exported as phone numbers,
inactive addressees (and inactive Mandanten) are left out, redundant numbers are kept (a number
shared by two addressees appears twice), and the communication's note assigns the phone-book
field ("Mobil" -> ``MOBILE``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import polars as pl

from workbench.calls.directory import PhoneDirectory

__all__ = ["ADDRESS_BOOK_COLUMNS", "DEFAULT_FIELDS", "export_address_book"]

#: Communication note (case-insensitive) -> phone-book field; other notes go to ``PHONE``.
DEFAULT_FIELDS = {
    "mobil": "MOBILE",
    "handy": "MOBILE",
    "privat": "HOME",
    "büro": "PHONE",
    "zentrale": "PHONE",
}
ADDRESS_BOOK_COLUMNS = {
    "addressee_name": "Name",
    "client_number": "Mandantennummer",
    "client_name": "Mandant",
    "field": "Feld",
    "number": "Rufnummer",
    "raw_number": "Rufnummer DATEV",
    "role": "Notiz",
}


def export_address_book(
    directory: PhoneDirectory,
    path: str | os.PathLike[str] | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    default_field: str = "PHONE",
) -> pl.DataFrame:
    """The phone book as a frame (German headers, E.164 numbers); written to ``path`` as CSV
    (semicolon, UTF-8) when given.

    >>> export_address_book(directory, "telefonbuch.csv")  # doctest: +SKIP
    """
    mapping = {k.lower(): v for k, v in (DEFAULT_FIELDS if fields is None else fields).items()}
    numbers = directory.numbers.filter(
        (pl.col("kind") == "phone")
        & pl.col("addressee_active")
        & pl.col("client_active").fill_null(True)
        & pl.col("number").is_not_null()
    )
    book = (
        numbers.with_columns(
            pl.col("role")
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict(mapping, default=default_field)
            .fill_null(default_field)
            .alias("field"),
            pl.when(pl.col("number_extension").is_not_null())
            .then(pl.format("{};ext={}", pl.col("number"), pl.col("number_extension")))
            .otherwise(pl.col("number"))
            .alias("number"),
        )
        # Several Mandanten through relationships give one row each; the book lists the
        # addressee once per number and names every Mandant.
        .group_by("addressee_id", "communication_id", maintain_order=True)
        .agg(
            pl.col("addressee_name", "field", "number", "raw_number", "role").first(),
            pl.col("client_number").drop_nulls().cast(pl.String).str.join(", "),
            pl.col("client_name").drop_nulls().str.join(", "),
        )
        .with_columns(pl.col("client_number", "client_name").replace("", None))
        .sort("addressee_name", "field", "number")
        .select(list(ADDRESS_BOOK_COLUMNS))
        .rename(ADDRESS_BOOK_COLUMNS)
    )
    if path is not None:
        book.write_csv(path, separator=";")
    return book
