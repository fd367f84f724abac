"""German formats and words for everything a person reads: CLI, app, report and Excel.

Numbers as ``1.234,56``, dates as ``31.01.2026``, times in Europe/Berlin, severities as
Fehler/Warnung/Hinweis, months as ``Januar 2026``, and a German title for every rule id (the id
stays next to it: it is stable, the title is for reading). Parsing goes the other way for what
people type: ``2026-01``, ``01/2026``, ``01.2026`` and ``Januar 2026`` all mean the same month.

Scalar helpers format one value; the ``*_expr`` helpers do the same inside a polars query, so a
page of a million-row table is formatted without a Python loop.

>>> format_number(1234.5)
'1.234,50'
>>> format_date("2026-01-31")
'31.01.2026'
>>> parse_month("Januar 2026")
'2026-01'
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

import polars as pl

from workbench.errors import WorkbenchError
from workbench.rule_titles import RULE_TITLES

__all__ = [
    "CALL_TITLES",
    "COLUMN_TITLES",
    "BERLIN",
    "MATCH_STATUS_WORDS",
    "MONTHS",
    "POSTING_STATUS_WORDS",
    "RULE_TITLES",
    "SEVERITY_LABELS",
    "SEVERITY_PLURALS",
    "format_count",
    "format_counted",
    "format_date",
    "format_datetime",
    "format_month",
    "format_number",
    "format_period",
    "format_value",
    "month_expr",
    "number_expr",
    "parse_month",
    "parse_period",
    "rule_title",
    "severity_label",
]

BERLIN = ZoneInfo("Europe/Berlin")

SEVERITY_LABELS = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
SEVERITY_PLURALS = {"error": "Fehler", "warning": "Warnungen", "info": "Hinweise"}

MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)

#: German column headers of the tables people read (CLI and app; JSON keeps the contract's names).
COLUMN_TITLES = {
    "id": "Übertragung",
    "client": "Mandant",
    "kind": "Quellart",
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "items": "Positionen",
    "local_status": "Lokaler Status",
    "datev_status": "DATEV-Status",
    "job_ids": "DATEV-Job",
    "source_file": "Datei",
    "loaded": "Geladen",
    "mapped": "Abgebildet",
    "blocked": "Gesperrt",
    "skipped": "Übersprungen",
    "balanced": "Vollständig",
    "file": "Datei",
    "sheet": "Blatt",
    "variant": "Variante",
    "encoding": "Kodierung",
    "rows": "Zeilen",
    "row_problems": "Zeilenprobleme",
    "unmapped_columns": "Nicht zugeordnete Spalten",
    "source": "Datei",
    "row": "Zeile",
    "column": "Spalte",
    "source_column": "Spalte in der Datei",
    "value": "Wert",
    "message": "Meldung",
    "item_id": "Position",
    "status": "Status",
    "rules": "Regeln",
    "reason": "Grund",
}

#: Call billing and expense postings (seed 000) in the words of the app and the CLI.
CALL_TITLES = {
    "call_id": "Gespräch",
    "part": "Teil",
    "started_at": "Beginn",
    "duration_s": "Dauer (s)",
    "remote_number": "Rufnummer",
    "match_status": "Zuordnung",
    "candidates": "Kandidaten",
    "client_number": "Mandant",
    "client_name": "Name",
    "month": "Monat",
    "calls": "Gespräche",
    "seconds": "Sekunden",
    "billed_minutes": "Minuten",
    "time_units": "Zeiteinheiten",
    "hours": "Stunden",
    "status": "Status",
    "count": "Anzahl",
    "severity": "Schwere",
    "item_id": "Gespräch",
    "message": "Meldung",
    "reason": "Grund",
}
#: How a call number resolved (``workbench.calls.resolve``), as the app shows it.
MATCH_STATUS_WORDS = {
    "matched": "zugeordnet",
    "ambiguous": "mehrdeutig",
    "no_client": "kein Mandant",
    "inactive": "inaktiv",
    "fax": "Faxnummer",
    "unmatched": "unbekannt",
    "unparseable": "ungültig",
    "missing": "fehlt",
    "internal": "intern",
}
#: What became of an expense posting (``transfer_expense_postings``).
POSTING_STATUS_WORDS = {"posted": "übertragen", "failed": "abgelehnt", "skipped": "übersprungen"}

_FAMILY_TITLES = {
    "account": "Konto",
    "amount": "Betrag",
    "attachment": "Belegbild",
    "bank": "Bank",
    "calls": "Anrufe",
    "cash": "Kasse",
    "document_types": "Beleg-Art",
    "duplicate": "Dublette",
    "encoding": "Zeichensatz",
    "field": "Feld",
    "fiscal_year": "Wirtschaftsjahr",
    "period": "Zeitraum",
    "pos": "Kassenumsätze",
    "transfer": "Übertragung",
    "einvoice": "E-Rechnung",
    "en16931": "EN 16931",
    "xrechnung": "XRechnung",
    "zugferd": "ZUGFeRD",
}


def rule_title(rule: str | None) -> str:
    """The German title of ``rule`` (its family's title for ids without one of their own).

    >>> rule_title("encoding.exotic_space")
    'Besonderes Leerzeichen'
    """
    if not rule:
        return ""
    if rule in RULE_TITLES:
        return RULE_TITLES[rule]
    family = rule.partition(".")[0]
    return _FAMILY_TITLES.get(family, rule)


def severity_label(severity: str | None) -> str:
    """``error`` → ``Fehler``, ``warning`` → ``Warnung``, ``info`` → ``Hinweis``."""
    return SEVERITY_LABELS.get(severity or "", severity or "")


# --- numbers ------------------------------------------------------------------------------------


def format_number(value: float | int | Decimal | str | None, decimals: int = 2) -> str:
    """``1234.5`` → ``1.234,50``; ``None`` → ``""``; text that is not a number stays as it is.

    >>> format_number(-0.005), format_number(12, 0)
    ('-0,01', '12')
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    text = f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"
    return text.translate(_SWAP)


_SWAP = str.maketrans({",": ".", ".": ","})


def format_count(value: int | None) -> str:
    """Whole numbers with thousands dots: ``500000`` → ``500.000``."""
    return "" if value is None else format_number(value, 0)


def format_counted(value: int, one: str, many: str) -> str:
    """A count with its noun in the right number: ``1 Beleg``, ``2 Belege``, ``1.234 Belege``."""
    return f"{format_count(value)} {one if value == 1 else many}"


def number_expr(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """``format_number`` inside a polars query (nulls stay null).

    >>> pl.select(number_expr(pl.lit(-1234567.891))).item()
    '-1.234.567,89'
    """
    rounded = expr.cast(pl.Float64).round(decimals)
    sign = pl.when(rounded < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    scaled = (rounded.abs() * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "$1.").str.reverse().str.strip_prefix(".")
    )
    if decimals == 0:
        return pl.concat_str(sign, grouped)
    fraction = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    return pl.concat_str(sign, grouped, pl.lit(","), fraction)


def format_value(value: object) -> str:
    """Any table value as people read it: ``1.234,56``, ``31.01.2026``, Berlin time, ``ja``.

    >>> format_value(1234.5), format_value(dt.date(2026, 1, 31)), format_value(None)
    ('1.234,50', '31.01.2026', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    return str(value)


# --- dates and times ----------------------------------------------------------------------------


def _as_date(value: dt.date | dt.datetime | str) -> dt.date | dt.datetime:
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO date: {value!r}") from None


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    """``2026-01-31`` (or a date) → ``31.01.2026``; a datetime counts in Europe/Berlin."""
    if value is None or value == "":
        return ""
    day = _as_date(value)
    if isinstance(day, dt.datetime):
        day = _berlin(day).date()
    return f"{day:%d.%m.%Y}"


def format_datetime(value: dt.datetime | str | None, *, seconds: bool = False) -> str:
    """An instant as Berlin local time: ``2026-01-31T13:03:00+00:00`` → ``31.01.2026 14:03``.

    Naive datetimes are taken as UTC (the ledger stores UTC).

    >>> format_datetime("2026-07-01T10:00:00+00:00")
    '01.07.2026 12:00'
    """
    if value is None or value == "":
        return ""
    moment = _as_date(value)
    if not isinstance(moment, dt.datetime):
        return format_date(moment)
    return f"{_berlin(moment):%d.%m.%Y %H:%M{':%S' if seconds else ''}}"


def _berlin(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BERLIN)


# --- months and periods -------------------------------------------------------------------------

_MONTH_NAMES = {name.lower(): index for index, name in enumerate(MONTHS, start=1)}
_MONTH_NAMES.update({name[:3].lower(): index for index, name in enumerate(MONTHS, start=1)})
_MONTH_NAMES.update({"maerz": 3, "mrz": 3, "mär": 3, "sept": 9})
_NUMERIC = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$"),  # 2026-01
    re.compile(r"^(?P<month>\d{1,2})\s*[/.]\s*(?P<year>\d{4})$"),  # 01/2026, 01.2026
    re.compile(r"^(?P<year>\d{4})\s*/\s*(?P<month>\d{1,2})$"),  # 2026/01
)
_NAMED = re.compile(r"^(?P<name>[a-zäöü]+)\.?\s*(?P<year>\d{4})$")
_RANGE = re.compile(r"\s*(?:\.\.|–|\bbis\b)\s*")
_FORMS = "JJJJ-MM (2026-01), 01/2026, 01.2026 oder Januar 2026"


@cache
def parse_month(text: str) -> str:
    """A month as people write it → ``YYYY-MM``; a German error naming the accepted forms.

    >>> [parse_month(t) for t in ("2026-1", "01/2026", "01.2026", "März 2026", "jan 2026")]
    ['2026-01', '2026-01', '2026-01', '2026-03', '2026-01']
    """
    cleaned = " ".join(str(text).strip().lower().split())
    for pattern in _NUMERIC:
        found = pattern.match(cleaned)
        if found:
            return _month(text, int(found["year"]), int(found["month"]))
    found = _NAMED.match(cleaned)
    if found and found["name"] in _MONTH_NAMES:
        return _month(text, int(found["year"]), _MONTH_NAMES[found["name"]])
    raise WorkbenchError(f"Der Zeitraum '{text}' ist kein Monat; erlaubt sind {_FORMS}.")


def _month(text: str, year: int, month: int) -> str:
    if not 1 <= month <= 12 or not 1900 <= year <= 2999:
        raise WorkbenchError(f"Der Zeitraum '{text}' ist kein gültiger Monat; erlaubt: {_FORMS}.")
    return f"{year:04d}-{month:02d}"


def parse_period(text: str | tuple[str, str] | None) -> str | tuple[str, str] | None:
    """One month or a range of months (``..``, ``–`` or ``bis``) → ``YYYY-MM`` or a pair.

    >>> parse_period("Januar 2026 bis 03/2026"), parse_period("  ")
    (('2026-01', '2026-03'), None)
    """
    if text is None:
        return None
    if isinstance(text, tuple):
        first, last = (parse_month(part) for part in text)
    else:
        if not text.strip():
            return None
        parts = [part for part in _RANGE.split(text.strip()) if part]
        if len(parts) == 1:
            return parse_month(parts[0])
        if len(parts) != 2:
            raise WorkbenchError(
                f"Der Zeitraum '{text}' ist weder ein Monat noch 'Monat bis Monat' ({_FORMS})."
            )
        first, last = (parse_month(part) for part in parts)
    if first > last:
        raise WorkbenchError(
            f"Der Zeitraum {format_month(first)} bis {format_month(last)} endet vor seinem Beginn."
        )
    return first if first == last else (first, last)


def format_month(month: str | None) -> str:
    """``2026-01`` → ``Januar 2026`` (anything else stays as it is)."""
    if not month:
        return ""
    found = re.match(r"^(\d{4})-(\d{2})$", str(month))
    if not found or not 1 <= int(found[2]) <= 12:
        return str(month)
    return f"{MONTHS[int(found[2]) - 1]} {found[1]}"


def format_period(period: str | tuple[str, str] | None) -> str:
    """``"2026-01"`` → ``Januar 2026``; a pair → ``Januar 2026 bis März 2026``."""
    if period is None:
        return ""
    if isinstance(period, str):
        return format_month(period)
    return f"{format_month(period[0])} bis {format_month(period[1])}"


def month_expr(expr: pl.Expr) -> pl.Expr:
    """``YYYY-MM`` of a date, datetime or ``YYYY-MM…`` text column (nulls stay null)."""
    return expr.cast(pl.String).str.slice(0, 7)
