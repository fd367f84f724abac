"""Write canonical frames in the formats real exports use: headers per profile, German or English
numbers and dates, encodings with or without BOM, Excel with text and date cells, JSON.

Formatting is vectorised (polars string expressions), so a million rows format in well under a
second; the text frame is then written by ``polars.write_csv`` and re-encoded once.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

__all__ = [
    "Layout",
    "csv_bytes",
    "line_numbers",
    "pdf_bytes",
    "text_frame",
    "write_json",
    "write_xlsx",
    "zip_bytes",
]


@dataclass(frozen=True)
class Layout:
    """How a file spells a canonical frame: headers, notation and encoding."""

    columns: tuple[tuple[str, str], ...]  # (canonical, source header)
    numbers: str = "de"  # "de" (1.234,56) or "en" (1234.56)
    dates: str = "de"  # "de" (31.01.2026) or "iso" (2026-01-31)
    bools: tuple[str, str] = ("true", "false")
    separator: str = ";"
    encoding: str = "utf-8"  # codec for str.encode
    bom: bool = False
    newline: str = "\r\n"
    durations: str = "clock"  # "clock" (HH:MM:SS) or "seconds"
    values: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # canonical -> export value


def _money(expr: pl.Expr, numbers: str) -> pl.Expr:
    cents = (expr * 100).round(0).cast(pl.Int64)
    magnitude = cents.abs()
    whole = magnitude // 100
    part = (magnitude % 100).cast(pl.String).str.zfill(2)
    if numbers == "de":
        millions, thousands, units = whole // 1_000_000, (whole // 1000) % 1000, whole % 1000
        grouped = (
            pl.when(whole >= 1_000_000)
            .then(
                pl.concat_str(
                    millions.cast(pl.String),
                    pl.lit("."),
                    thousands.cast(pl.String).str.zfill(3),
                    pl.lit("."),
                    units.cast(pl.String).str.zfill(3),
                )
            )
            .when(whole >= 1000)
            .then(
                pl.concat_str(
                    thousands.cast(pl.String), pl.lit("."), units.cast(pl.String).str.zfill(3)
                )
            )
            .otherwise(whole.cast(pl.String))
        )
        text = pl.concat_str(grouped, pl.lit(","), part)
    else:
        text = pl.concat_str(whole.cast(pl.String), pl.lit("."), part)
    return pl.when(cents < 0).then(pl.concat_str(pl.lit("-"), text)).otherwise(text)


def _quantity(expr: pl.Expr, numbers: str) -> pl.Expr:
    whole = expr.floor().cast(pl.Int64).cast(pl.String)
    fraction = (
        ((expr - expr.floor()) * 1000)
        .round(0)
        .cast(pl.Int64)
        .cast(pl.String)
        .str.zfill(3)
        .str.strip_chars_end("0")
    )
    point = "," if numbers == "de" else "."
    return (
        pl.when(expr == expr.floor())
        .then(whole)
        .otherwise(pl.concat_str(whole, pl.lit(point), fraction))
    )


def _clock(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        (expr // 3600).cast(pl.String).str.zfill(2),
        pl.lit(":"),
        ((expr % 3600) // 60).cast(pl.String).str.zfill(2),
        pl.lit(":"),
        (expr % 60).cast(pl.String).str.zfill(2),
    )


def text_frame(
    frame: pl.DataFrame, layout: Layout, raw: dict[str, pl.Series] | None = None
) -> pl.DataFrame:
    """Format ``frame`` (canonical, typed) as the file's text, renamed to the source headers.

    ``raw`` holds per canonical column a text Series (null = write the formatted value).
    """
    values = dict(layout.values)
    exprs = []
    for canonical, header in layout.columns:
        col = pl.col(canonical)
        dtype = frame.schema[canonical]
        if dtype == pl.Date:
            text = col.dt.strftime("%d.%m.%Y" if layout.dates == "de" else "%Y-%m-%d")
        elif isinstance(dtype, pl.Datetime):
            text = col.dt.strftime(
                "%d.%m.%Y %H:%M:%S" if layout.dates == "de" else "%Y-%m-%dT%H:%M:%S"
            )
        elif dtype == pl.Boolean:
            yes, no = layout.bools
            text = pl.when(col).then(pl.lit(yes)).when(~col).then(pl.lit(no))
        elif dtype == pl.Float64 and canonical == "quantity":
            text = _quantity(col, layout.numbers)
        elif dtype == pl.Float64:
            text = _money(col, layout.numbers)
        elif dtype == pl.Int64 and canonical == "duration_s" and layout.durations == "clock":
            text = _clock(col)
        elif dtype == pl.Int64:
            text = col.cast(pl.String)
        else:
            text = col
        if canonical in values:
            text = text.replace(dict(values[canonical]))
        if raw and canonical in raw:
            text = pl.coalesce(pl.lit(raw[canonical]), text)
        exprs.append(text.cast(pl.String).alias(header))
    return frame.select(exprs)


def csv_bytes(text: pl.DataFrame, layout: Layout) -> bytes:
    """The file's bytes: header line, quoted where needed, encoded with the layout's codec."""
    body = text.write_csv(
        separator=layout.separator, line_terminator=layout.newline, quote_style="necessary"
    )
    encoded = body.encode(layout.encoding)
    if layout.bom:
        bom = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe"}[layout.encoding]
        encoded = bom + encoded
    return encoded


def line_numbers(text: pl.DataFrame, *, first: int = 2) -> list[int]:
    """Line on which each record starts (header on line 1; quoted line breaks counted)."""
    breaks = text.select(
        pl.sum_horizontal(
            [pl.col(name).str.count_matches("\n").fill_null(0) for name in text.columns]
        )
    )
    counts = breaks.to_series().to_list()
    lines, line = [], first
    for count in counts:
        lines.append(line)
        line += 1 + count
    return lines


def write_json(text_records: list[dict], path: Path) -> None:
    path.write_text(json.dumps(text_records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


Sheet = tuple[str, list[str], list[list[object]], dict[str, str]]


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write sheets of (name, headers, rows, number formats per header); strings stay text."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    if workbook.active is not None:  # the default sheet: the sheets below replace it
        workbook.remove(workbook.active)
    for name, headers, rows, formats in sheets:
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in rows:
            sheet.append(values)
        for index, header in enumerate(headers, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(10, min(40, len(header) + 4))
            fmt = formats.get(header)
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    if isinstance(cell.value, (date, datetime)):
                        cell.number_format = "DD.MM.YYYY"
                    elif isinstance(cell.value, str) and fmt == "@":
                        cell.number_format = "@"
                    elif isinstance(cell.value, (int, float)) and fmt != "@":
                        cell.number_format = fmt
        sheet.freeze_panes = "A2"
    workbook.properties.creator = "workbench.samples"
    workbook.properties.created = datetime(2026, 4, 1, 8, 0, 0)
    workbook.properties.modified = datetime(2026, 4, 1, 8, 0, 0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    # openpyxl stamps every ZIP member with the current time: fix it so the file is reproducible.
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    # ... and writes the save time as dcterms:modified.
    members["docProps/core.xml"] = re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
        rb"\g<1>2026-04-01T08:00:00Z\g<2>",
        members["docProps/core.xml"],
    )
    path.write_bytes(zip_bytes(members, date_time=(2026, 4, 1, 8, 0, 0)))


def pdf_bytes(title: str, lines: Sequence[str]) -> bytes:
    """A tiny valid one-page PDF (Helvetica, WinAnsi) showing ``title`` and ``lines``."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content_lines = [f"BT /F1 14 Tf 56 780 Td ({escape(title)}) Tj ET"]
    y = 750
    for line in lines:
        content_lines.append(f"BT /F1 10 Tf 56 {y} Td ({escape(line)}) Tj ET")
        y -= 16
    stream = "\n".join(content_lines).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out.write(trailer.encode())
    return out.getvalue()


def zip_bytes(
    members: dict[str, bytes],
    *,
    date_time: tuple[int, int, int, int, int, int] = (2026, 2, 3, 9, 30, 0),
) -> bytes:
    """A ZIP archive with fixed timestamps, so that it is byte-identical on every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
