"""Read CSV, Excel and JSON files into all-text tables that remember each row's place in the file.

Everything is read as text first; typed conversion (dates, amounts, accounts) happens in
``convert.py`` so that leading zeros survive and an unparseable value becomes a finding instead
of a dropped row. ``RawTable.rows`` holds the 1-based row a user sees: the line number in a CSV
file (header on line 1), the sheet row in Excel, the record number in JSON.
"""

from __future__ import annotations

import csv
import io
import json
import mmap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from workbench.errors import SourceError
from workbench.sources.encoding import decode_text, detect_encoding

__all__ = ["RawTable", "excel_sheets", "read_table"]

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


def _read_bytes(path: Path, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit`` only, if given), with a clear error."""
    try:
        with path.open("rb") as file:
            return file.read(limit)
    except FileNotFoundError:
        raise SourceError(
            f"Die Datei {path} wurde nicht gefunden. Prüfen Sie Pfad und Dateinamen.",
            file=path.name,
        ) from None
    except IsADirectoryError:
        raise SourceError(
            f"{path} ist ein Ordner, keine Datei. Geben Sie die Dateien darin an.", file=path.name
        ) from None
    except OSError as error:
        raise SourceError(
            f"Die Datei {path.name} kann nicht gelesen werden: {error.strerror}.", file=path.name
        ) from error


#: Encoding, delimiter and binary content are judged on the first 64 KiB.
_PROBE = 65536


def _line_count(path: Path) -> int:
    """Lines in the file (a last line without line break counts), counted without a copy."""
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        data = np.frombuffer(mapped, dtype=np.uint8)
        try:
            step = 1 << 22  # in slices: no temporary as large as the file
            breaks = sum(
                int(np.count_nonzero(data[i : i + step] == 0x0A)) for i in range(0, len(data), step)
            )
            return breaks + (0 if data[-1] == 0x0A else 1)
        finally:
            del data  # the mapping closes only without views on it


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


# --- CSV -----------------------------------------------------------------------------------------


def _reject_binary(path: Path, data: bytes, text: str) -> None:
    if data.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
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
    from_file = not whole and codec in ("utf-8", "utf-8-sig")
    utf8 = None
    if not from_file:
        codec, utf8 = _as_utf8(data if whole else _read_bytes(path))
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
            line_count = _line_count(path)
        except (OSError, ValueError):  # no memory map here: decode the file after all
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
    else:
        # Quoted line breaks, blank lines or ragged rows: walk the file to get true line numbers.
        if utf8 is None:
            codec, utf8 = _as_utf8(_read_bytes(path))
        frame, rows, notes = _python_csv(path, utf8.decode("utf-8"), separator, header_row)
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


def _python_csv(
    path: Path, text: str, separator: str, header_row: int
) -> tuple[pl.DataFrame, pl.Series, tuple[dict, ...]]:
    """Walk the file record by record: true line numbers, and every record that spans lines
    (a quoted value with line breaks) accounted for, see :func:`_spanning_record`."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=separator, quotechar='"')
    header: list[str] | None = None
    records: list[list[str | None]] = []
    starts: list[int] = []
    notes: list[dict] = []
    lines: list[str] | None = None
    line = 0
    try:
        for fields in reader:
            start, line = line + 1, reader.line_num
            if start < header_row:
                continue
            if header is None:
                header = fields
                continue
            if line > start:
                lines = lines or text.lstrip("\ufeff").split("\n")
                notes.extend(_spanning_record(path, fields, header, start, line, lines, separator))
            if not fields or all(not value.strip() for value in fields):
                continue  # blank line: nothing to lose
            if len(fields) > len(header):
                raise SourceError(
                    f"Die Datei {path.name}, Zeile {start} hat {len(fields)} Felder, die Kopfzeile "
                    f"aber nur {len(header)}. Prüfen Sie Trennzeichen und Anführungszeichen in "
                    f"dieser Zeile (Wert '{_shorten(fields[len(header)])}' in Feld "
                    f"{len(header) + 1}).",
                    file=path.name,
                    row=start,
                    value=fields[len(header)],
                )
            padded = [value if value != "" else None for value in fields]
            padded += [None] * (len(header) - len(fields))
            records.append(padded)
            starts.append(start)
    except csv.Error as error:
        raise SourceError(
            f"Die Datei {path.name} ist ab Zeile {reader.line_num} nicht lesbar: "
            f"{error}. Prüfen Sie die Anführungszeichen.",
            file=path.name,
            row=reader.line_num,
        ) from error
    if header is None:
        raise SourceError(f"Die Datei {path.name} hat keine Kopfzeile.", file=path.name, row=1)
    names = _unique(header)
    frame = pl.DataFrame(records, schema={name: pl.String for name in names}, orient="row")
    return frame, pl.Series("row", starts, dtype=pl.Int64), tuple(notes)


def _spanning_record(
    path: Path,
    fields: list[str],
    header: list[str],
    start: int,
    end: int,
    lines: list[str],
    separator: str,
) -> list[dict]:
    """A record over the lines ``start``..``end``: a value in quotes holds line breaks.

    When a line inside the quotes looks like a record of its own (as many separators as the
    header), a quote was opened by mistake and would swallow those records: that is a
    :class:`SourceError` naming the line where the quote opened. Otherwise the value really has
    line breaks: kept, and reported with its line range (a ``field.line_break`` warning).
    """
    inner = lines[start : end - 1] if end - 1 <= len(lines) else lines[start:]
    record_like = [
        number
        for number, text in enumerate(inner, start=start + 1)
        if text.count(separator) >= len(header) - 1
    ]
    spanning = [index for index, value in enumerate(fields) if "\n" in value or "\r" in value]
    index = spanning[0] if spanning else len(fields) - 1
    column = header[index] if index < len(header) else f"Feld {index + 1}"
    last_line = len(lines) - (1 if lines and lines[-1] == "" else 0)
    unclosed = end >= last_line and bool(fields) and fields[-1].endswith(("\n", "\r"))
    if record_like or unclosed:
        closes = (
            "das bis zum Dateiende nicht geschlossen wird"
            if unclosed
            else f"das erst in Zeile {end} schließt"
        )
        swallowed = (
            f"; die Zeilen {record_like[0]}–{end} sehen wie eigene Datensätze aus und gingen "
            f"sonst in diesem Wert verloren"
            if record_like
            else ""
        )
        raise SourceError(
            f"Die Datei {path.name}, Zeile {start}, Spalte '{column}': Ein Wert beginnt mit einem "
            f"Anführungszeichen, {closes}{swallowed}. Entfernen Sie das Anführungszeichen oder "
            f'verdoppeln Sie es ("") und laden Sie die Datei erneut.',
            file=path.name,
            row=start,
            column=column,
            value=_shorten(fields[index]) if index < len(fields) else None,
        )
    if not spanning:
        return []
    return [
        {
            "row": start,
            "source_column": header[index],
            "rule": "field.line_break",
            "severity": "warning",
            "value": fields[index],
            "expected": "Text ohne Zeilenumbruch",
            "message": (
                f"{path.name}, Zeilen {start}–{end}, Spalte '{header[index]}': Der Wert in "
                f"Anführungszeichen enthält Zeilenumbrüche und reicht über {end - start + 1} "
                f"Zeilen der Datei. Er wurde als ein Wert geladen; prüfen Sie, ob das so "
                f"gemeint ist."
            ),
        }
        for index in spanning
        if index < len(header)
    ]


def _shorten(value: str, limit: int = 80) -> str:
    """A value for a message, at most ``limit`` characters (a 100 MB field is shown short)."""
    return (
        value
        if len(value) <= limit
        else f"{value[:limit]}… ({len(value):,} Zeichen)".replace(",", ".")
    )


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for name in header:
        count = seen.get(name, 0)
        seen[name] = count + 1
        names.append(name if count == 0 else f"{name}_duplicated_{count - 1}")
    return names


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
    return SourceError(
        f"Die Datei {path.name} ist keine gültige Excel-Datei oder beschädigt "
        f"({type(error).__name__}). Öffnen und speichern Sie sie in Excel erneut.",
        file=path.name,
    )


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
