"""The Abgleich as an Excel workbook: differences first, then the per-account table.

Amounts are numbers with Excel's ``#,##0.00`` format (a German Excel shows ``1.234,56``), Soll
positive; every text goes through the workbench's formula-injection rule
(:func:`workbench.spreadsheets.neutralise_cell`), so a Belegfeld or a caption starting with
``=`` stays text.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.reconcile.tables import KIND_LABELS
from workbench.spreadsheets import neutralise_cell

if TYPE_CHECKING:
    from workbench.reconcile import Reconciliation

__all__ = ["write_reconciliation"]

_DIFFERENCES = ("Art", "Belegfeld 1", "Konto", "gesendet", "gebucht", "Quelle", "Zeile", "Meldung")
_ACCOUNTS = ("Konto", "Bezeichnung", "Quelle", "gesendet", "gebucht")


def _text(value: Any) -> Any:
    return neutralise_cell(value) if isinstance(value, str) else value


def _euros(cents: int | None) -> float | None:
    return None if cents is None else round(cents / 100, 2)


def write_reconciliation(result: Reconciliation, path: Path) -> Path:
    """Write ``Abweichungen`` and ``Konten`` sheets to ``path`` (xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet("Abweichungen")
    sheet.append(_DIFFERENCES)
    for row in result.differences.iter_rows(named=True):
        sheet.append(
            [
                _text(KIND_LABELS.get(row["kind"], row["kind"])),
                _text(row["belegfeld1"]),
                _text(row["account"]),
                _euros(row["sent"]),
                _euros(row["booked"]),
                _text(row["source"]),
                row["row"],
                _text(row["message"]),
            ]
        )
    accounts = book.create_sheet("Konten")
    accounts.append(_ACCOUNTS)
    for row in result.accounts.iter_rows(named=True):
        accounts.append(
            [
                _text(row["account"]),
                _text(row["name"]),
                _euros(row["source"]),
                _euros(row["sent"]),
                _euros(row["booked"]),
            ]
        )
    for table, amounts in ((sheet, "DE"), (accounts, "CDE")):
        for cell in table[1]:
            cell.font = Font(bold=True)
        table.freeze_panes = "A2"
        table.auto_filter.ref = table.dimensions
        for column in amounts:
            for cell in table[column][1:]:
                cell.number_format = "#,##0.00"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
