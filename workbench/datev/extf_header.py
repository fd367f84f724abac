"""The 31-field EXTF header (line 1 of every DATEV-Format file): data, checks, text.

Field order and the official example are in FACTS §7 (developer.datev.de ``…/dtvf/formate/header``):
``"EXTF";700;21;"Buchungsstapel";13;20240130140440439;;"RE";"";"";29098;55003;20240101;4;
20240101;20240831;"Buchungsstapel";"WD";1;0;0;"EUR";;"";;;"03";;;"";""``. Fields 23–26, 29 and
30 must stay empty (DATEV validation code 1008834).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

import polars as pl

from workbench.datev.extf_fields import FORMATS, ExtfFormat
from workbench.datev.fields import CP1252_CLASS
from workbench.errors import DatevFormatError

__all__ = ["ExtfHeader", "HeaderOptions", "check_header", "format_header", "parse_header"]

KENNZEICHEN = "EXTF"
VERSIONSNUMMER = 700
SEPARATOR = ";"
LINE_END = "\r\n"
ENCODINGS = {"cp1252": "cp1252", "utf-8": "utf-8-sig"}


class HeaderOptions(TypedDict, total=False):
    """Header fields a mapping fixes for its bookings (the rest comes from the client)."""

    fixation: int
    label: str


@dataclass(frozen=True)
class ExtfHeader:
    """The 31-field EXTF header (line 1). ``category`` 21 = Buchungsstapel, 16 = Debitoren/
    Kreditoren, 20 = Kontenbeschriftungen.

    Example: ``ExtfHeader(consultant_number=29098, client_number=55003,
    fiscal_year_start=date(2024, 1, 1), date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))``
    """

    consultant_number: int
    client_number: int
    fiscal_year_start: date
    account_length: int = 4
    date_from: date | None = None
    date_to: date | None = None
    label: str = ""
    dictation_code: str = ""
    booking_type: int = 1
    accounting_purpose: int = 0
    fixation: int = 0
    currency: str = "EUR"
    chart_of_accounts: str = ""
    origin: str = ""
    exported_by: str = ""
    imported_by: str = ""
    industry_solution_id: int | None = None
    application_info: str = ""
    created_at: datetime | None = None
    category: int = 21
    #: Versionsnummer and Formatversion as read from a file. The writer always writes the
    #: current ones (700 and the category's version) because it writes the current columns:
    #: an older file read and written back is converted, with a header that says so.
    version: int = VERSIONSNUMMER
    format_version: int | None = None

    @property
    def format(self) -> ExtfFormat:
        if self.category not in FORMATS:
            raise unknown_category(self.category, "")
        return FORMATS[self.category]

    @property
    def fiscal_year_end(self) -> date:
        start = self.fiscal_year_start
        nxt = date(start.year + 1, start.month, start.day)
        return date.fromordinal(nxt.toordinal() - 1)


def unknown_category(category: int, name: str) -> DatevFormatError:
    known = ", ".join(f"{number} ({fmt.name})" for number, fmt in sorted(FORMATS.items()))
    named = f" ('{name}')" if name else ""
    return DatevFormatError(
        f"Formatkategorie {category}{named} wird nicht unterstützt; lesen und schreiben kann "
        f"die Workbench {known}.",
        column="Formatkategorie",
        value=category,
    )


def _header_error(name: str, value: object, what: str) -> DatevFormatError:
    return DatevFormatError(
        f"Header-Feld '{name}': Wert '{value}' {what}. Bitte korrigieren Sie die Einstellungen "
        "des Mandanten bzw. des Exports.",
        column=name,
        value=value,
    )


def check_header(header: ExtfHeader, encoding: str) -> None:
    if not 1001 <= header.consultant_number <= 9_999_999:
        raise _header_error(
            "Beraternummer", header.consultant_number, "liegt nicht in 1001–9999999"
        )
    if not 1 <= header.client_number <= 99_999:
        raise _header_error("Mandantennummer", header.client_number, "liegt nicht in 1–99999")
    if not 4 <= header.account_length <= 8:
        raise _header_error("Sachkontenlänge", header.account_length, "liegt nicht in 4–8")
    for name, value, limit in (
        ("Bezeichnung", header.label, 30),
        ("Diktatkürzel", header.dictation_code, 2),
        ("Herkunft", header.origin, 2),
        ("Exportiert von", header.exported_by, 25),
        ("Importiert von", header.imported_by, 25),
        ("SKR", header.chart_of_accounts, 2),
        ("WKZ", header.currency, 3),
    ):
        if len(value) > limit:
            raise _header_error(name, value, f"ist länger als {limit} Zeichen")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            raise _header_error(name, value, "enthält Steuerzeichen")
        if encoding == "cp1252" and not pl.Series([value]).str.contains(f"^{CP1252_CLASS}*$")[0]:
            raise _header_error(
                name, value, "enthält Zeichen, die Windows-1252 nicht darstellen kann"
            )
    if header.format.has_period:
        if header.date_from is None or header.date_to is None:
            raise _header_error(
                "Datum vom/bis", None, "fehlt; ein Buchungsstapel braucht einen Zeitraum"
            )
        if header.date_from > header.date_to:
            raise _header_error(
                "Datum vom", header.date_from, f"liegt nach Datum bis {header.date_to}"
            )
        if header.date_from < header.fiscal_year_start or header.date_to > header.fiscal_year_end:
            raise _header_error(
                "Datum vom/bis",
                f"{header.date_from}–{header.date_to}",
                "liegt nicht im Wirtschaftsjahr "
                f"{header.fiscal_year_start}–{header.fiscal_year_end}",
            )


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _d(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def format_header(header: ExtfHeader) -> str:
    """Header line (without line end) in DATEV's published field order."""
    fmt = header.format
    created = header.created_at or datetime.now()
    period = fmt.has_period
    fields = [
        _q(KENNZEICHEN),
        str(VERSIONSNUMMER),
        str(fmt.category),
        _q(fmt.name),
        str(fmt.version),
        created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}",
        "",  # Importiert: set by DATEV
        _q(header.origin),
        _q(header.exported_by),
        _q(header.imported_by),
        str(header.consultant_number),
        str(header.client_number),
        _d(header.fiscal_year_start),
        str(header.account_length),
        _d(header.date_from) if period else "",
        _d(header.date_to) if period else "",
        _q(header.label),
        _q(header.dictation_code),
        str(header.booking_type) if period else "",
        str(header.accounting_purpose) if period else "",
        str(header.fixation) if period else "",
        _q(header.currency if period else ""),
        "",  # 23 reserved: must be empty
        '""',  # 24 Derivatskennzeichen: must be empty
        "",  # 25, 26 reserved
        "",
        _q(header.chart_of_accounts),
        "" if header.industry_solution_id is None else str(header.industry_solution_id),
        "",  # 29, 30 reserved
        '""',
        _q(header.application_info),
    ]
    return SEPARATOR.join(fields)


def parse_header(line: str) -> ExtfHeader:
    cells = next(csv.reader([line], delimiter=SEPARATOR, quotechar='"'))
    cells += [""] * (31 - len(cells))
    if cells[0] not in ("EXTF", "DTVF"):
        raise DatevFormatError(
            f"Zeile 1: Kennzeichen '{cells[0]}' ist weder EXTF noch DTVF; das ist keine "
            "DATEV-Format-Datei.",
            row=1,
            column="Kennzeichen",
            value=cells[0],
        )

    def num(i: int, name: str) -> int | None:
        text = cells[i].strip()
        if not text:
            return None
        if not text.isdigit():
            raise DatevFormatError(
                f"Zeile 1, Header-Feld '{name}': Wert '{text}' ist keine Zahl.",
                row=1,
                column=name,
                value=text,
            )
        return int(text)

    def day(i: int, name: str) -> date | None:
        text = cells[i].strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, "%Y%m%d").date()
        except ValueError as exc:
            raise DatevFormatError(
                f"Zeile 1, Header-Feld '{name}': Wert '{text}' ist kein Datum JJJJMMTT.",
                row=1,
                column=name,
                value=text,
            ) from exc

    category = num(2, "Formatkategorie") or 0
    if category not in FORMATS:
        error = unknown_category(category, cells[3])
        raise DatevFormatError(f"Zeile 1: {error}", row=1, column=error.column, value=category)
    created_text = cells[5].strip()
    created = (
        datetime.strptime(created_text[:14], "%Y%m%d%H%M%S") if len(created_text) >= 14 else None
    )
    if created and len(created_text) >= 17:
        created = created.replace(microsecond=int(created_text[14:17]) * 1000)
    return ExtfHeader(
        consultant_number=num(10, "Beraternummer") or 0,
        client_number=num(11, "Mandantennummer") or 0,
        fiscal_year_start=day(12, "WJ-Beginn") or date(1900, 1, 1),
        account_length=num(13, "Sachkontenlänge") or 4,
        date_from=day(14, "Datum vom"),
        date_to=day(15, "Datum bis"),
        label=cells[16],
        dictation_code=cells[17],
        booking_type=num(18, "Buchungstyp") or 1,
        accounting_purpose=num(19, "Rechnungslegungszweck") or 0,
        fixation=num(20, "Festschreibung") or 0,
        currency=cells[21],
        chart_of_accounts=cells[26],
        origin=cells[7],
        exported_by=cells[8],
        imported_by=cells[9],
        industry_solution_id=num(27, "Branchenlösung-Id"),
        application_info=cells[30],
        created_at=created,
        category=category,
        version=num(1, "Versionsnummer") or 0,
        format_version=num(4, "Formatversion"),
    )
