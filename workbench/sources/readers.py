"""Read CSV, Excel and JSON files into all-text tables that remember each row's place in the file.

Everything is read as text first; typed conversion (dates, amounts, accounts) happens in
``convert.py`` so that leading zeros survive and an unparseable value becomes a finding instead
of a dropped row. ``RawTable.rows`` holds the 1-based row a user sees: the line number in a CSV
file (header on line 1), the sheet row in Excel, the record number in JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.errors import SourceError
from workbench.sources.csv_records import read_records
from workbench.sources.encoding import decode_text, detect_encoding
from workbench.sources.rawfile import read_bytes as _read_bytes

__all__ = ["RawTable", "excel_sheets", "read_headers", "read_table", "unnamed"]

_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_DELIMITERS = (";", ",", "\t", "|")


@dataclass(frozen=True)
class RawTable:
    """A source table as text: headers, values (all ``pl.String``) and the row numbers."""

    file: str
    frame: pl.DataFrame
    rows: pl.Series
    encoding: str | None = None
    sheet: str | None = None
    format: str = "csv"
    #: What the reader noticed about single rows (header name -> finding fields), e.g. a value
    #: whose quotes span several lines; the loader turns them into findings.
    notes: tuple[dict, ...] = ()

    @property
    def headers(self) -> list[str]:
        return self.frame.columns


def unnamed(header: str) -> bool:
    """Whether a column had no heading: an empty cell in the header row (named so by the CSV
    reader: ``""``, ``_duplicated_0``; by the Excel reader: ``__UNNAMED__5``)."""
    return not header.strip() or bool(re.fullmatch(r"_duplicated_\d+|__UNNAMED__\d+", header))


#: Encoding, delimiter and binary content are judged on the first 64 KiB.
_PROBE = 65536


def _line_count(path: Path) -> int:
    """Lines in the file (a last line without line break counts), counted by polars' row
    counter with quotes off (each line break ends a line, whatever is around it): parallel,
    no copy of the file, and no numpy to import for it."""
    lines = pl.scan_csv(
        path, has_header=False, quote_char=None, separator="\x1f", infer_schema=False, glob=False
    )
    return int(lines.select(pl.len()).collect().item())


def read_table(
    path: str | Path, *, sheet: str | None = None, header_row: int = 1, delimiter: str | None = None
) -> RawTable:
    """Read one file as text; raises :class:`SourceError` with file, row and cause when it can't.

    >>> read_table("data/samples/receipts_canonical.csv").headers[:2]  # doctest: +SKIP
    ['document_id', 'item_id']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(path, sheet=sheet, header_row=header_row)
    # a large regular file is read in full only if it is not UTF-8 (polars maps it itself);
    # anything else (small files, pipes) is read once, whole
    large = path.is_file() and path.stat().st_size > _PROBE
    data = _read_bytes(path, _PROBE + 1 if large else -1)
    if not data.strip() and (not large or not _read_bytes(path).strip()):
        raise SourceError(
            f"Die Datei {path.name} ist leer. Exportieren Sie die Daten erneut.", file=path.name
        )
    if suffix == ".json":
        return _read_json(path, _read_bytes(path) if large else data)
    return _read_csv(path, data, whole=not large, header_row=header_row, delimiter=delimiter)


def read_headers(path: str | Path, *, sheet: str | None = None, header_row: int = 1) -> list[str]:
    """The column names :func:`read_table` finds in ``path``, read from the first 64 KiB of a
    large CSV file only: recognising a profile needs the header, not a million rows.

    Whatever the start of the file cannot settle (a header longer than that, a quoted value cut
    at its end) is left to :func:`read_table` on the whole file, with its messages.

    >>> read_headers("data/samples/receipts_canonical.csv")[:2]  # doctest: +SKIP
    ['document_id', 'item_id']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    large = suffix not in _EXCEL_SUFFIXES | {".json"} and path.is_file()
    if large and path.stat().st_size > _PROBE:
        data = _read_bytes(path, _PROBE)
        codec, skip = detect_encoding(data, assume_utf8=True)
        text = data[skip:].decode(codec, errors="replace")
        head = text[: text.rfind("\n") + 1]  # whole lines only
        if head.count("\n") > header_row:  # the header and a line after it
            try:
                table = _read_csv(
                    path, head.encode("utf-8"), whole=True, header_row=header_row, delimiter=None
                )
                return table.headers
            except SourceError:
                pass  # the whole file says what is wrong
    return read_table(path, sheet=sheet, header_row=header_row).headers


# --- CSV -----------------------------------------------------------------------------------------


def _reject_binary(path: Path, data: bytes, text: str) -> None:
    if data.startswith(b"%PDF"):
        raise SourceError(
            f"Die Datei {path.name} ist ein PDF-Dokument, keine Tabelle. Wählen Sie den Export "
            f"als CSV oder Excel; ein PDF-Beleg gehört als Belegbild zu seiner Position.",
            file=path.name,
        )
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SourceError(
            f"Die Datei {path.name} ist keine Textdatei (CSV), sondern ein Binärformat "
            f"(Excel, PDF oder ZIP). Speichern Sie sie als CSV oder geben Sie eine .xlsx-Datei an.",
            file=path.name,
        )
    sample = text[:8192]
    controls = sum(1 for char in sample if char < " " and char not in "\r\n\t")
    if "\x00" in sample or controls > len(sample) // 20:
        raise SourceError(
            f"Die Datei {path.name} enthält Binärdaten und ist keine lesbare CSV-Datei. "
            f"Prüfen Sie, ob die richtige Datei gewählt wurde.",
            file=path.name,
        )


def _sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ";"


def _read_csv(
    path: Path, data: bytes, *, whole: bool, header_row: int, delimiter: str | None
) -> RawTable:
    """``data``: the whole file, or (not ``whole``) its first bytes. A large UTF-8 file (the usual
    case) is parsed by polars from the file itself; everything else goes to polars as UTF-8
    bytes, decoded in full."""
    codec, skip = detect_encoding(data, assume_utf8=True)
    # judged on the first bytes before anything is read whole: a 2 GB file of zeros is
    # rejected here, not after reading it into memory
    _reject_binary(path, data[skip:], data[skip:_PROBE].decode(codec, errors="replace"))
    # old Mac exports end lines with a bare CR: read whole and made LF below
    bare_cr = b"\r" in data and b"\n" not in data
    from_file = not whole and codec in ("utf-8", "utf-8-sig") and not bare_cr
    utf8 = None
    if not from_file:
        codec, utf8 = _as_utf8(data if whole else _read_bytes(path))
        if bare_cr:
            utf8 = utf8.replace(b"\r", b"\n")
    probe = (data if utf8 is None else utf8)[:_PROBE].decode("utf-8", errors="replace")
    _reject_binary(path, data[skip:], probe)
    lines = probe.lstrip("\ufeff").splitlines()
    if len(lines) < header_row:
        raise SourceError(
            f"Die Datei {path.name} hat keine Kopfzeile in Zeile {header_row}.",
            file=path.name,
            row=header_row,
        )
    separator = delimiter or _sniff_delimiter(lines[header_row - 1])
    if utf8 is None:
        try:  # resolved: polars would read "~/..." from the home folder
            frame, invalid_utf8 = _polars_csv(path.resolve(), separator, header_row)
            line_count = _line_count(path.resolve()) if frame is not None else 0
        except (OSError, ValueError, pl.exceptions.PolarsError):  # read the bytes after all
            frame, invalid_utf8 = None, True
        if invalid_utf8:
            # Not UTF-8 after all (detection only looked at the start): decode it in full.
            codec, utf8 = _as_utf8(_read_bytes(path))
    if utf8 is not None:
        frame, _ = _polars_csv(utf8, separator, header_row)
        line_count = utf8.count(b"\n") + (0 if utf8.endswith(b"\n") else 1)
    notes: tuple[dict, ...] = ()
    if frame is not None and line_count == header_row + frame.height:
        rows = pl.int_range(
            header_row + 1, header_row + 1 + frame.height, eager=True, dtype=pl.Int64
        )
        # a blank line (or one of separators only) holds nothing to lose, as in the careful
        # reader: it is no row (only a row whose first cell is empty can be one)
        if frame.width and frame.to_series(0).null_count():
            filled = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
            if not filled.all():
                frame, rows = frame.filter(filled), rows.filter(filled)
    else:
        # Quoted line breaks, blank lines or ragged rows: walk the file to get true line numbers.
        if utf8 is None:
            codec, utf8 = _as_utf8(_read_bytes(path))
        frame, rows, notes = read_records(path, utf8.decode("utf-8"), separator, header_row)
    if frame.width == 0 or not any(name.strip() for name in frame.columns):
        raise SourceError(
            f"Die Datei {path.name} hat keine Kopfzeile.", file=path.name, row=header_row
        )
    if frame.height == 0:
        raise SourceError(
            f"Die Datei {path.name} enthält nur die Kopfzeile und keine Datenzeilen.",
            file=path.name,
            row=header_row + 1,
        )
    return RawTable(
        file=path.name,
        frame=_clean_header(frame),
        rows=rows.alias("row"),
        encoding=codec,
        format="csv",
        notes=notes,
    )


def _as_utf8(data: bytes) -> tuple[str, bytes]:
    """The encoding of the whole ``data`` and its text as UTF-8 without byte order mark."""
    decoded = decode_text(data)
    return decoded.encoding, decoded.text.lstrip("\ufeff").encode("utf-8")


def _polars_csv(
    source: bytes | Path, separator: str, header_row: int
) -> tuple[pl.DataFrame | None, bool]:
    """Parse UTF-8 text or a UTF-8 file (polars skips a byte order mark) with polars;
    ``(None, False)`` when the layout needs the careful Python reader."""
    try:
        frame = pl.read_csv(
            source,
            separator=separator,
            has_header=True,
            skip_rows=header_row - 1,
            infer_schema=False,
            quote_char='"',
            raise_if_empty=False,
            glob=False,
        )  # "Belege [Jan].csv" is a name
    except pl.exceptions.ComputeError as error:
        return None, "utf-8" in str(error).lower()
    except pl.exceptions.PolarsError:
        return None, False
    return frame, False


def _clean_header(frame: pl.DataFrame) -> pl.DataFrame:
    """Header names without surrounding spaces or byte order marks (a file saved twice with a
    BOM keeps the second one in its first name)."""
    renames = {name: name.replace("\ufeff", "").strip() for name in frame.columns}
    renames = {old: new for old, new in renames.items() if old != new}
    return frame.rename(renames) if renames else frame


# --- Excel ---------------------------------------------------------------------------------------


def excel_sheets(path: str | Path) -> list[str]:
    """The sheet names of an Excel file."""
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as error:
        raise _broken_excel(Path(path), error) from error


def _broken_excel(path: Path, error: Exception) -> SourceError:
    if not path.exists():
        return SourceError(
            f"Die Datei {path} wurde nicht gefunden. Prüfen Sie Pfad und Dateinamen.",
            file=path.name,
        )
    if _encrypted_office_file(path):
        return SourceError(
            f"Die Excel-Datei {path.name} ist verschlüsselt (kennwortgeschützt). Heben Sie den "
            f"Kennwortschutz in Excel auf (Datei > Informationen > Arbeitsmappe schützen) und "
            f"speichern Sie sie erneut.",
            file=path.name,
        )
    return SourceError(
        f"Die Datei {path.name} ist keine gültige Excel-Datei oder beschädigt "
        f"({type(error).__name__}). Öffnen und speichern Sie sie in Excel erneut.",
        file=path.name,
    )


def _encrypted_office_file(path: Path) -> bool:
    """Excel saves a password-protected workbook as an OLE compound file (not a ZIP) holding
    the streams ``EncryptionInfo`` and ``EncryptedPackage`` (MS-OFFCRYPTO 2.3.4)."""
    if not _read_bytes(path, 8).startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return False
    # the directory may sit anywhere in the compound file: look through it (only on failure)
    return "EncryptedPackage".encode("utf-16-le") in _read_bytes(path, 1 << 28)


def _first_used_row(path: Path, sheet: str) -> int:
    """Sheet row of the first non-empty cell: calamine numbers its rows from there."""
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return 1
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for number, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            if any(value is not None and value != "" for value in values):
                return number
        return 1
    finally:
        workbook.close()


def _read_excel(path: Path, *, sheet: str | None, header_row: int) -> RawTable:
    import fastexcel

    _read_bytes(path, 1)  # same clear message for missing or unreadable files as for CSV
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as error:
        raise _broken_excel(path, error) from error
    names = list(reader.sheet_names)
    name = sheet or names[0]
    if name not in names:
        raise SourceError(
            f"Die Excel-Datei {path.name} hat kein Blatt '{name}'. Vorhandene Blätter: "
            f"{', '.join(names)}. Benennen Sie das Blatt um oder wählen Sie ein anderes Profil.",
            file=path.name,
        )
    first = _first_used_row(path, name)
    skip = max(header_row - first, 0)
    try:
        loaded = reader.load_sheet(name, header_row=skip, dtypes="string")
        frame = loaded.to_polars()
    except Exception as error:
        raise SourceError(
            f"Das Blatt '{name}' der Datei {path.name} kann nicht gelesen werden: {error}",
            file=path.name,
        ) from error
    if frame.width == 0:
        raise SourceError(f"Das Blatt '{name}' der Datei {path.name} ist leer.", file=path.name)
    header_at = first + skip
    non_empty = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    rows = pl.int_range(header_at + 1, header_at + 1 + frame.height, eager=True, dtype=pl.Int64)
    frame, rows = frame.filter(non_empty), rows.filter(non_empty)
    if frame.height == 0:
        raise SourceError(
            f"Das Blatt '{name}' der Datei {path.name} enthält keine Datenzeilen.",
            file=path.name,
            row=header_at + 1,
        )
    frame = _normalise_excel_text(frame)
    return RawTable(
        file=path.name,
        frame=_clean_header(frame),
        rows=rows.alias("row"),
        sheet=name,
        format="excel",
    )


def _normalise_excel_text(frame: pl.DataFrame) -> pl.DataFrame:
    # calamine writes date cells as "2026-01-31 00:00:00"; a midnight time is noise for a date.
    return frame.with_columns(
        pl.col(pl.String).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1")
    )


# --- JSON ----------------------------------------------------------------------------------------


def _read_json(path: Path, data: bytes) -> RawTable:
    decoded = decode_text(data)
    try:
        document = json.loads(decoded.text)
    except RecursionError:
        raise SourceError(
            f"Die JSON-Datei {path.name} ist zu tief verschachtelt, um sie zu lesen; erwartet "
            f"wird eine Liste von Datensätzen (Objekten).",
            file=path.name,
        ) from None
    except json.JSONDecodeError as error:
        raise SourceError(
            f"Die Datei {path.name} ist kein gültiges JSON: Zeile {error.lineno}, "
            f"Spalte {error.colno}: {error.msg}.",
            file=path.name,
            row=error.lineno,
        ) from error
    records = document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) != 1:
            raise SourceError(
                f"Die JSON-Datei {path.name} muss eine Liste von Datensätzen oder ein "
                f"Objekt mit genau einer solchen Liste enthalten.",
                file=path.name,
            )
        records = lists[0]
    if not isinstance(records, list) or not records:
        raise SourceError(f"Die JSON-Datei {path.name} enthält keine Datensätze.", file=path.name)
    columns: dict[str, None] = {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise SourceError(
                f"Die JSON-Datei {path.name}, Datensatz {number} ist kein Objekt, "
                f"sondern {type(record).__name__}.",
                file=path.name,
                row=number,
            )
        columns.update(dict.fromkeys(record))
    table = {name: [_json_text(record.get(name)) for record in records] for name in columns}
    frame = pl.DataFrame(table, schema={name: pl.String for name in columns})
    rows = pl.int_range(1, len(records) + 1, eager=True, dtype=pl.Int64).alias("row")
    return RawTable(
        file=path.name, frame=frame, rows=rows, encoding=decoded.encoding, format="json"
    )


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
