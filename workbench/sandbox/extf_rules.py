"""EXTF checks as the Buchungsdatenservice applies them (header codes from the v3 OpenAPI
file), plus the client rules a DATEV import would reject: fiscal year created, Sachkontenlänge,
account digits, Umsatz format, Belegdatum inside Datum vom/bis, Belegfeld 1 characters.

DATEV's own Buchungsstapel (Musterdaten) must pass: it writes amounts without decimals
(``64083``) and Sachkonten without leading zeros (``85`` for 0085). Each rule, its source and
whether it is an assumption is listed in ``rule_table.py`` and the README.
"""

from __future__ import annotations

import codecs
import csv
import re
from datetime import date, datetime
from typing import Any

from workbench.sandbox.seed import AccountingClient

MAX_POSTINGS = 99_999
HEADER_FIELDS = {
    1: "DATEV Format Label",
    2: "Version Number",
    3: "Data Category",
    4: "Format Name",
    5: "Format Version",
    6: "Created On",
    7: "Imported",
    11: "Consultant",
    12: "Client",
    13: "FY Begin",
    14: "Length of Ledger Account",
    15: "Date From",
    16: "Date To",
}
#: Header fields 3 and 4 as DATEV's header description allows them (developer.datev.de
#: dtvf/formate/header: ``^(16|20|21|46|48|65)$`` and the format names); a value outside
#: these is an error of its own field (OpenAPI: "... is invalid (3)" / "(4)").
CATEGORIES = {"16", "20", "21", "46", "48", "65"}
FORMAT_NAMES = {
    "Buchungsstapel",
    "Wiederkehrende Buchungen",
    "Debitoren/Kreditoren",
    "Kontenbeschriftungen",
    "Zahlungsbedingungen",
    "Diverse Adressen",
}
#: The combinations the sandbox processes. Assumption: DATEV also takes 46, 48 and 65 (and
#: Kontenbeschriftungen v2); the sandbox answers them as an invalid combination because the
#: workbench never writes them. Older format versions (9, 12; 4) are read backwards-compatibly
#: as the header description says of the version fields.
FORMATS = {
    ("21", "Buchungsstapel"): {"13", "12", "9"},
    ("16", "Debitoren/Kreditoren"): {"5", "4"},
    ("20", "Kontenbeschriftungen"): {"3", "2"},
}
#: Umsatz: up to 10 digits, a decimal comma with one or two decimals or none (DATEV writes
#: ``64083`` in its Musterdaten and ``5,1`` in its Debitoren/Kreditoren example).
AMOUNT = re.compile(r"\d{1,10}(,\d{1,2})?")
#: Control characters in a field (FACTS §7, developer.datev.de: text without control characters).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
AMOUNT_NONZERO = re.compile(r"[1-9]")  # DATEV rejects an Umsatz of 0 (FACTS §7)
BELEGFELD = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$&%*+-/")
MAX_AFFECTED = 50


def decode(content: bytes) -> str:
    """BOM decides; no BOM means cp1252 (DATEV's default)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding)
    return content.decode("cp1252")


def _failed(code: str, title: str, detail: str, affected: list[dict[str, str]]) -> dict[str, Any]:
    details: dict[str, Any] = {
        "type": f"http://www.datev.de/hilfe/{code}",
        "title": title,
        "detail": detail,
    }
    if affected:
        details["affected_elements"] = affected[:MAX_AFFECTED]
    return {"result": "failed", "validation_details": details}


def _date(value: str, fmt: str = "%Y%m%d") -> date | None:
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError:
        return None


def check_extf(content: bytes, client: AccountingClient) -> dict[str, Any]:
    """The job fields DATEV fills after validation: `result` plus metadata or details."""
    if not client.has_service("Buchungsdatenservice"):
        # OpenAPI: 1008838 is a code of the job's validation_details, not of the upload.
        return _failed(
            "1008838",
            "Missing permission",
            "Permission to transfer data for this client-id is missing or has expired. "
            "Please contact your tax consultant.",
            [],
        )
    try:
        text = decode(content)
    except UnicodeDecodeError:
        return _failed(
            "1008833",
            "Invalid file",
            "Only Windows-1252, UTF-8, UTF16LE, and UTF16BE are supported",
            [],
        )
    try:
        return _check_text(text, client)
    except csv.Error:  # stray CR or NUL inside a field
        return _failed(
            "1008833",
            "Invalid file",
            "Die Datei enthält ein einzelnes "
            "Wagenrücklauf- oder NUL-Zeichen außerhalb eines Textfelds.",
            [],
        )


def _check_text(text: str, client: AccountingClient) -> dict[str, Any]:
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return _failed("1008833", "Invalid file", "No payload", [])
    if len(lines[0]) > 1000:
        return _failed(
            "1008834",
            "Invalid EXTF-header",
            "EXTF-header exceeds maximum length of 1000 characters",
            [],
        )
    header = next(csv.reader([lines[0]], delimiter=";", quotechar='"'))
    if len(header) < 31:
        return _failed("1008834", "Invalid EXTF-header", "Missing columns in EXTF-header", [])
    field = {i + 1: value.strip() for i, value in enumerate(header)}
    affected = _header_problems(field, client)
    if affected:
        return _failed("1008834", "Invalid EXTF-header", "Fields with error", affected)
    rows = list(csv.reader(lines[2:], delimiter=";", quotechar='"'))
    if len(rows) > MAX_POSTINGS:
        return _failed("1008833", "Invalid file", "More than 99999 postings", [])
    business = _client_problems(field, client)
    if field[3] == "21":
        business += _row_problems(rows, field, client.account_length)
    if business:
        return _failed("1008834", "Invalid EXTF-file", "Fields with error", business)
    label = field[17] if len(field) >= 17 else ""
    job: dict[str, Any] = {
        "result": "succeeded",
        "data_category_id": int(field[3]),
        "fiscal_year_begin": _date(field[13]).isoformat(),  # type: ignore[union-attr]
        "label": label if len(label) <= 250 else label[:250] + "...",
        "number_of_accounting_records": len(rows),
    }
    if field[15] and field[16]:
        job["date_from"] = _date(field[15]).isoformat()  # type: ignore[union-attr]
        job["date_to"] = _date(field[16]).isoformat()  # type: ignore[union-attr]
    return job


def _header_problems(field: dict[int, str], client: AccountingClient) -> list[dict[str, str]]:
    bad: list[dict[str, str]] = []

    def invalid(number: int, reason: str = "is invalid") -> None:
        bad.append(
            {
                "name": HEADER_FIELDS.get(number, "Reserved"),
                "reason": f"Error in header field - {HEADER_FIELDS.get(number, 'Reserved')}"
                f" - {reason} ({number})",
            }
        )

    if field[1] != "EXTF":
        invalid(1, "must be EXTF")
    if field[2] != "700":
        invalid(2)
    before = len(bad)
    if field[3] not in CATEGORIES:
        invalid(3)
    if field[4] not in FORMAT_NAMES:
        invalid(4)
    if not field[5].isdigit():
        invalid(5)
    versions = FORMATS.get((field[3], field[4]))
    # A field named on its own gets no combination error on top.
    if len(bad) == before and (versions is None or field[5] not in versions):
        bad.append(
            {
                "name": "Data Category",
                "reason": "Invalid combination of data category, format name and format version",
            }
        )
    if not (len(field[6]) == 17 and _date(field[6][:14], "%Y%m%d%H%M%S")):
        invalid(6)
    if field[7]:
        invalid(7)
    if not (field[11].isdigit() and 1001 <= int(field[11]) <= 9_999_999):
        invalid(11)
    elif int(field[11]) != client.consultant_number:
        bad.append(
            {
                "name": "Consultant",
                "reason": "The consultant-number in the EXTF-header "
                "does not match with the upload request",
            }
        )
    if not (field[12].isdigit() and 1 <= int(field[12]) <= 99_999):
        invalid(12)
    elif int(field[12]) != client.client_number:
        bad.append(
            {
                "name": "Client",
                "reason": "The client-number in the EXTF-header does "
                "not match with the upload request",
            }
        )
    if not _date(field[13]):
        invalid(13)
    if not (field[14].isdigit() and 4 <= int(field[14]) <= 8):
        invalid(14)
    dates_required = field[3] == "21"
    start, end = _date(field[15]), _date(field[16])
    if (field[15] or dates_required) and not start:
        invalid(15)
    if (field[16] or dates_required) and not end:
        invalid(16)
    if start and end and start > end:
        bad.append({"name": "Date From", "reason": "DateFrom must not be greater than DateTo"})
    for number in (23, 24, 25, 26, 29, 30):
        if field.get(number):
            invalid(number, "must be empty")
    return bad


def _client_problems(field: dict[int, str], client: AccountingClient) -> list[dict[str, str]]:
    bad: list[dict[str, str]] = []
    # Assumption: the fiscal-year and account-length texts are Belege online's (seed 001),
    # applied to EXTF by analogy; the period rule is third party (one period, one fiscal year).
    fy_start = _date(field[13])
    fy = client.fiscal_year_for(fy_start) if fy_start else None
    if fy is None or fy.start != fy_start:
        year = fy_start.year if fy_start else field[13][:4]
        bad.append(
            {
                "name": "FY Begin",
                "reason": f"Das Wirtschaftsjahr {year} ist in DATEV "
                "Unternehmen online nicht angelegt.",
            }
        )
    if int(field[14]) != client.account_length:
        bad.append(
            {
                "name": "Length of Ledger Account",
                "reason": f"Die Kontenlänge in der Datei ({field[14]}) stimmt nicht mit der "
                f"Kontenlänge in DATEV ({client.account_length}) überein!",
            }
        )
    start, end = _date(field[15]), _date(field[16])
    if fy and start and end and not (fy.contains(start) and fy.contains(end)):
        bad.append(
            {
                "name": "Date From",
                "reason": "Datum vom/bis liegt nicht im "
                f"Wirtschaftsjahr {fy.start.isoformat()} bis {fy.end.isoformat()}.",
            }
        )
    return bad


def _row_problems(
    rows: list[list[str]], field: dict[int, str], length: int
) -> list[dict[str, str]]:
    bad: list[dict[str, str]] = []
    start, end = _date(field[15]), _date(field[16])
    for line, row in enumerate(rows, start=3):
        if len(bad) >= MAX_AFFECTED:
            break
        cells = row + [""] * (14 - len(row))

        def add(name: str, reason: str, line: int = line) -> None:
            bad.append({"name": f"Zeile {line}, {name}", "reason": reason})

        amount, sign, account, contra, day, belegfeld, text = (
            cells[0],
            cells[1],
            cells[6],
            cells[7],
            cells[9],
            cells[10],
            cells[13],
        )
        if not AMOUNT.fullmatch(amount) or not AMOUNT_NONZERO.search(amount):
            add("Umsatz (ohne Soll/Haben-Kz)", f"'{amount}' ist kein Betrag im Format 1234,56.")
        if sign not in ("S", "H"):
            add("Soll/Haben-Kennzeichen", f"'{sign}' muss S oder H sein.")
        for name, value in (("Konto", account), ("Gegenkonto (ohne BU-Schlüssel)", contra)):
            # Sachkonten may be shorter (leading zeros omitted); longer than a personal
            # account (Sachkontenlänge + 1) is never an account of this client.
            if not value.isdigit() or int(value) == 0 or len(value) > length + 1:
                add(
                    name,
                    f"Die Kontonummer '{value}' passt nicht zur Sachkontenlänge {length} "
                    f"(Personenkonten {length + 1} Stellen).",
                )
        # Third party (ledermann/datev, DATEV's field table as quoted there): TTMM inside
        # the period, Belegfeld 1 of 36 characters from its set, Buchungstext of 60.
        posted = _belegdatum(day, start, end)
        if posted is None:
            add("Belegdatum", f"'{day}' liegt nicht zwischen Datum vom und Datum bis.")
        if len(belegfeld) > 36 or not set(belegfeld) <= BELEGFELD:
            add(
                "Belegfeld 1",
                f"'{belegfeld}' erlaubt höchstens 36 Zeichen aus A-Z a-z 0-9 $ & % * + - /.",
            )
        if len(text) > 60:
            add("Buchungstext", "Der Buchungstext ist länger als 60 Zeichen.")
        control = next((i for i, cell in enumerate(row) if CONTROL.search(cell)), None)
        if control is not None:
            add(f"Feld {control + 1}", "Das Feld enthält ein Steuerzeichen.")
    return bad


def _belegdatum(value: str, start: date | None, end: date | None) -> date | None:
    """TTMM without a year: the date inside Datum vom/bis, or None."""
    if not (len(value) == 4 and value.isdigit()) or start is None or end is None:
        return None
    for year in range(start.year, end.year + 1):
        day = _date(f"{year}{value[2:]}{value[:2]}")
        if day and start <= day <= end:
            return day
    return None
