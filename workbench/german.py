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

__all__ = [
    "COLUMN_TITLES",
    "BERLIN",
    "MONTHS",
    "RULE_TITLES",
    "SEVERITY_LABELS",
    "SEVERITY_PLURALS",
    "format_count",
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
}

#: German titles of the stable rule ids (ARCHITECTURE §4.2); the message says what to do.
RULE_TITLES = {
    "account.configured_length_mismatch": "Sachkontenlänge weicht von DATEV ab",
    "account.length_mismatch": "Sachkonto mit falscher Länge",
    "account.missing": "Konto fehlt",
    "account.short": "Sachkonto kürzer als die Sachkontenlänge",
    "account.non_numeric": "Konto nicht numerisch",
    "account.personal_length_mismatch": "Personenkonto mit falscher Länge",
    "amount.decimals": "Mehr als zwei Nachkommastellen",
    "amount.format": "Betrag nicht lesbar",
    "amount.gross_mismatch": "Netto + Steuer ≠ Brutto",
    "amount.negative": "Negativer Betrag",
    "amount.positions_sum": "Positionen ergeben nicht den Rechnungsbetrag",
    "amount.range": "Betrag außerhalb des DATEV-Bereichs",
    "amount.tax_rate": "Unbekannter Steuersatz",
    "amount.zero": "Betrag 0,00",
    "attachment.missing": "Belegbild fehlt",
    "attachment.too_large": "Belegbild zu groß für DATEV",
    "attachment.unsupported_type": "Belegbild-Dateityp nicht erlaubt",
    "bank.not_booked": "Bankumsatz ohne Beleg",
    "calls.ambiguous_number": "Rufnummer mehreren Adressaten zugeordnet",
    "calls.csv": "Anrufliste nicht lesbar",
    "calls.fax_number": "Faxnummer statt Telefonnummer",
    "calls.inactive_addressee": "Adressat inaktiv",
    "calls.invalid_assignment": "Zuordnung ungültig",
    "calls.invalid_duration": "Gesprächsdauer unplausibel",
    "calls.no_client": "Kein Mandant zum Gespräch",
    "calls.no_employee": "Kein Mitarbeiter zum Gespräch",
    "calls.no_order": "Kein Auftrag für den Mandanten",
    "calls.overlap": "Gespräche überschneiden sich",
    "calls.unmatched_number": "Rufnummer unbekannt",
    "calls.unparseable_number": "Rufnummer nicht lesbar",
    "cash.chronology": "Kassenbelege nicht chronologisch",
    "cash.currency": "Kasse in Fremdwährung",
    "cash.month_already_transferred": "Kassenmonat liegt vor einem übertragenen Monat",
    "cash.multiple_dates": "Mehrere Daten in einem Kassenbeleg",
    "cash.negative_balance": "Kassenbestand negativ",
    "document_types.no_folder": "Beleg-Art ohne Ziel-Ordner",
    "document_types.not_activated": "Beleg-Art nicht aktiviert",
    "duplicate.call_id": "Gesprächs-ID doppelt",
    "duplicate.invoice_id": "Rechnungsnummer doppelt",
    "encoding.control_character": "Steuerzeichen im Text",
    "encoding.control_characters": "Steuerzeichen im Text",
    "encoding.escape_sequence": "Maskierte Zeichen (Intruder Alert)",
    "encoding.exotic_space": "Besonderes Leerzeichen",
    "encoding.mojibake": "Zerstörte Umlaute",
    "encoding.non_utf8": "Datei nicht UTF-8",
    "encoding.not_cp1252": "Zeichen nicht in Windows-1252",
    "encoding.outer_space": "Leerzeichen am Rand",
    "encoding.rejected_character": "Zeichen, das DATEV ablehnt",
    "field.choice": "Wert nicht erlaubt",
    "field.currency": "Währung ungültig",
    "field.datev": "Von DATEV abgelehnter Wert",
    "field.format": "Format ungültig",
    "field.formula_like": "Text wie eine Tabellenformel",
    "field.iban": "IBAN ungültig",
    "field.line_break": "Zeilenumbruch im Text",
    "field.max_length": "Text zu lang",
    "field.not_allowed": "Feld nicht erlaubt",
    "field.pattern": "Zeichen nicht erlaubt",
    "field.range": "Wert außerhalb des Bereichs",
    "field.required": "Pflichtfeld leer",
    "field.truncated": "Text gekürzt",
    "field.unparseable": "Wert nicht lesbar",
    "field.vat_id": "USt-IdNr. ungültig",
    "fiscal_year.invalid_start": "WJ-Beginn ungültig",
    "fiscal_year.month_mismatch": "Belegdatum nicht im Wirtschaftsjahr des Buchungsmonats",
    "fiscal_year.not_created": "Wirtschaftsjahr nicht angelegt",
    "fiscal_year.outside_period": "Datum außerhalb des Stapelzeitraums",
    "invoice.orphan_position": "Position ohne Rechnung",
    "period.other_months": "Zeilen anderer Monate nicht geprüft",
    "pos.csv": "Kassendatei nicht lesbar",
    "pos.unbalanced": "Tagesabschluss nicht ausgeglichen",
    "pos.unmapped_category": "Kategorie ohne Konto",
    "receipts.document_inconsistent": "Beleg uneinheitlich",
    "transfer.already_transferred": "Bereits übertragen",
    "transfer.blocked": "Von der Übertragung ausgeschlossen",
    "transfer.datev_rejected": "Von DATEV abgelehnt",
}

#: E-invoice rules (issue 20): the standard's rule id stays in the id, the title says what it
#: checks in the words of the Business Terms (BT-…) the message names.
RULE_TITLES |= {
    "einvoice.due_before_issue": "Fälligkeit vor dem Rechnungsdatum",
    "einvoice.xsd": "E-Rechnung verletzt das XML-Schema",
    "en16931.BR-01": "Spezifikationskennung fehlt",
    "en16931.BR-02": "Rechnungsnummer fehlt",
    "en16931.BR-03": "Rechnungsdatum fehlt",
    "en16931.BR-04": "Rechnungstyp fehlt",
    "en16931.BR-05": "Rechnungswährung fehlt",
    "en16931.BR-06": "Name des Verkäufers fehlt",
    "en16931.BR-07": "Name des Käufers fehlt",
    "en16931.BR-08": "Anschrift des Verkäufers fehlt",
    "en16931.BR-09": "Ländercode des Verkäufers fehlt",
    "en16931.BR-10": "Anschrift des Käufers fehlt",
    "en16931.BR-11": "Ländercode des Käufers fehlt",
    "en16931.BR-12": "Summe der Positionsnettobeträge fehlt",
    "en16931.BR-13": "Gesamtbetrag ohne Umsatzsteuer fehlt",
    "en16931.BR-14": "Gesamtbetrag mit Umsatzsteuer fehlt",
    "en16931.BR-15": "Fälliger Zahlungsbetrag fehlt",
    "en16931.BR-16": "Keine Rechnungsposition",
    "en16931.BR-21": "Positionskennung fehlt",
    "en16931.BR-22": "Menge der Position fehlt",
    "en16931.BR-23": "Maßeinheit der Menge fehlt",
    "en16931.BR-24": "Nettobetrag der Position fehlt",
    "en16931.BR-25": "Artikelname fehlt",
    "en16931.BR-26": "Nettopreis fehlt",
    "en16931.BR-27": "Nettopreis negativ",
    "en16931.BR-45": "Steuerbasisbetrag der Kategorie fehlt",
    "en16931.BR-46": "Steuerbetrag der Kategorie fehlt",
    "en16931.BR-47": "Umsatzsteuerkategorie der Aufschlüsselung fehlt",
    "en16931.BR-48": "Umsatzsteuersatz der Kategorie fehlt",
    "en16931.BR-61": "IBAN fehlt bei Überweisung",
    "en16931.BR-CL-01": "Rechnungstyp nicht in der Codeliste",
    "en16931.BR-CL-04": "Währung nicht in der Codeliste",
    "en16931.BR-CL-14": "Ländercode nicht in der Codeliste",
    "en16931.BR-CL-16": "Zahlungsart nicht in der Codeliste",
    "en16931.BR-CL-17": "Umsatzsteuerkategorie der Aufschlüsselung nicht in der Codeliste",
    "en16931.BR-CL-18": "Umsatzsteuerkategorie der Position nicht in der Codeliste",
    "en16931.BR-CO-04": "Umsatzsteuerkategorie der Position fehlt",
    "en16931.BR-CO-09": "USt-IdNr. ohne Ländercode",
    "en16931.BR-CO-10": "Positionssumme stimmt nicht",
    "en16931.BR-CO-11": "Summe der Nachlässe stimmt nicht",
    "en16931.BR-CO-12": "Summe der Zuschläge stimmt nicht",
    "en16931.BR-CO-13": "Nettobetrag stimmt nicht",
    "en16931.BR-CO-14": "Umsatzsteuer-Gesamtbetrag stimmt nicht",
    "en16931.BR-CO-15": "Bruttobetrag stimmt nicht",
    "en16931.BR-CO-16": "Fälliger Zahlungsbetrag stimmt nicht",
    "en16931.BR-CO-17": "Steuerbetrag der Kategorie stimmt nicht",
    "en16931.BR-CO-26": "Kennung des Verkäufers fehlt",
    "en16931.BR-S-01": "Aufschlüsselung der Kategorie S fehlt oder überzählig",
    "en16931.BR-S-02": "Normalsatz ohne Steuernummer des Verkäufers",
    "en16931.BR-S-05": "Normalsatz-Position ohne Steuersatz",
    "en16931.BR-S-08": "Steuerbasisbetrag der Kategorie S stimmt nicht",
    "en16931.BR-S-09": "Steuerbetrag der Kategorie S stimmt nicht",
    "xrechnung.BR-DE-1": "Zahlungsanweisung fehlt",
    "xrechnung.BR-DE-15": "Käuferreferenz (Leitweg-ID) fehlt",
    "xrechnung.BR-DE-16": "Steuernummer des Verkäufers fehlt",
    "xrechnung.BR-DE-17": "Rechnungstyp in XRechnung nicht erlaubt",
    "xrechnung.BR-DE-19": "IBAN ungültig",
    "zugferd.pdf_text_mismatch": "PDF-Text weicht von der XML ab",
    "zugferd.pdfa": "PDF/A-Teil nicht PDF/A-3B",
    "zugferd.profile_without_lines": "ZUGFeRD-Profil ohne Positionen",
}

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
