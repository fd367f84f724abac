"""Excel sheets people can work with: typed, German-formatted, filterable, safe to open.

Written with openpyxl in write-only mode (rows stream to disk, so a sheet of a million cells
does not sit in memory as objects). Every sheet gets a bold, frozen header row with filters.
Numbers carry Excel number formats (``#,##0.00``, ``DD.MM.YYYY``): Excel shows them in the
reader's locale, ``1.234,56`` and ``31.01.2026`` in a German one.

Safety: every text is written as a text cell (``inlineStr``), never as a formula, and a text
that Excel would take for a formula when edited (``=``, ``+``, ``-``, ``@``, tab, CR; the
workbench's one rule in :mod:`workbench.spreadsheets`, which leaves numbers and phone numbers
alone) also gets the quote prefix, so it stays text. The xlsx way of that rule is the quote
prefix, not an apostrophe in the text. Control characters Excel cannot store are shown as
``[U+0007]``.

>>> book = new_workbook()  # doctest: +SKIP
>>> write_table(book, "Befunde", ["Datei", "Zeile"], [["a.csv", 2]])  # doctest: +SKIP
>>> book.save("bericht.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from workbench.spreadsheets import neutralise_cell

__all__ = [
    "AMOUNT_FORMAT",
    "COUNT_FORMAT",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "SEVERITY_FILLS",
    "Styled",
    "cell",
    "new_workbook",
    "safe_sheet_title",
    "text_cell",
    "write_table",
]

AMOUNT_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"

#: Fills that read right: errors red, warnings amber, Hinweise blue (Excel's own light tones).
SEVERITY_FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_BOLD = Font(bold=True)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class Styled(NamedTuple):
    """A value with its look, for rows given to :func:`write_table`.

    ``severity`` colours the cell (errors red, warnings amber, Hinweise blue); ``text`` forces a
    text cell for values that look like numbers but are not (account numbers, ZIP codes).
    """

    value: object
    severity: str | None = None
    comment: str | None = None
    number_format: str | None = None
    text: bool = False
    bold: bool = False


def new_workbook() -> Workbook:
    """An empty write-only workbook (add sheets with :func:`write_table`)."""
    return Workbook(write_only=True)


def _visible(text: str) -> str:
    return _ILLEGAL.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


def text_cell(sheet: Worksheet, value: object, **style: Any) -> Cell:
    """``value`` as a text cell that Excel never evaluates (see module docstring)."""
    text = _visible(str(value))
    made = WriteOnlyCell(sheet, value=text)
    made.data_type = "s"  # openpyxl would type "=…" as a formula
    if neutralise_cell(text) != text:  # formula-like: text also when edited in Excel
        made.quotePrefix = True
    _style(made, **style)
    return made


def cell(
    sheet: Worksheet, value: object, *, number_format: str | None = None, **style: Any
) -> Cell:
    """A typed cell: numbers and dates with a German-readable format, text as :func:`text_cell`."""
    if value is None:
        made = WriteOnlyCell(sheet, value=None)
    elif isinstance(value, bool):
        return text_cell(sheet, "ja" if value else "nein", **style)
    elif isinstance(value, int | float):
        made = WriteOnlyCell(sheet, value=value)
        made.number_format = number_format or (
            COUNT_FORMAT if isinstance(value, int) else AMOUNT_FORMAT
        )
    elif isinstance(value, dt.datetime):
        made = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        made.number_format = number_format or DATETIME_FORMAT
    elif isinstance(value, dt.date):  # a day: midnight, shown as a date
        made = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
        made.number_format = number_format or DATE_FORMAT
    else:
        return text_cell(sheet, value, **style)
    _style(made, **style)
    return made


def _style(
    made: Cell,
    *,
    fill: PatternFill | None = None,
    bold: bool = False,
    comment: str | None = None,
    wrap: bool = False,
) -> None:
    if fill is not None:
        made.fill = fill
    if bold:
        made.font = _BOLD
    if comment:
        made.comment = Comment(_visible(comment)[:2000], "DATEV-Workbench", width=320, height=120)
    if wrap:
        made.alignment = Alignment(wrap_text=True, vertical="top")


def safe_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A sheet title Excel accepts (31 characters, no ``[]:*?/\\``), unique among ``taken``."""
    base = _SHEET_FORBIDDEN.sub("_", title).strip("'") or "Blatt"
    used = {name.lower() for name in taken}
    candidate, number = base[:31], 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    return candidate


def _made(sheet: Worksheet, value: object) -> Cell:
    if not isinstance(value, Styled):
        return cell(sheet, value)
    style = {
        "fill": SEVERITY_FILLS.get(value.severity or ""),
        "comment": value.comment,
        "bold": value.bold,
    }
    if value.text and value.value is not None:
        return text_cell(sheet, value.value, **style)
    return cell(sheet, value.value, number_format=value.number_format, **style)


def write_table(
    book: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    widths: Sequence[float] | None = None,
    preamble: Sequence[Sequence[object]] = (),
) -> Worksheet:
    """A sheet: optional ``preamble`` lines, then a frozen, filterable header and ``rows``.

    Row values are plain (typed by :func:`cell`) or :class:`Styled` for colour and comments.
    """
    sheet = book.create_sheet(safe_sheet_title(title, book.sheetnames))
    for index, width in enumerate(widths or (), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = len(preamble) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    for line in preamble:
        sheet.append([cell(sheet, value, bold=index == 0) for index, value in enumerate(line)])
    sheet.append([text_cell(sheet, name, bold=True, fill=_HEADER_FILL) for name in headers])
    count = 0
    for row in rows:
        sheet.append([_made(sheet, value) for value in row])
        count += 1
    last = get_column_letter(max(len(headers), 1))
    sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + count}"
    return sheet
