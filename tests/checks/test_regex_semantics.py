"""The polars engine searches each suite regex as Python's ``re`` does (GX's pandas semantics),
on values whose line ends, anchors and characters are easy to get wrong, on every screen.

Python's ``$`` also matches before one final ``\\n`` (not before ``\\r\\n``, not before two);
Rust's only at the end. A screen that joins a column's rules (one alternation, byte lengths)
or checks it once per distinct value must flag exactly the rows the plain rule flags.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from workbench.checks import engine_polars, load_suite
from workbench.checks.runner import _plan
from workbench.checks.suites import resolve

PERIOD = ("2026-01", "2026-03")

TRICKY = [
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "A\n",
    "A \n",
    "A\t\n",
    "A \r\n",
    "A\n\n",
    " A",
    "A ",
    "A\nB",
    "A \nB",
    "beleg.pdf",
    "beleg.pdf\n",
    "beleg.pdf\n\n",
    "beleg.pdf\r\n",
    "beleg.PDF",
    "beleg.pdf ",
    "beleg.jpeg\n",
    "beleg.tif",
    "beleg.pdf.zip",
    "DE89370400440532013000",
    "DE89370400440532013000\n",
    "DE89370400440532013000\r\n",
    "DE123456789",
    "DE123456789\n",
    "COBADEFFXXX\n",
    "RE-2026/001",
    "RE 2026",
    "RE-2026\n",
    "4711",
    "4711\n",
    "Ä",
    "Müller & Söhne",
    "Brot\u00a0Laib",
    "Ã¼ber",
    "&#228;",
    "&auml;",
    "\\x41",
    "\\101",
    "\x1f",
    "\x7f",
    "\x85",
    "\ue000",
    "\ufffd",
    "\u2028",
    "€ 5",
    "x" * 36,
    "x" * 37,
    "ä" * 12,
    "ä" * 13,
    "ä" * 36,
    "ä" * 37,
    "😀" * 30,
    "😀" * 31,
]

#: The rules compared with Python's ``re`` and ``len``.
TEXT_RULES = (
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_value_lengths_to_be_between",
)
#: The suite's text columns with regex or length rules.
COLUMNS = sorted({e.column for e in load_suite("receipts").expectations if e.type in TEXT_RULES})


def python_rows(values: list[str | None], expectation, params) -> list[int]:
    """Rows that fail ``expectation`` by Python's ``re`` and ``len`` (nulls are skipped)."""
    kwargs = resolve(expectation.kwargs, params)
    out = []
    for row, value in enumerate(values):
        if value is None:
            continue
        if expectation.type == "expect_column_values_to_match_regex":
            bad = re.search(kwargs["regex"], value) is None
        elif expectation.type == "expect_column_values_to_not_match_regex":
            bad = re.search(kwargs["regex"], value) is not None
        else:  # expect_column_value_lengths_to_be_between
            low, high = kwargs.get("min_value"), kwargs.get("max_value")
            bad = (low is not None and len(value) < low) or (high is not None and len(value) > high)
        if bad:
            out.append(row)
    return out


@pytest.mark.parametrize("target", ["xml", "extf"])
@pytest.mark.parametrize("share", [0.0, 1.0])
@pytest.mark.parametrize("repeat", [1, 30])
def test_suite_regexes_flag_what_python_re_flags(target, share, repeat, settings, monkeypatch):
    """``share`` 0: no column counts as repetitive (alternation and length screens);
    1: every column does (checked once per distinct value). ``repeat`` makes values repeat."""
    monkeypatch.setattr(engine_polars, "REPEATED_SHARE", share)
    values = [*TRICKY, None] * repeat
    frame = pl.DataFrame(
        {column: values for column in COLUMNS}, schema=dict.fromkeys(COLUMNS, pl.String)
    )
    prepared, expectations, params = _plan(frame, load_suite("receipts"), settings, PERIOD, target)
    checked = [e for e in expectations if e.column in COLUMNS and e.type in TEXT_RULES]
    assert len(checked) > 40
    found = engine_polars.unexpected_rows(prepared, checked, params)
    for e in checked:
        got = sorted(found.get(e.index, []))
        # the prepared column: blank texts of required columns are missing, as for GX
        expected = python_rows(prepared[e.column].to_list(), e, params)
        assert got == expected, (e.index, e.type, e.column)
