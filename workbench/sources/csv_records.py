"""The careful CSV reader: record by record with Python's csv module, true line numbers, and
every physical line accounted for.

The fast path (polars) is used when the file has one record per line; otherwise (quoted line
breaks, blank lines, ragged rows) this walker gives each record the line it starts on and
reports every record that spans lines: a value with a genuine line break is kept and noted, a
quote that would swallow lines which look like records of their own is a :class:`SourceError`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from workbench.errors import SourceError

__all__ = ["read_records", "shorten"]


def read_records(
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
            if len(fields) > len(header) and not records and len(fields) >= 2 * len(header):
                raise _title_row(path, header, fields, header_row, start)
            if len(fields) > len(header):
                raise SourceError(
                    f"Die Datei {path.name}, Zeile {start} hat {len(fields)} Felder, die Kopfzeile "
                    f"aber nur {len(header)}. Prüfen Sie Trennzeichen und Anführungszeichen in "
                    f"dieser Zeile (Wert '{shorten(fields[len(header)])}' in Feld "
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


def _title_row(
    path: Path, title: list[str], fields: list[str], header_row: int, start: int
) -> SourceError:
    """The "header" has far fewer fields than the first record: it is a title above the header
    (an export's "Belegliste Januar 2026"), not a broken separator."""
    text = " ".join(value.strip() for value in title if value.strip())
    return SourceError(
        f"Die Datei {path.name}: Zeile {header_row} ('{shorten(text)}') hat {len(title)} "
        f"Feld{'er' if len(title) != 1 else ''}, Zeile {start} aber {len(fields)}: Zeile "
        f"{header_row} ist wohl eine Titelzeile über den Spaltenüberschriften. Löschen Sie sie "
        f"(und alles darüber), sodass die Überschriften in Zeile 1 stehen, oder legen Sie in "
        f"einem eigenen Profil header_row = {start} fest.",
        file=path.name,
        row=header_row,
        value=text,
    )


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
    # the lines after the opening one, the closing one included: a quote closed in the middle
    # of a line that holds a whole record still swallowed that record
    inner = lines[start:end]
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
            value=shorten(fields[index]) if index < len(fields) else None,
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


def shorten(value: str, limit: int = 80) -> str:
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
