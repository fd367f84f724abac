"""EXTF (DATEV-Format CSV): Buchungsstapel and Debitoren/Kreditoren, read and write.

Layout (FACTS §7, developer.datev.de ``/datev/platform/en/dtvf``): line 1 is the 31-field
header, line 2 the column names, then one line per record; ``;`` separator, CRLF line ends,
decimal comma, text in ``"…"`` with inner quotes doubled. Files are Windows-1252 unless they
start with a BOM (DATEV's import detects UTF-8/UTF-16 by BOM only, FACTS §4).

Writing is vectorised: every column is validated and formatted with polars expressions, and
each line is one expression, rendered and written by polars' streaming engine. A value that
breaks a field rule never reaches a file: the writer raises ``DatevFormatError`` for the first
offending record; ``validate_bookings`` reports all of them as findings instead.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from workbench.datev.extf_fields import ExtfField, ExtfFormat
from workbench.datev.extf_header import (
    ENCODINGS,
    LINE_END,
    SEPARATOR,
    ExtfHeader,
    check_header,
    format_header,
)
from workbench.datev.extf_read import ExtfFile, read_extf
from workbench.datev.fields import Context, rule_for_message
from workbench.datev.limits import MAX_EXTF_POSTINGS as MAX_POSTINGS
from workbench.errors import DatevFormatError

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "ExtfFile",
    "ExtfHeader",
    "MAX_POSTINGS",
    "read_extf",
    "signed_to_debit_credit",
    "split_by_period",
    "validate_bookings",
    "write_extf",
    "write_extf_files",
]


def _context(header: ExtfHeader, encoding: str) -> Context:
    # TTMM dates take their year from Datum vom; files without a period fall back to WJ-Beginn.
    start = header.date_from or header.fiscal_year_start
    return Context(account_length=header.account_length, date_from=start, encoding=encoding)


def _check_columns(frame: pl.DataFrame, header: ExtfHeader) -> list[str]:
    """Reject unknown or nested columns; return required fields that have no column."""
    fmt = header.format
    known = set(fmt.names)
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise DatevFormatError(
            f"Spalte '{unknown[0]}' ist kein Feld des DATEV-Formats '{fmt.name}'. Bitte benennen "
            "Sie die Spalten mit den DATEV-Feldnamen (z. B. 'Umsatz (ohne Soll/Haben-Kz)').",
            column=unknown[0],
        )
    for name, dtype in frame.schema.items():
        if dtype == pl.Object or isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
            raise DatevFormatError(
                f"Spalte '{name}' hat den Datentyp {dtype}; erwartet werden Text, Zahl oder Datum.",
                column=name,
            )
    return [f.name for f in fmt.fields if f.required and f.name not in frame.columns]


def _checks(
    frame: pl.DataFrame, header: ExtfHeader, f: ExtfField
) -> tuple[pl.Expr, list[tuple[pl.Expr, str]]]:
    """A present field's prepared value and its checks beyond the field type (condition,
    reason): unparseable, required, outside the period."""
    raw = pl.col(f.name)
    value = f.type.prepare(raw, frame.schema[f.name])
    checks = [(raw.is_not_null() & value.is_null(), "hat kein gültiges Format")]
    if f.required:
        checks.append((raw.is_null(), "ist ein Pflichtfeld und leer"))
    if header.format.has_period and f.name == "Belegdatum" and header.date_from and header.date_to:
        span = f"{header.date_from:%d.%m.%Y}–{header.date_to:%d.%m.%Y}"
        outside = (value < pl.lit(header.date_from)) | (value > pl.lit(header.date_to))
        checks.append((outside, f"liegt außerhalb des Zeitraums Datum vom/bis ({span})"))
    return value, checks


def _present(frame: pl.DataFrame, header: ExtfHeader) -> list[ExtfField]:
    return [f for f in header.format.fields if f.name in frame.columns]


def _rules(frame: pl.DataFrame, header: ExtfHeader, ctx: Context, *, detail: bool) -> list[pl.Expr]:
    """Per present field: the reason a value is invalid (String or null) with ``detail``,
    else a cheap boolean "is invalid" used to find the few rows that need the reason."""
    exprs = []
    for f in _present(frame, header):
        value, checks = _checks(frame, header, f)
        if detail:
            expr: Then | ChainedThen = pl.when(checks[0][0]).then(pl.lit(checks[0][1]))
            for condition, reason in checks[1:]:
                expr = expr.when(condition).then(pl.lit(reason))
            exprs.append(expr.otherwise(f.type.problem(value, ctx)).alias(f.name))
        else:
            bad = pl.any_horizontal([c for c, _ in checks]).fill_null(False)
            exprs.append((bad | ~f.type.valid(value, ctx).fill_null(True)).alias(f.name))
    return exprs


def _clean(frame: pl.DataFrame, header: ExtfHeader, ctx: Context) -> list[pl.Expr]:
    """Per present field one boolean for the whole frame: every value is valid and, for a
    quoted field, holds no ``"``. False means an invalid value or a quote to double."""
    exprs = []
    for f in _present(frame, header):
        value, checks = _checks(frame, header, f)
        bad = pl.any_horizontal([c for c, _ in checks]).fill_null(False)
        quote_free = f.type.valid_without_quote if f.type.quoted else f.type.valid
        valid = quote_free(value, ctx)
        exprs.append((~bad & valid.fill_null(True)).all().alias(f.name))
    return exprs


def _reasons(frame: pl.DataFrame, header: ExtfHeader, ctx: Context) -> pl.DataFrame:
    """Reasons (String or null) per present field, for the rows that fail the cheap check only;
    ``_row`` holds their index in ``frame``."""
    exprs = _rules(frame, header, ctx, detail=False)
    if not exprs:
        return pl.DataFrame({"_row": []}, schema={"_row": pl.UInt32})
    failing = frame.with_row_index("_row").filter(pl.any_horizontal(exprs))
    return failing.select(pl.col("_row"), *_rules(frame, header, ctx, detail=True))


def _value_text(frame: pl.DataFrame, name: str, row: int) -> str:
    value = frame[name][row]
    return "" if value is None else str(value)


def validate_bookings(
    frame: pl.DataFrame, header: ExtfHeader, *, encoding: str = "cp1252"
) -> pl.DataFrame:
    """All violations as findings: ``row`` (0-based), ``field``, ``value``, ``message``, ``rule``.

    Example: ``validate_bookings(bookings, header).filter(pl.col("field") == "Belegfeld 1")``
    """
    missing = _check_columns(frame, header)
    reasons = _reasons(frame, header, _context(header, encoding))
    parts = [
        pl.DataFrame(
            {"row": [None], "field": [name], "value": [None], "message": ["Pflichtfeld fehlt"]},
            schema={"row": pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String},
        )
        for name in missing
    ]
    for name in reasons.columns[1:]:
        hits = reasons.select(
            pl.col("_row").alias("row"), pl.col(name).alias("message")
        ).drop_nulls()
        if hits.height == 0:
            continue
        rows = hits["row"].cast(pl.Int64)
        values = frame[name].cast(pl.String, strict=False).gather(rows).alias("value")
        parts.append(
            pl.DataFrame(
                [
                    rows.alias("row"),
                    pl.Series("field", [name] * hits.height),
                    values,
                    hits["message"],
                ]
            )
        )
    schema = {"row": pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String}
    if not parts:
        return pl.DataFrame(schema=schema).with_columns(pl.lit(None, dtype=pl.String).alias("rule"))
    findings = pl.concat([p.cast(schema) for p in parts]).sort("row", nulls_last=False)  # type: ignore[arg-type]
    return findings.with_columns(rule_for_message(pl.col("message")).alias("rule"))


_CHECK_ROWS = 100_000


def _raise_first(frame: pl.DataFrame, header: ExtfHeader, ctx: Context) -> frozenset[str]:
    """Raise ``DatevFormatError`` for the first invalid booking; else return the quoted
    columns with a ``"`` in some value (the only ones whose quotes the writer must double).

    Most frames are clean: one boolean per field and slice says so. Only a slice where a
    field is not clean is looked at row by row, to tell a quote from an invalid value.
    """
    missing = _check_columns(frame, header)
    if missing:
        raise DatevFormatError(
            f"Pflichtfeld '{missing[0]}' fehlt in den Buchungen. "
            "Bitte ordnen Sie diesem DATEV-Feld eine Spalte zu.",
            column=missing[0],
        )
    clean = _clean(frame, header, ctx)
    names = [f.name for f in _present(frame, header)]
    failing = pl.any_horizontal(_rules(frame, header, ctx, detail=False)).arg_true().first()
    quotes: set[str] = set()
    # In slices: every rule looks at one value, so the prepared columns need not exist for all
    # rows at once (peak memory of the EXTF writer).
    for offset in range(0, frame.height, _CHECK_ROWS):
        part = frame.slice(offset, _CHECK_ROWS)
        flags = part.select(clean).row(0)
        unclear = {name for name, ok in zip(names, flags, strict=True) if not ok}
        if not unclear:
            continue
        first = part.select(failing).item()
        if first is not None:
            _raise_for(frame, header, ctx, offset + int(first))
        quotes |= unclear  # every value is valid: each unclear field holds a quote
    return frozenset(quotes)


def _raise_for(frame: pl.DataFrame, header: ExtfHeader, ctx: Context, row: int) -> None:
    one = frame.slice(row, 1).select(_rules(frame, header, ctx, detail=True))
    found = [(c, one[c][0]) for c in one.columns if one[c][0] is not None]
    name, reason = found[0] if found else (one.columns[0], "verletzt die Feldregeln")
    value = _value_text(frame, name, row)
    raise DatevFormatError(
        f"Feld '{name}' in Datensatz {row + 1} (Index {row}): Wert '{value}' {reason}. "
        "Bitte korrigieren Sie den Wert in den Quelldaten; die EXTF-Datei wurde nicht geschrieben.",
        row=row,
        column=name,
        value=value,
    )


def _line(frame: pl.DataFrame, fmt: ExtfFormat, ctx: Context, quotes: Collection[str]) -> pl.Expr:
    """A booking's line, as :meth:`FieldType.render` would write each field.

    One ``concat_str`` over the whole line: separators and quotes are literals between the
    values, adjacent literals merged into one, and a null value is skipped (``ignore_nulls``),
    which leaves ``""`` for an empty text and nothing for an empty number, as DATEV writes
    them. Quoting each field on its own would build a new string column per field. Inner
    quotes are doubled only in ``quotes``, the columns found to hold one: the replacement
    copies a whole column even where it finds nothing.
    """
    items: list[pl.Expr] = []
    pending = ""  # literal text not yet emitted: separators, closing and opening quotes
    for index, f in enumerate(fmt.fields):
        if index:
            pending += SEPARATOR
        if f.name not in frame.columns:
            pending += f.type.empty
            continue
        value = f.type.format(f.type.prepare(pl.col(f.name), frame.schema[f.name]), ctx)
        if f.type.quoted:
            if f.name in quotes:
                value = value.str.replace_all('"', '""', literal=True)
            pending += '"'
        if pending:
            items.append(pl.lit(pending))
        items.append(value)
        pending = '"' if f.type.quoted else ""
    if pending:
        items.append(pl.lit(pending))
    return pl.concat_str(items, separator="", ignore_nulls=True).alias("line")


def write_extf(
    bookings: pl.DataFrame,
    header: ExtfHeader,
    *,
    path_or_buffer: str | Path | BinaryIO | None = None,
    encoding: str = "cp1252",
) -> bytes:
    """Write one EXTF file; returns its bytes (and writes them to ``path_or_buffer`` if given).

    ``bookings`` has columns named with the verbatim DATEV names (any subset, others stay empty).
    Example: ``write_extf(frame, header, path_or_buffer="EXTF_Buchungsstapel.csv")``
    """
    if encoding not in ENCODINGS:
        raise DatevFormatError(
            f"Kodierung '{encoding}' wird nicht unterstützt; erlaubt sind cp1252 und utf-8.",
            value=encoding,
        )
    fmt = header.format
    check_header(header, encoding)
    if fmt.has_period and bookings.height > MAX_POSTINGS:
        raise DatevFormatError(
            f"{bookings.height} Buchungen überschreiten die DATEV-Grenze von {MAX_POSTINGS} "
            "je Datei. Bitte verwenden Sie write_extf_files, das die Buchungen aufteilt.",
            value=bookings.height,
        )
    quotes = _raise_first(bookings, header, _context(header, encoding))
    data = _encode(bookings, header, encoding, quotes)
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).write_bytes(data)
    elif path_or_buffer is not None:
        path_or_buffer.write(data)
    return data


_SLICE = 64 * 1024
_MORSEL_ROWS = 10_000  # bookings rendered at once by one core


class _Encoder:
    """A binary sink that takes UTF-8 and writes ``encoding`` to ``out``, chunk by chunk.

    polars writes the lines as UTF-8 in chunks; each is passed on as is while it is ASCII (the
    same bytes in every encoding here) and re-encoded otherwise. No copy of the whole file is
    ever held: a million bookings with DATEV's ``""`` for empty texts are 360 MB.
    """

    def __init__(self, out: BinaryIO, encoding: str) -> None:
        self.out, self.encoding = out, encoding
        self.decoder = codecs.getincrementaldecoder("utf-8")()  # a chunk may end mid-character

    def write(self, data: bytes) -> int:
        if self.encoding == "utf-8" or (data.isascii() and not self.decoder.getstate()[0]):
            self.out.write(data)
            return len(data)
        # In slices small enough for the allocator to reuse: a fresh multi-megabyte buffer per
        # chunk costs more in page faults than the re-encoding itself.
        view = memoryview(data)
        for start in range(0, len(view), _SLICE):
            self.out.write(_cp1252(self.decoder.decode(view[start : start + _SLICE])))
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def _cp1252(text: str) -> bytes:
    # Validation kept C1 controls out, so Latin-1 equals Windows-1252 unless the text uses
    # one of the 27 extra characters (€, „, …); the Latin-1 codec is several times faster.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("cp1252")


def _write_file(
    bookings: pl.DataFrame,
    header: ExtfHeader,
    encoding: str,
    out: BinaryIO,
    quotes: Collection[str],
) -> None:
    """Header, column line and the bookings' lines, in ``encoding``, to ``out``; ``quotes``
    names the quoted columns with a ``"`` in some value (see :func:`_raise_first`)."""
    fmt = header.format
    head = LINE_END.join([format_header(header), SEPARATOR.join(fmt.column_line)]) + LINE_END
    out.write(head.encode(ENCODINGS[encoding]))
    line = _line(bookings, fmt, _context(header, encoding), quotes)
    # Streaming: the lines are rendered in morsels on every core and written in input order,
    # so the lines of a whole file (99,999 bookings, 33 MB) are never held at once. Small
    # morsels keep the peak low (1M bookings: 317 MB with 10,000 rows, 392 MB with polars'
    # default); the setting is polars' global one, restored on leaving, and only the morsel
    # size, never the output, depends on it.
    with pl.Config(streaming_chunk_size=_MORSEL_ROWS):
        bookings.lazy().select(line).sink_csv(  # type: ignore[call-overload]
            _Encoder(out, encoding),  # a binary file-like, not an IO[bytes]
            include_header=False,
            quote_style="never",
            line_terminator=LINE_END,
            maintain_order=True,
            engine="streaming",
        )


def _encode(
    bookings: pl.DataFrame, header: ExtfHeader, encoding: str, quotes: Collection[str]
) -> bytes:
    data = io.BytesIO()
    _write_file(bookings, header, encoding, data, quotes)
    return data.getvalue()


def signed_to_debit_credit(amount: str | pl.Expr) -> list[pl.Expr]:
    """Expressions turning a signed amount into positive Umsatz plus Soll/Haben-Kennzeichen.

    Example: ``frame.with_columns(signed_to_debit_credit("amount"))`` (positive = "S").
    """
    expr = pl.col(amount) if isinstance(amount, str) else amount
    return [
        expr.abs().alias("Umsatz (ohne Soll/Haben-Kz)"),
        pl.when(expr < 0).then(pl.lit("H")).otherwise(pl.lit("S")).alias("Soll/Haben-Kennzeichen"),
    ]


def _fiscal_year_start_for(day: date, anchor: date) -> date:
    start = date(day.year, anchor.month, anchor.day)
    return start if start <= day else date(day.year - 1, anchor.month, anchor.day)


def split_by_period(
    bookings: pl.DataFrame, *, date_column: str = "Belegdatum"
) -> list[tuple[date, date, pl.DataFrame]]:
    """Split bookings into calendar months (DATEV advises one file per booking period).

    Example: ``for date_from, date_to, part in split_by_period(bookings): ...``
    """
    month = pl.col(date_column).dt.truncate("1mo")
    keyed = bookings.with_columns(month.alias("_month"))
    out = []
    for (start,), part in keyed.sort("_month", maintain_order=True).group_by(
        "_month", maintain_order=True
    ):
        end = (pl.Series([start]).dt.month_end())[0]
        out.append((start, end, part.drop("_month")))
    return out


def _period_pieces(
    bookings: pl.DataFrame, max_postings: int, *, date_column: str = "Belegdatum"
) -> list[tuple[date, date, list[Callable[[], pl.DataFrame]]]]:
    """Per month (in order): its first and last day and its files' bookings, at most
    ``max_postings`` each, in input order within the month, as :func:`split_by_period` and
    slicing would give them. Each piece is taken only when its file is written, and from
    ``bookings`` itself (a slice when the rows are in month order, else a gather of the
    piece's rows), so no sorted or split copy of all bookings is ever held: a million of
    them are over 200 MB.
    """
    months = bookings.get_column(date_column).dt.truncate("1mo")
    in_order = months.is_sorted()
    order = (
        None
        if in_order
        else months.to_frame().select(pl.arg_sort_by(date_column, maintain_order=True)).to_series()
    )
    runs = (
        (months if order is None else months.gather(order))
        .rle()
        .struct.unnest()
        .with_columns(pl.col("len").cum_sum().alias("stop"))
    )
    out: list[tuple[date, date, list[Callable[[], pl.DataFrame]]]] = []
    for length, start, stop in runs.select("len", "value", "stop").iter_rows():
        first = stop - length
        end = pl.Series([start]).dt.month_end()[0]
        offsets = range(first, stop, max_postings)
        pieces: list[Callable[[], pl.DataFrame]] = [
            partial(_piece, bookings, order, o, min(max_postings, stop - o)) for o in offsets
        ]
        out.append((start, end, pieces))
    return out


def _piece(
    bookings: pl.DataFrame, order: pl.Series | None, offset: int, length: int
) -> pl.DataFrame:
    if order is None:
        return bookings.slice(offset, length)
    return bookings[order.slice(offset, length)]


def write_extf_files(
    bookings: pl.DataFrame,
    header: ExtfHeader,
    *,
    directory: str | Path,
    encoding: str = "cp1252",
    max_postings: int = MAX_POSTINGS,
) -> list[Path]:
    """One Buchungsstapel per month and per ``max_postings`` bookings; returns the file paths.

    Each file's header gets that month as Datum vom/bis and the matching WJ-Beginn. Master
    data (Debitoren/Kreditoren) has no period and goes into one file.
    Example: ``write_extf_files(bookings, header, directory="out")``
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if not header.format.has_period:
        path = directory / "EXTF_Debitoren_Kreditoren.csv"
        write_extf(bookings, header, path_or_buffer=path, encoding=encoding)
        return [path]
    ctx = _context(replace(header, date_from=None, date_to=None), encoding)
    # Check everything first so that no partial set of files is left behind.
    quotes = _raise_first(bookings, replace(header, date_from=None, date_to=None), ctx)
    written = []
    for start, end, pieces in _period_pieces(bookings, max_postings):
        fy = _fiscal_year_start_for(start, header.fiscal_year_start)
        file_header = replace(header, date_from=start, date_to=end, fiscal_year_start=fy)
        check_header(file_header, encoding)
        for i, piece in enumerate(pieces):
            suffix = f"_{i + 1:02d}" if len(pieces) > 1 else ""
            path = directory / f"EXTF_Buchungsstapel_{start:%Y%m%d}_{end:%Y%m%d}{suffix}.csv"
            with path.open("wb") as out:
                _write_file(piece(), file_header, encoding, out, quotes)
            written.append(path)
    return written
