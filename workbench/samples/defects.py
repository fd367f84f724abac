"""Seeded defects: what is wrong with which row, applied to a clean frame and kept in a manifest.

A :class:`Defect` changes one cell. ``value`` is the typed value the canonical frame holds
afterwards (what the loader yields when it reads the file back); ``raw`` is the text written to the
file instead of the formatted value, for defects that only exist as text (an impossible date, an
amount with three decimals in the file's own notation). A value that does not parse is null in the
frame, exactly as the loader makes it.

Random defects for the generator are drawn vectorised: one polars ``scatter`` per rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from workbench.samples.parties import CLIENTS

__all__ = [
    "Defect",
    "KEEP",
    "MANIFEST_SCHEMA",
    "RULES",
    "apply_defects",
    "random_receipt_defects",
]


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: Marker: the defect does not change the typed value (it lives in the file's text only).
KEEP = _Keep()

#: Every rule id the samples use, with a one-line English description (README, tests).
RULES: dict[str, str] = {
    "encoding.non_utf8": "file is not UTF-8 (Windows-1252 or UTF-16); DATEV accepts UTF-8 only",
    "encoding.control_character": "control character (U+0000-U+001F but tab/CR/LF) in a text",
    "encoding.escape_sequence": "escape debris (Intruder Alert): &#252;, &uuml;, \\3xx",
    "encoding.exotic_space": "U+00A0, U+202F or a zero-width space instead of a plain space "
    "(DATEV: Intruder Alert)",
    "encoding.mojibake": "UTF-8 read as Windows-1252 (MÃ¼ller, â‚¬)",
    "encoding.not_cp1252": "character that Windows-1252 (EXTF) cannot represent (emoji, ő, CJK)",
    "account.non_numeric": "account number with letters or signs",
    "account.length_mismatch": "G/L account longer than the client's Sachkontenlänge",
    "account.short": "G/L account shorter than the Sachkontenlänge (DATEV reads leading zeros: "
    "an info)",
    "document_types.no_folder": "Beleg-Art without a folder in DATEV: every item is refused",
    "account.personal_length_mismatch": "personal account length != Sachkontenlänge + 1",
    "fiscal_year.not_created": "date in a fiscal year that is not created in DATEV",
    "fiscal_year.outside_period": "date outside the period 2026-01 .. 2026-03",
    "field.required": "required value missing",
    "field.max_length": "text longer than DATEV allows (bookingText 60, names 50, cities 30, "
    "invoiceId 36)",
    "field.pattern": "value outside the field's pattern (Belegfeld 1 charset, postcode)",
    "field.vat_id": "USt-IdNr. with a wrong check digit",
    "field.iban": "IBAN with a wrong checksum",
    "field.currency": "currency code not an upper-case ISO 4217 code",
    "field.unparseable": "value the loader cannot read as date/number (reported by the loader)",
    "field.line_break": "quoted text with a line break: one value over several lines (loader)",
    "amount.zero": "amount 0.00 (DATEV rejects it)",
    "amount.decimals": "amount with more than two decimals",
    "amount.gross_mismatch": "net + tax != gross",
    "duplicate.invoice_id": "same invoice id on two documents of one client and month",
    "duplicate.call_id": "same call id twice",
    "cash.chronology": "Kassenbeleg dated before the one transferred before it",
    "cash.negative_balance": "running cash balance (from 0,00 at file start) below zero",
    "cash.multiple_dates": "two dates within one Kassenbeleg",
    "attachment.missing": "referenced Belegbild does not exist",
    "attachment.unsupported_type": "Belegbild type DATEV does not accept (.zip)",
    "attachment.too_large": "Belegbild over 20 MB (size from attachment_sizes.json)",
    "transfer.blocked": "BlockTransfer__c set: item is skipped and reported",
    "calls.unmatched_number": "number matches no addressee",
    "calls.ambiguous_number": "number matches several addressees",
    "calls.fax_number": "number is an addressee's fax number",
    "calls.inactive_addressee": "number belongs to an inactive addressee",
    "calls.invalid_duration": "negative or absurd call duration (over 12 hours)",
    "calls.overlap": "two calls overlap on one extension",
    # e-invoices (XRechnung, ZUGFeRD): the standard's rule id after the family
    "en16931.BR-CO-09": "VAT id without an ISO 3166 country prefix (EN 16931)",
    "en16931.BR-CO-10": "sum of line net amounts != BT-106 (EN 16931)",
    "en16931.BR-CO-15": "BT-112 != BT-109 + BT-110 (EN 16931)",
    "en16931.BR-CO-17": "VAT category tax amount != taxable amount x rate, +-1 (EN 16931)",
    "en16931.BR-S-09": "standard-rated tax amount != taxable amount x rate, +-1 (EN 16931)",
    "en16931.BR-AE-01": "reverse-charge lines without exactly one AE breakdown (EN 16931)",
    "en16931.BR-S-01": "standard-rated items without an S breakdown, or the reverse (EN 16931)",
    "en16931.BR-S-08": "standard-rated taxable amount != lines + charges - allowances (EN 16931)",
    "en16931.BR-E-08": "exempt taxable amount != its lines + charges - allowances (EN 16931)",
    "en16931.BR-AE-02": "reverse-charge line without the buyer's VAT id or register id (EN 16931)",
    "en16931.BR-E-02": "exempt line without the seller's VAT id or tax number (EN 16931)",
    "en16931.BR-CO-26": "seller without id BT-29, register id BT-30 or VAT id BT-31 (EN 16931)",
    "xrechnung.BR-DE-16": "XRechnung taxed line without the seller's VAT id or tax number",
    "en16931.BR-AE-05": "reverse-charge line (AE) with a VAT rate other than 0 (EN 16931)",
    "en16931.BR-AE-10": "reverse-charge breakdown without exemption reason BT-120/121 (EN 16931)",
    "en16931.BR-E-09": "exempt breakdown (E) with a tax amount other than 0 (EN 16931)",
    "en16931.BR-Z-10": "zero-rated breakdown (Z) with an exemption reason (EN 16931)",
    "en16931.BR-IC-02": "intra-community supply (K) without the buyer's VAT id (EN 16931)",
    "en16931.BR-IC-04": "intra-community supply with a charge (K) without the buyer's VAT id "
    "(EN 16931)",
    "en16931.BR-S-06": "document allowance of category S at 0 % (EN 16931)",
    "en16931.BR-IC-11": "intra-community supply without delivery date or period (EN 16931)",
    "en16931.BR-IC-12": "intra-community supply without deliver-to country BT-80 (EN 16931)",
    "en16931.BR-G-05": "export line (G) with a VAT rate other than 0 (EN 16931)",
    "en16931.BR-G-10": "export breakdown (G) without exemption reason BT-120/121 (EN 16931)",
    "en16931.BR-O-02": "line not subject to VAT (O) with a VAT id on the invoice (EN 16931)",
    "en16931.BR-O-05": "line not subject to VAT (O) with a VAT rate (EN 16931)",
    "en16931.BR-O-11": "breakdown O beside a breakdown of another category (EN 16931)",
    "en16931.BR-O-12": "breakdown O beside a line of another category (EN 16931)",
    "en16931.BR-61": "credit transfer (BT-81 30/58) without payment account BT-84 (EN 16931)",
    "xrechnung.BR-DE-15": "XRechnung without buyer reference BT-10 (Leitweg-ID)",
    "xrechnung.BR-DE-19": "XRechnung SEPA credit transfer with an invalid IBAN (warning)",
    "einvoice.xsd": "e-invoice XML violates its schema (UBL 2.1 / CII Factur-X profile)",
    "einvoice.due_before_issue": "due date BT-9 before issue date BT-2 (workbench plausibility)",
    "zugferd.profile_without_lines": "ZUGFeRD MINIMUM/BASIC WL: DATEV sees no positions",
    "zugferd.pdfa": "ZUGFeRD file not PDF/A-3B (3U): DATEV may read only the PDF",
    "zugferd.pdf_text_mismatch": "invoice number or total in the PDF text differs from the XML",
}

#: DATEV's maximum text lengths (LedgerImport XSD) for the canonical receipt/invoice columns.
MAX_LENGTH = {
    "booking_text": 60,
    "party_name": 50,
    "party_city": 30,
    "city": 30,
    "invoice_id": 36,
    "internal_invoice_id": 12,
    "information": 120,
}

MANIFEST_SCHEMA = pl.Schema(
    {
        "file": pl.String,
        "row": pl.Int64,
        "item_id": pl.String,
        "column": pl.String,
        "rule": pl.String,
        "value": pl.String,
        "note": pl.String,
    }
)


@dataclass(frozen=True)
class Defect:
    """One seeded defect: ``row`` is the 0-based index into the frame."""

    row: int | None
    column: str | None
    rule: str
    note: str
    value: object = KEEP
    raw: str | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule}")


def apply_defects(frame: pl.DataFrame, defects: list[Defect]) -> pl.DataFrame:
    """The frame with every defect's typed value set (unparseable raw text -> null)."""
    columns: dict[str, pl.Series] = {}
    for defect in defects:
        if defect.row is None or defect.column is None:
            continue
        value = defect.value
        if value is KEEP:
            if defect.raw is None:
                continue
            value = None if defect.rule in ("field.unparseable", "field.required") else KEEP
            if value is KEEP:
                continue
        series = columns.get(defect.column, frame[defect.column])
        columns[defect.column] = series.scatter(
            [defect.row], pl.Series([value], dtype=series.dtype)
        )
    return frame.with_columns(list(columns.values())) if columns else frame


def no_folder_defects(frame: pl.DataFrame, client: str) -> pl.DataFrame:
    """Manifest rows (``row`` = 0-based) for the items of Beleg-Arten DATEV has no folder for."""
    kinds = list(CLIENTS[client].without_folder) if client in CLIENTS else []
    rows = frame.with_row_index("row").filter(pl.col("document_kind").is_in(kinds))
    return rows.select(
        pl.lit(None, dtype=pl.String).alias("file"),
        pl.col("row").cast(pl.Int64),
        pl.col("item_id").cast(pl.String),
        pl.lit("document_kind").alias("column"),
        pl.lit("document_types.no_folder").alias("rule"),
        pl.col("document_kind").alias("value"),
        pl.format("{} ohne Ordner in DATEV (Mandant {})", "document_kind", pl.lit(client)).alias(
            "note"
        ),
    ).cast(MANIFEST_SCHEMA)


# --- random defects for the generator ------------------------------------------------------------

_UMLAUT_MOJIBAKE = {"ü": "Ã¼", "ä": "Ã¤", "ö": "Ã¶", "ß": "ÃŸ", "Ü": "Ãœ", "Ö": "Ã–"}
_LONG_SUFFIX = " laut Lieferscheinen der Kalenderwochen 1 bis 4, Sammelrechnung"


def _money_en(values: pl.Series, decimals: int) -> pl.Series:
    scaled = (values.abs() * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    part = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    sign = pl.Series(np.where(values.to_numpy() < 0, "-", ""))
    return sign + whole + "." + part


def random_receipt_defects(
    frame: pl.DataFrame, *, seed: int, client: str, rate: float, unparseable: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.Series]]:
    """Seed item-level defects into ``rate`` of the non-cash rows, one defect per row.

    Returns the typed frame, the manifest (``row`` = 0-based index, ``file`` null) and the raw
    texts per column (null where the formatted value is written) for the file writer.
    """
    eligible = (frame["document_kind"] != "Kasse").to_numpy()
    makers = [m for m in _RECEIPT_MAKERS if unparseable or m[0] != "field.unparseable"]
    return random_defects(
        frame, makers, eligible=eligible, seed=seed, client=client, rate=rate, item_column="item_id"
    )


def random_defects(
    frame: pl.DataFrame,
    makers,
    *,
    eligible: np.ndarray,
    seed: int,
    client: str,
    rate: float,
    item_column: str,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.Series]]:
    """Spread ``rate`` × rows defects over the eligible rows, each maker on its own rows."""
    spec = CLIENTS[client]
    rng = np.random.default_rng(seed + 7919)
    candidates = np.flatnonzero(eligible)
    count = min(round(rate * frame.height), len(candidates))
    chosen = (
        np.sort(rng.choice(candidates, size=count, replace=False))
        if count
        else np.array([], np.int64)
    )
    rng.shuffle(chosen)
    groups = np.array_split(chosen, len(makers))
    parts: list[pl.DataFrame] = []
    raw: dict[str, pl.Series] = {}
    updates: dict[str, pl.Series] = {}

    def series(name: str) -> pl.Series:
        return updates.get(name, frame[name])

    for (rule, column, make, note), rows in zip(makers, groups, strict=True):
        rows = np.sort(rows)
        if not len(rows):
            continue
        current = series(column).gather(rows)
        keep = current.is_not_null().to_numpy()
        if rule in ("encoding.mojibake", "encoding.escape_sequence"):
            keep &= current.str.contains("[äöüßÜÖ]").fill_null(False).to_numpy()
        if rule in ("encoding.exotic_space", "encoding.control_character"):
            keep &= current.str.contains(" ", literal=True).fill_null(False).to_numpy()
        rows, current = rows[keep], current.filter(pl.Series(keep))
        if not len(rows):
            continue
        values, texts = make(current, rng, spec)
        updates[column] = series(column).scatter(rows, values.cast(frame[column].dtype))
        if texts is not None:
            base = raw.get(column, pl.Series(column, [None] * frame.height, dtype=pl.String))
            raw[column] = base.scatter(rows, texts)
        if column == "date" and "accounting_month" in frame.columns:
            updates["accounting_month"] = series("accounting_month").scatter(
                rows, values.dt.strftime("%Y-%m")
            )
            if rule == "fiscal_year.outside_period":
                days = values.to_list()
                missing = np.array(
                    [i for i, day in enumerate(days) if not spec.fiscal_year_created(day)],
                    dtype=np.int64,
                )
                if len(missing):
                    parts.append(
                        _manifest(
                            frame,
                            rows[missing],
                            "fiscal_year.not_created",
                            "date",
                            "Wirtschaftsjahr nicht angelegt",
                            item_column,
                        )
                    )
        parts.append(_manifest(frame, rows, rule, column, note, item_column))
        limit = MAX_LENGTH.get(column)
        if limit and rule != "field.max_length":
            # An escape or mojibake can make a text too long: that is a second defect.
            longer = (values.str.len_chars() > limit).fill_null(False).to_numpy()
            if longer.any():
                parts.append(
                    _manifest(
                        frame,
                        rows[longer],
                        "field.max_length",
                        column,
                        "durch die Ersetzung zu lang",
                        item_column,
                    )
                )
    typed = frame.with_columns(list(updates.values())) if updates else frame
    manifest = pl.concat(parts) if parts else pl.DataFrame(schema=MANIFEST_SCHEMA)
    return typed, manifest.sort("row", "rule"), raw


def _manifest(
    frame: pl.DataFrame, rows: np.ndarray, rule: str, column: str, note: str, item_column: str
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file": pl.Series([None] * len(rows), dtype=pl.String),
            "row": rows.astype(np.int64),
            "item_id": frame[item_column].gather(rows).cast(pl.String),
            "column": [column] * len(rows),
            "rule": [rule] * len(rows),
            "value": pl.Series([None] * len(rows), dtype=pl.String),
            "note": [note] * len(rows),
        },
        schema=MANIFEST_SCHEMA,
    )


def _outside(current: pl.Series, rng, spec):
    days = [spec.last_day + timedelta(days=int(d)) for d in rng.integers(2, 20, len(current))]
    return pl.Series(days, dtype=pl.Date), None


def _unparseable_date(current: pl.Series, rng, spec):
    first = spec.first_day
    text = f"{first.year}-02-30"
    return pl.Series([None] * len(current), dtype=pl.Date), pl.Series([text] * len(current))


def _three_decimals(current: pl.Series, rng, spec):
    values = (current * 100).round(0) / 100 + 0.005 * np.where(current.to_numpy() < 0, -1, 1)
    values = (values * 1000).round(0) / 1000
    return values, _money_en(values, 3)


def _bump_last_digit(current: pl.Series, rng, spec):
    last = current.str.slice(-1).cast(pl.Int64)
    return current.str.slice(0, current.str.len_chars() - 1) + ((last + 1) % 10).cast(
        pl.String
    ), None


def _mojibake(current: pl.Series, rng, spec):
    out = current
    for good, bad in _UMLAUT_MOJIBAKE.items():
        out = out.str.replace_all(good, bad, literal=True)
    return out, None


def _escape(current: pl.Series, rng, spec):
    out = current
    for good, bad in {"ü": "&#252;", "ä": "&auml;", "ö": "\\366", "ß": "&#223;"}.items():
        out = out.str.replace_all(good, bad, literal=True)
    return out, None


_RECEIPT_MAKERS = (
    (
        "amount.zero",
        "amount",
        lambda c, r, s: (c * 0.0, pl.Series(["0.00"] * len(c))),
        "Betrag 0,00",
    ),
    ("amount.decimals", "amount", _three_decimals, "drei Nachkommastellen"),
    ("account.non_numeric", "account_no", lambda c, r, s: ("K" + c, None), "Buchstabe im Konto"),
    (
        "account.length_mismatch",
        "account_no",
        lambda c, r, s: (c + "0", None),
        "Konto eine Stelle zu lang",
    ),
    (
        "account.personal_length_mismatch",
        "party_account_no",
        lambda c, r, s: (c.str.slice(0, c.str.len_chars() - 1), None),
        "Personenkonto eine Stelle zu kurz",
    ),
    (
        "field.max_length",
        "booking_text",
        lambda c, r, s: (c + _LONG_SUFFIX, None),
        "Buchungstext über 60 Zeichen",
    ),
    ("field.pattern", "invoice_id", lambda c, r, s: (c + "_K", None), "Unterstrich in Belegfeld 1"),
    ("field.vat_id", "vat_id", _bump_last_digit, "Prüfziffer falsch"),
    ("field.iban", "iban", _bump_last_digit, "IBAN-Prüfsumme falsch"),
    (
        "field.currency",
        "currency_code",
        lambda c, r, s: (c.str.to_lowercase(), None),
        "Währung klein geschrieben",
    ),
    (
        "encoding.exotic_space",
        "booking_text",
        lambda c, r, s: (c.str.replace(" ", "\u00a0", literal=True), None),
        "geschütztes Leerzeichen",
    ),
    (
        "encoding.control_character",
        "booking_text",
        lambda c, r, s: (c.str.replace(" ", "\x1f", literal=True), None),
        "Steuerzeichen U+001F",
    ),
    ("encoding.mojibake", "party_name", _mojibake, "UTF-8 als Windows-1252 gelesen"),
    ("encoding.escape_sequence", "party_name", _escape, "HTML-/Oktal-Escapes"),
    ("encoding.not_cp1252", "booking_text", lambda c, r, s: (c + " 🥨", None), "Emoji"),
    ("fiscal_year.outside_period", "date", _outside, "Datum nach dem Zeitraum"),
    ("field.unparseable", "date", _unparseable_date, "unmögliches Datum"),
    (
        "transfer.blocked",
        "block_transfer",
        lambda c, r, s: (c.not_(), None),
        "BlockTransfer__c gesetzt",
    ),
)


INVOICE_MAKERS = (
    (
        "amount.gross_mismatch",
        "gross",
        lambda c, r, s: ((c + 0.01).round(2), None),
        "Brutto um 0,01 zu hoch",
    ),
    (
        "field.currency",
        "currency_code",
        lambda c, r, s: (c.str.to_lowercase(), None),
        "Währung klein",
    ),
    ("account.length_mismatch", "account_no", lambda c, r, s: (c + "0", None), "Konto zu lang"),
    (
        "field.max_length",
        "party_name",
        lambda c, r, s: (c + " Niederlassung Süd, Betriebsstätte Fürth-Poppenreuth", None),
        "Name über 50 Zeichen",
    ),
    ("encoding.mojibake", "city", _mojibake, "UTF-8 als Windows-1252 gelesen"),
)
CALL_MAKERS = (
    (
        "calls.unmatched_number",
        "remote_number",
        lambda c, r, s: (
            pl.Series(["+49 911 555" + str(x).zfill(4) for x in r.integers(0, 9999, len(c))]),
            None,
        ),
        "unbekannte Nummer",
    ),
    (
        "calls.fax_number",
        "remote_number",
        lambda c, r, s: (pl.Series(["+49 911 4711-99"] * len(c)), None),
        "Faxnummer",
    ),
    ("calls.invalid_duration", "duration_s", lambda c, r, s: (-(c + 7), None), "negative Dauer"),
)


def fiscal_rules(client: str, day: date | None, first: date, last: date) -> list[str]:
    """The fiscal-year rules a clean-looking date violates for ``client`` and the period."""
    if day is None:
        return []
    rules = []
    if not CLIENTS[client].fiscal_year_created(day):
        rules.append("fiscal_year.not_created")
    if not first <= day <= last:
        rules.append("fiscal_year.outside_period")
    return rules
