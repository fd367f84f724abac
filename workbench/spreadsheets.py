"""Cells that are safe to open in a spreadsheet (CSV/formula injection, OWASP).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be taken for a
formula by Excel or LibreOffice; such a cell gets a leading apostrophe, which spreadsheets show
as text. Numbers stay as they are, including phone numbers in international format
(``+49 911 4711-0``): they are data, not formulas.
"""

from __future__ import annotations

import re

__all__ = ["neutralise_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number (German or English separators) or a phone number in international format.
_NUMBER = re.compile(r"^[+-]?\d[\d .,]*$|^\+\d[\d \-/().]*\d$")


def neutralise_cell(value: str | None) -> str | None:
    """``value`` made safe for a spreadsheet cell.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("+49 911 4711-0")
    '+49 911 4711-0'
    """
    if not value or not value.startswith(_FORMULA_START) or _NUMBER.match(value):
        return value
    return "'" + value
