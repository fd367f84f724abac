"""Source cells as written in the file (``02.01.2026``, ``90,07``), next to what was loaded.

The canonical frame holds parsed values; people recognise their data by the text in the file.
:func:`read_again` reads a loaded file once more exactly as the loader did (same sheet, header
row and delimiter); :class:`RawCells` keeps those tables per file and answers single cells by
row and header, for previews and reports that show a page at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from workbench.sources.einvoice.loader import FORMATS as EINVOICE_FORMATS
from workbench.sources.einvoice.loader import read_written
from workbench.sources.loader import SourceInfo
from workbench.sources.readers import RawTable, read_table

__all__ = ["RawCells", "read_again"]


def read_again(path: str | Path, info: SourceInfo) -> RawTable:
    """The file behind ``info`` as text, with the rows a user sees (``RawTable.rows``).

    An e-invoice (XML, or a ZUGFeRD PDF) is no table: its rows are its records' element lines
    and its columns the XPaths ``info.mapped`` names (:func:`~workbench.sources.einvoice.
    read_written`).
    """
    if info.format in EINVOICE_FORMATS and info.kind in ("invoices", "positions"):
        return read_written(path)
    return read_table(
        Path(path),
        sheet=info.sheet,
        header_row=info.header_row,
        delimiter=info.delimiter if info.format == "csv" else None,
    )


class RawCells:
    """Cells of loaded files as written: ``cells.text("belege.csv", 17, "Amount")``.

    ``paths`` maps file names (``SourceInfo.file``) to their paths; tables are read on first
    use. A file with several sheets (invoices and positions) is looked up by sheet.
    """

    def __init__(self, paths: Mapping[str, Path], infos: tuple[SourceInfo, ...]) -> None:
        self.paths = dict(paths)
        self.infos = infos
        self._tables: dict[tuple[str, str | None], RawTable | None] = {}

    def _table(self, info: SourceInfo) -> RawTable | None:
        key = (info.file, info.sheet)
        if key not in self._tables:
            path = self.paths.get(info.file)
            self._tables[key] = read_again(path, info) if path is not None else None
        return self._tables[key]

    def text(
        self, file: str, row: int | None, header: str | None, *, kind: str | None = None
    ) -> str | None:
        """The text of ``header`` in ``row`` of ``file`` (``kind`` picks the sheet's role)."""
        if row is None or header is None:
            return None
        for info in self.infos:
            if info.file != file or (kind is not None and info.kind != kind):
                continue
            table = self._table(info)
            if table is None or header not in table.frame.columns:
                continue
            # rows increase through the file: a binary search finds the line
            at = int(table.rows.search_sorted(int(row)))
            if at < table.rows.len() and table.rows[at] == int(row):
                return table.frame[header][at]
        return None

    def is_document(self, file: str) -> bool:
        """Is ``file`` an e-invoice? A value it lacks came from elsewhere in the XML (an
        allowance or charge as a position), where a table's missing value is an empty cell."""
        return any(info.file == file and info.format in EINVOICE_FORMATS for info in self.infos)

    def column(self, frame: pl.DataFrame, *, file: str, header: str) -> list[str | None]:
        """The texts of ``header`` for the ``source_row`` of each row of ``frame``."""
        return [self.text(file, row, header) for row in frame["source_row"].to_list()]
