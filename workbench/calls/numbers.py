"""Phone numbers to E.164 with ``phonenumbers``, once per distinct spelling.

``phonenumbers`` takes about 20 µs per number, so a call log is never parsed row by row: the
spellings are first reduced in polars to a cheap key (separators removed, ``00`` and the trunk
``0`` rewritten for the default region), and only the distinct keys go through ``phonenumbers``,
with an LRU cache across calls.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import phonenumbers
import polars as pl

__all__ = [
    "NUMBER_STATUSES",
    "ParsedNumber",
    "fixed_points",
    "normalize_number",
    "normalize_numbers",
]

#: ``ok``: parsed to E.164; ``missing``: empty or suppressed; ``unparseable``: not a phone number.
NUMBER_STATUSES = ("ok", "missing", "unparseable")

# Region -> (international prefix, trunk prefix, country code) for the cheap pre-key; regions not
# listed only lose their separators and leave the rest to phonenumbers.
_PREFIXES = {"DE": ("00", "0", "49"), "AT": ("00", "0", "43"), "CH": ("00", "0", "41")}
_SIMPLE = r"^\+?[0-9][0-9 \-/.]*$"
_SUPPRESSED = {"anonym", "anonymous", "unbekannt", "unknown", "unterdrückt", "privat"}


class ParsedNumber(NamedTuple):
    """A number as E.164 (``+4991147110``) with its extension split off."""

    number: str | None
    extension: str | None
    status: str


@lru_cache(maxsize=262_144)
def normalize_number(raw: str | None, region: str = "DE") -> ParsedNumber:
    """Normalise one spelling (``0911 4711-0``, ``+49 30 1234567 x 12``) to E.164.

    >>> normalize_number("0911 4711-0")
    ParsedNumber(number='+4991147110', extension=None, status='ok')
    """
    text = (raw or "").strip()
    if not text or text.lower() in _SUPPRESSED:
        return ParsedNumber(None, None, "missing")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ParsedNumber(None, None, "unparseable")
    if not phonenumbers.is_possible_number(parsed):
        return ParsedNumber(None, None, "unparseable")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return ParsedNumber(e164, parsed.extension or None, "ok")


def _key(column: pl.Expr, region: str) -> pl.Expr:
    """A cheap canonical spelling; equal keys always normalise to the same number."""
    text = column.str.strip_chars()
    plain = text.str.replace_all(r"[ \-/.]", "")
    if region in _PREFIXES:
        intl, trunk, country = _PREFIXES[region]
        # Only well-formed prefixes are rewritten; anything odd goes to phonenumbers as it is.
        plain = (
            pl.when(plain.str.contains(f"^{intl}[1-9][0-9]{{5,}}$"))
            .then(pl.lit("+") + plain.str.slice(len(intl)))
            .when(plain.str.contains(f"^{trunk}[1-9][0-9]{{5,}}$"))
            .then(pl.lit("+" + country) + plain.str.slice(len(trunk)))
            .otherwise(plain)
        )
    return pl.when(text.str.contains(_SIMPLE)).then(plain).otherwise(text)


def normalize_numbers(
    numbers: pl.Series, *, region: str = "DE", known: pl.Series | None = None
) -> pl.DataFrame:
    """Distinct spellings of ``numbers`` with ``number`` (E.164), ``number_extension`` and
    ``number_status``; join it back on ``raw``.

    ``known``: numbers whose normalisation is their own cheap key (``fixed_points``); a spelling
    with one of them as its key needs no ``phonenumbers``.

    >>> normalize_numbers(pl.Series(["0911 47110", "+49 911 4711-0"]))["number"].to_list()
    ['+4991147110', '+4991147110']
    """
    raw = pl.DataFrame({"raw": numbers.cast(pl.String).unique()})
    keyed = raw.with_columns(_key(pl.col("raw"), region).alias("key"))
    keys = keyed["key"].unique().drop_nulls()
    schema = {
        "key": pl.String,
        "number": pl.String,
        "number_extension": pl.String,
        "number_status": pl.String,
    }
    shortcut = pl.DataFrame(schema=schema)
    if known is not None:
        hits = keys.filter(keys.is_in(known.cast(pl.String).drop_nulls().implode()))
        shortcut = (
            pl.DataFrame({"key": hits, "number": hits})
            .with_columns(
                pl.lit(None, pl.String).alias("number_extension"),
                pl.lit("ok").alias("number_status"),
            )
            .select(list(schema))
        )
        keys = keys.filter(~keys.is_in(hits.implode()))
    todo = keys.to_list()
    parsed = [normalize_number(key, region) for key in todo]
    table = pl.concat(
        [
            shortcut,
            pl.DataFrame(
                {
                    "key": todo,
                    "number": [p.number for p in parsed],
                    "number_extension": [p.extension for p in parsed],
                    "number_status": [p.status for p in parsed],
                },
                schema=schema,
            ),
        ]
    )
    return (
        keyed.join(table, on="key", how="left")
        .with_columns(pl.col("number_status").fill_null("missing"))
        .drop("key")
    )


def fixed_points(normalized: pl.DataFrame, *, region: str = "DE") -> pl.Series:
    """Numbers of a ``normalize_numbers``-shaped frame (``raw``, ``number``) whose cheap key is
    the number itself: phonenumbers has mapped that key to itself, so any spelling with the same
    key needs no second parse.
    """
    return normalized.filter(_key(pl.col("raw"), region) == pl.col("number"))["number"].unique()
