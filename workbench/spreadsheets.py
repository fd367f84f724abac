"""Cells that are safe to open in a spreadsheet (CSV/formula injection, OWASP).

Excel and LibreOffice take a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return for a formula: ``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0`` or ``@SUM(...)`` in a customer
name or a call note runs when a bookkeeper opens an export. Two questions, one module:

* :func:`neutralise_cell` / :func:`neutralise_frame` — for every file meant for a spreadsheet
  (phone book, findings export, Excel Prüfbericht, CSV/XLSX reports): a cell that starts like a
  formula gets a leading apostrophe, which spreadsheets show as text. Numbers stay as they are,
  signed ones and phone numbers in international format (``+49 911 4711-0``) included.
* :func:`is_formula_like` / :func:`formula_like` — for the checks' ``field.formula_like``
  warning: the narrower set of cells a spreadsheet would really run, ``=``/``@`` or a sign
  followed by formula text (a name, a reference, a pipe, a quote); a lone dash or "-5 %" is no
  reason to warn. Every formula-like cell is neutralised; DATEV's own files (EXTF, XML) keep the
  value, DATEV is not a spreadsheet.

>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("+49 911 4711-0"), is_formula_like("-12,50")
('+49 911 4711-0', False)
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["formula_like", "is_formula_like", "neutralise_cell", "neutralise_frame"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number (German or English separators) or a phone number in international format.
_NUMBER = r"^[+-]?[0-9][0-9 .,]*$|^\+[0-9][0-9 \-/().]*[0-9]$"
_NUMBER_RE = re.compile(_NUMBER)

#: After leading tabs/CRs: ``=`` or ``@`` always start a formula ...
_ALWAYS = r"^[\t\r]*[=@]"
#: ... ``+`` or ``-`` when something formula-ish follows (a name or function, a reference, a
#: quote, a DDE pipe, a sheet mark), unless the rest is a number (``-5 %`` included).
_SIGNED = r"(?s)^[\t\r]*[+-].*[A-Za-z(=!|$\"]"
_PLAIN = r"^[+-]?[0-9][0-9.,' ]*%?$"
_ALWAYS_RE, _SIGNED_RE, _PLAIN_RE = re.compile(_ALWAYS), re.compile(_SIGNED), re.compile(_PLAIN)


def neutralise_cell(value: str | None) -> str | None:
    """``value`` made safe for a spreadsheet cell.

    >>> neutralise_cell("@SUM(A1)")
    "'@SUM(A1)"
    """
    if not value or not value.startswith(_FORMULA_START) or _NUMBER_RE.match(value):
        return value
    return "'" + value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every String column of ``frame`` with :func:`neutralise_cell` applied (other columns
    unchanged), for writing CSV or XLSX meant for people."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@\t\r]") & ~pl.col(name).str.contains(_NUMBER))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in texts
    )


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would run ``value`` as a formula (the ``field.formula_like`` rule)."""
    if not isinstance(value, str):
        return False
    if _ALWAYS_RE.match(value):
        return True
    if not _SIGNED_RE.match(value):
        return False
    bare = value.lstrip("\t\r")
    return not (_PLAIN_RE.match(bare) or _NUMBER_RE.match(bare))


def formula_like(column: str | pl.Expr) -> pl.Expr:
    """:func:`is_formula_like` as a polars expression on a String column (null → false)."""
    text = pl.col(column) if isinstance(column, str) else column
    bare = text.str.strip_chars_start("\t\r")
    signed = text.str.contains(_SIGNED) & ~bare.str.contains(_PLAIN) & ~bare.str.contains(_NUMBER)
    return (text.str.contains(_ALWAYS) | signed).fill_null(False)
