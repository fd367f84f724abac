"""The committed sample files in ``data/samples/``: which rows carry which defect, and how each
file is spelled. ``build_samples`` is pure (returns bytes and frames); ``write_samples`` in
``workbench.samples`` writes them.

Every defect is placed on a chosen row of a clean, seeded frame; rows are picked evenly spread
over the file and never twice, and document-level defects (dates, invoice ids, names, Belegbild)
go to single-item documents so that exactly the listed rows are affected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from workbench._samples import frames
from workbench._samples.defects import Defect, apply_defects
from workbench._samples.parties import CLIENTS, GELDTRANSIT, account
from workbench._samples.writers import (
    Layout, csv_bytes, line_numbers, pdf_bytes, text_frame, zip_bytes,
)

__all__ = ["SampleFile", "build_samples"]

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
TOO_LARGE = {"RE-2026-0042_Scan.pdf": 22_548_480}


@dataclass
class SampleFile:
    """One file of ``data/samples/`` (or several sheets of one Excel file)."""

    name: str
    kind: str
    profile: str
    client: str | None
    encoding: str
    data: bytes | None = None                        # CSV / JSON bytes
    sheets: list | None = None                        # Excel: (sheet, headers, rows, formats)
    frame: pl.DataFrame | None = None                 # expected canonical frame (typed)
    positions: pl.DataFrame | None = None
    manifest: list[dict] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)


class Picker:
    """Deterministic, spread-out choice of rows that no other defect uses."""

    def __init__(self, frame: pl.DataFrame, group: str | None = None) -> None:
        self.frame = frame
        self.used: set[int] = set()
        self.calls = 0
        self.single = (frame.select(pl.len().over(group) == 1).to_series().to_numpy()
                       if group else np.ones(frame.height, dtype=bool))

    def __call__(self, mask: pl.Expr | np.ndarray | None = None, k: int = 1, *,
                 single: bool = False) -> list[int]:
        ok = np.ones(self.frame.height, dtype=bool)
        if isinstance(mask, pl.Expr):
            ok &= self.frame.select(mask.fill_null(False)).to_series().to_numpy()
        elif mask is not None:
            ok &= mask
        if single:
            ok &= self.single
        # keep a neighbour free on both sides: one defect per row, clearly apart
        taken = np.zeros(self.frame.height, dtype=bool)
        for row in self.used:
            taken[max(row - 1, 0):row + 2] = True
        candidates = np.flatnonzero(ok & ~taken)
        if len(candidates) < k:
            raise ValueError("not enough rows for the requested defects")
        self.calls += 1
        start = (self.calls * 0.377) % 1.0
        chosen = []
        for i in range(k):
            position = int(((start + i / k) % 1.0) * len(candidates))
            while candidates[position] in chosen:
                position = (position + 1) % len(candidates)
            chosen.append(int(candidates[position]))
        self.used.update(chosen)
        return chosen


def _value(frame: pl.DataFrame, row: int, column: str):
    return frame[column][row]


def _manifest(file: SampleFile, defects: list[Defect], text: pl.DataFrame | None,
              rows: list[int] | None, layout_headers: dict[str, str], item_header: str | None,
              *, sheet: str | None = None) -> None:
    for defect in defects:
        entry = {"file": file.name, "sheet": sheet, "row": None, "item_id": None,
                 "column": defect.column, "rule": defect.rule, "value": None, "note": defect.note}
        if defect.row is not None and text is not None:
            entry["row"] = rows[defect.row]
            if item_header:
                entry["item_id"] = text[item_header][defect.row]
            header = layout_headers.get(defect.column) if defect.column else None
            if header:
                entry["value"] = text[header][defect.row]
        file.manifest.append(entry)


def _csv_file(file: SampleFile, typed: pl.DataFrame, defects: list[Defect], layout: Layout,
              item_column: str, *, raw_extra: dict | None = None) -> None:
    raw: dict[str, pl.Series] = {}
    for defect in defects:
        if defect.raw is not None and defect.row is not None:
            base = raw.get(defect.column, pl.Series([None] * typed.height, dtype=pl.String))
            raw[defect.column] = base.scatter([defect.row], [defect.raw])
    text = text_frame(typed, layout, raw)
    file.data = csv_bytes(text, layout)
    headers = dict(layout.columns)
    _manifest(file, defects, text, line_numbers(text), headers, headers.get(item_column))
    mapped = [canonical for canonical, _ in layout.columns]
    # What the loader fills in itself: profile defaults, the Buchungsmonat from the date.
    derived = {"document_kind", "currency_code", "block_transfer"} if file.kind == "receipts" else set()
    expected = typed.with_columns(
        [pl.lit(None, dtype=dtype).alias(name) for name, dtype in typed.schema.items()
         if name not in mapped and name not in derived])
    if file.kind == "receipts" and "accounting_month" not in mapped:
        expected = expected.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("accounting_month"))
    file.frame = expected


def _html(text: str) -> str:
    for good, bad in {"ü": "&#252;", "ä": "&auml;", "ö": "&#246;", "ß": "&szlig;"}.items():
        text = text.replace(good, bad)
    return text


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _bump(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10)


def _attachments(frame: pl.DataFrame, skip: set[str], title: str) -> dict[str, bytes]:
    out = {}
    docs = frame.filter(pl.col("attachment").is_not_null()).group_by(
        "attachment", maintain_order=True).agg(
        pl.col("invoice_id").first(), pl.col("date").first(), pl.col("party_name").first(),
        pl.col("amount").sum().round(2))
    for name, invoice, day, party, amount in docs.iter_rows():
        if name in skip or not name.endswith(".pdf"):
            continue
        out[name] = pdf_bytes(f"{title} {invoice or ''}".strip(), [
            f"Datum: {day:%d.%m.%Y}" if day else "Datum: -",
            f"Partner: {party or '-'}", f"Betrag: {amount:.2f} EUR".replace(".", ","),
        ])
    return out


# --- receipts: JustOn Booking Detail ---------------------------------------------------------------

BOOKING_DETAIL = Layout(columns=(
    ("item_id", "Id"), ("document_id", "AccountingDocument"), ("invoice_id", "InvoiceNo"),
    ("date", "BookingDate"), ("party_name", "AccountName"), ("party_city", "BillingCity"),
    ("vat_id", "VATId"), ("iban", "IBAN"), ("swift_code", "BIC"), ("amount", "Amount"),
    ("currency_code", "CurrencyIsoCode"), ("account_no", "AccountNo"),
    ("party_account_no", "CustomerNumber"), ("tax", "TaxRate"), ("booking_text", "Description"),
    ("cost_category_id", "CostCenter"), ("delivery_date", "DeliveryDate"), ("due_date", "DueDate"),
    ("information", "Message"), ("block_transfer", "BlockTransfer__c"), ("attachment", "Attachment"),
), encoding="utf-8", bom=True)


def _booking_detail() -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(300, seed=11, client=client, kinds=("Rechnungsausgang",))
    f = SampleFile("receipts_juston_booking_detail.csv", "receipts", "juston", client, "utf-8-sig")
    pick = Picker(clean, "document_id")
    umlaut = pl.col("party_name").str.contains("[äöüß]")
    d: list[Defect] = []
    r = pick(umlaut, single=True)[0]
    d.append(Defect(r, "party_name", "encoding.escape_sequence", "HTML-Entity statt Umlaut",
                    _html(_value(clean, r, "party_name"))))
    r = pick(pl.col("booking_text").str.contains("ö"))[0]
    d.append(Defect(r, "booking_text", "encoding.escape_sequence", "Oktal-Escape \\303\\266 statt ö",
                    _value(clean, r, "booking_text").replace("ö", "\\303\\266")))
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(Defect(r, "party_name", "encoding.exotic_space", "U+00A0 geschütztes Leerzeichen",
                    _value(clean, r, "party_name").replace(" ", "\u00a0", 1)))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "encoding.exotic_space", "U+202F schmales Leerzeichen",
                    _value(clean, r, "booking_text").replace(" ", "\u202f", 1)))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "encoding.exotic_space", "U+200B Leerzeichen ohne Breite",
                    _value(clean, r, "booking_text").replace(" ", " \u200b", 1)))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "encoding.control_character", "U+001F statt Leerzeichen",
                    _value(clean, r, "booking_text").replace(" ", "\x1f", 1)))
    r = pick(pl.col("information").is_not_null())[0]
    d.append(Defect(r, "information", "encoding.control_character", "U+000C Seitenvorschub",
                    _value(clean, r, "information").replace(" ", "\x0c", 1)))
    r = pick(umlaut, single=True)[0]
    d.append(Defect(r, "party_name", "encoding.mojibake", "UTF-8 als Windows-1252 gelesen",
                    _mojibake(_value(clean, r, "party_name"))))
    r = pick(pl.col("booking_text").str.contains("[äöüß]"))[0]
    d.append(Defect(r, "booking_text", "encoding.mojibake", "UTF-8 als Windows-1252 gelesen",
                    _mojibake(_value(clean, r, "booking_text"))))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "encoding.not_cp1252", "Emoji U+1F968",
                    _value(clean, r, "booking_text")[:26] + " 🥨"))
    r = pick(single=True)[0]
    d.append(Defect(r, "party_name", "encoding.not_cp1252", "ő (U+0151) fehlt in Windows-1252",
                    "Kávéház Kőrösi Kft."))
    r = pick()[0]
    d.append(Defect(r, "account_no", "account.non_numeric", "Buchstabe O statt Ziffer 0",
                    _value(clean, r, "account_no").replace("0", "O", 1)))
    r = pick()[0]
    d.append(Defect(r, "account_no", "account.length_mismatch", "5 statt 4 Stellen",
                    _value(clean, r, "account_no") + "0"))
    r = pick(single=True)[0]
    d.append(Defect(r, "party_account_no", "account.personal_length_mismatch",
                    "Debitor mit 4 statt 5 Stellen", _value(clean, r, "party_account_no")[1:]))
    moved: list[tuple[int, date]] = []
    for day, note in ((date(2025, 12, 30), "Dezember 2025, vor dem Zeitraum"),
                      (date(2026, 4, 1), "April 2026, nach dem Zeitraum")):
        r = pick(single=True)[0]
        d.append(Defect(r, "date", "fiscal_year.outside_period", note, day))
        moved.append((r, day))
    r = pick(single=True)[0]
    d.append(Defect(r, "invoice_id", "field.required", "Rechnungsnummer fehlt", None))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.required", "Buchungsdatum fehlt", None))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "field.max_length", "64 Zeichen (max. 60)",
                    "Frühstücksbuffet Tagung Messezentrum Halle 7, 14.-16.01., 80 P."))
    r = pick(single=True)[0]
    d.append(Defect(r, "party_name", "field.max_length", "57 Zeichen (max. 50)",
                    "Kindertagesstätte Sonnenschein der Evangelischen Gemeinde"))
    r = pick(single=True)[0]
    d.append(Defect(r, "party_city", "field.max_length", "35 Zeichen (max. 30)",
                    "Neustadt an der Aisch-Bad Windsheim"))
    for value, note in (("RA_2026_{}", "Unterstrich"), ("RA 2026-{}", "Leerzeichen"),
                        ("RA-2026.{}", "Punkt")):
        r = pick(single=True)[0]
        number = _value(clean, r, "invoice_id")[-5:]
        d.append(Defect(r, "invoice_id", "field.pattern", f"{note} in Belegfeld 1",
                        value.format(number)))
    r = pick(single=True)[0]
    d.append(Defect(r, "invoice_id", "field.max_length", "37 Zeichen (max. 36)",
                    _value(clean, r, "invoice_id") + "-SAMMELRECHNUNG-JANUAR-K"[:37 - 13]))
    r = pick(pl.col("vat_id").is_not_null(), single=True)[0]
    d.append(Defect(r, "vat_id", "field.vat_id", "Prüfziffer falsch", _bump(_value(clean, r, "vat_id"))))
    r = pick(single=True)[0]
    d.append(Defect(r, "iban", "field.iban", "IBAN-Prüfsumme falsch (Lastschriftmandat)",
                    "DE88760501011234567891"))
    for value in ("eur", "XYZ"):
        r = pick()[0]
        d.append(Defect(r, "currency_code", "field.currency", f"Währung '{value}'", value))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.zero", "Betrag 0,00", 0.0))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.decimals", "drei Nachkommastellen", 123.455, "123,455"))
    r = pick()[0]
    d.append(Defect(r, "amount", "field.unparseable", "Buchstabe O statt Null", raw="12O,00"))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.unparseable", "31. Februar gibt es nicht", raw="31.02.2026"))
    january = pl.col("date").dt.month() == 1
    first, second = pick(january, 2, single=True)
    original = _value(clean, first, "invoice_id")
    d.append(Defect(first, "invoice_id", "duplicate.invoice_id", "erster Beleg mit dieser Nummer"))
    d.append(Defect(second, "invoice_id", "duplicate.invoice_id",
                    f"zweiter Beleg mit der Nummer {original}", original))
    for r in pick(None, 2):
        d.append(Defect(r, "block_transfer", "transfer.blocked", "BlockTransfer__c = true", True))
    r = pick(single=True)[0]
    missing = _value(clean, r, "attachment")
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick(single=True)[0]
    d.append(Defect(r, "attachment", "attachment.unsupported_type", "ZIP-Archiv statt PDF",
                    "Belege_Januar_2026.zip"))
    typed = apply_defects(clean, d)
    for r, day in moved:  # delivery and due date move with the invoice date
        typed = typed.with_columns(typed["delivery_date"].scatter([r], [day]),
                                   typed["due_date"].scatter([r], [day + timedelta(days=14)]))
    _csv_file(f, typed, d, BOOKING_DETAIL, "item_id")
    f.attachments = _attachments(typed, {missing}, "Rechnung")
    f.attachments["Belege_Januar_2026.zip"] = zip_bytes(
        {"RA-2026-00001.pdf": pdf_bytes("Rechnung", ["im Archiv statt einzeln"])})
    return f


# --- receipts: JustOn Expense (Windows-1252) -------------------------------------------------------

EXPENSE = Layout(columns=(
    ("item_id", "Id"), ("document_id", "AccountingDocument"), ("internal_invoice_id", "Name"),
    ("invoice_id", "ReceiptNo"), ("date", "ReceiptDate"), ("party_name", "PayeeName"),
    ("party_city", "SenderCity"), ("vat_id", "SenderTaxId"), ("iban", "PayeeIBAN"),
    ("swift_code", "PayeeBIC"), ("amount", "GrossAmount"), ("currency_code", "CurrencyIsoCode"),
    ("account_no", "GLAccount"), ("party_account_no", "PayeeAccountNo"), ("tax", "TaxRate"),
    ("booking_text", "Description"), ("cost_category_id", "CostCenter"), ("paid_at", "PaymentDate"),
    ("block_transfer", "BlockTransfer__c"), ("attachment", "Attachment"),
), encoding="cp1252")


def _expense() -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(200, seed=12, client=client, kinds=("Rechnungseingang",),
                                  first_document=401)
    f = SampleFile("receipts_juston_expense.csv", "receipts", "juston", client, "cp1252")
    pick = Picker(clean, "document_id")
    d = [Defect(None, None, "encoding.non_utf8", "Datei in Windows-1252 (ANSI) statt UTF-8")]
    r = pick()[0]
    d.append(Defect(r, "account_no", "account.length_mismatch", "3 statt 4 Stellen",
                    _value(clean, r, "account_no")[:3]))
    r = pick(single=True)[0]
    d.append(Defect(r, "party_account_no", "account.personal_length_mismatch",
                    "Kreditor mit 6 statt 5 Stellen", _value(clean, r, "party_account_no") + "5"))
    r = pick(pl.col("iban").is_not_null(), single=True)[0]
    d.append(Defect(r, "iban", "field.iban", "IBAN-Prüfsumme falsch", _bump(_value(clean, r, "iban"))))
    r = pick(pl.col("vat_id").is_not_null(), single=True)[0]
    d.append(Defect(r, "vat_id", "field.vat_id", "Prüfziffer falsch", _bump(_value(clean, r, "vat_id"))))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.zero", "Betrag 0,00", 0.0))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.unparseable", "kleines l statt 1", raw="3l.01.2026"))
    r = pick()[0]
    d.append(Defect(r, "amount", "field.unparseable", "Text im Betrag", raw="ca. 85,00"))
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(Defect(r, "party_name", "encoding.exotic_space", "U+00A0 (in Windows-1252 0xA0)",
                    _value(clean, r, "party_name").replace(" ", "\u00a0", 1)))
    r = pick(pl.col("party_name").str.contains("[äöü]"), single=True)[0]
    d.append(Defect(r, "party_name", "encoding.mojibake", "UTF-8 als Windows-1252 gespeichert",
                    _mojibake(_value(clean, r, "party_name"))))
    r = pick(single=True)[0]
    missing = _value(clean, r, "attachment")
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "fiscal_year.outside_period",
                    "Dezember-Rechnung im Januar erfasst", date(2025, 12, 29)))
    r = pick(single=True)[0]
    d.append(Defect(r, "internal_invoice_id", "field.max_length", "13 Zeichen (max. 12)",
                    _value(clean, r, "internal_invoice_id") + "-KOR"))
    first, second = pick(pl.col("date").dt.month() == 2, 2, single=True)
    original = _value(clean, first, "invoice_id")
    d.append(Defect(first, "invoice_id", "duplicate.invoice_id", "erster Beleg mit dieser Nummer"))
    d.append(Defect(second, "invoice_id", "duplicate.invoice_id",
                    f"Lieferant hat {original} doppelt geschickt", original))
    r = pick()[0]
    d.append(Defect(r, "block_transfer", "transfer.blocked", "BlockTransfer__c = true", True))
    typed = apply_defects(clean, d)
    # The duplicate comes from the same supplier, with the same amount.
    for column in ("party_name", "party_city", "vat_id", "iban", "swift_code", "party_account_no", "amount"):
        typed = typed.with_columns(typed[column].scatter([second], [typed[column][first]]))
    _csv_file(f, typed, d, EXPENSE, "item_id")
    f.attachments = _attachments(typed, {missing}, "Eingangsrechnung")
    return f


# --- receipts: Kasse (JustOn Expense, Beleg-Art Kassenbeleg) ---------------------------------------

KASSE = Layout(columns=(
    ("item_id", "Id"), ("document_id", "AccountingDocument"), ("document_kind", "DocumentType"),
    ("invoice_id", "ReceiptNo"), ("date", "ReceiptDate"), ("amount", "GrossAmount"),
    ("currency_code", "CurrencyIsoCode"), ("account_no", "GLAccount"), ("tax", "TaxRate"),
    ("booking_text", "Description"), ("cost_category_id", "CostCenter"),
), values=(("document_kind", (("Kasse", "Kassenbeleg"),)),), encoding="utf-8")


def _kasse() -> SampleFile:
    """Hauptkasse of the bakery: daily takings, small cash expenses, bank deposits on Fridays."""
    client = "455148-1"
    spec = CLIENTS[client]
    rng = np.random.default_rng(13)
    days = np.busday_offset(np.datetime64("2026-01-02"), np.arange(80), roll="forward",
                            weekmask="1111110", holidays=np.array(frames.HOLIDAYS, dtype="datetime64[D]"))
    days = [day.astype(date) for day in days if day <= np.datetime64("2026-03-31")]
    expense_roles = [role for role in frames.ROLES if role.kind == "Kasse" and role.sign < 0]
    over_deposit = date(2026, 2, 13)           # this Friday's deposit exceeds the till
    split_day, moved_day = date(2026, 3, 10), date(2026, 2, 19)
    rows, balance, doc = [], 0, 0
    markers: dict[str, list[int]] = {"negative": [], "split": [], "moved": []}

    def add(day: date, items: list[tuple[int, str, float, str]], marker: str | None = None) -> None:
        nonlocal balance, doc
        doc += 1
        for cents, text, tax, account_no in items:
            balance += cents
            if marker:
                markers[marker].append(len(rows))
            rows.append({"document_id": f"KAS-{doc:05d}", "date": day, "amount": cents / 100,
                         "tax": tax, "booking_text": text, "account_no": account(account_no, 4),
                         "invoice_id": f"KB-2026-{doc:04d}"})

    for day in days:
        food = int(rng.integers(35000, 190000))
        drinks = int(rng.integers(12000, 90000))
        add(day, [(food, "Tageseinnahmen 7 %", 7.0, "8300"), (drinks, "Tageseinnahmen 19 %", 19.0, "8400")],
            "split" if day == split_day else "moved" if day == moved_day else None)
        if day not in (split_day, moved_day) and rng.random() < 0.35:
            role = expense_roles[int(rng.integers(0, len(expense_roles)))]
            cents = -int(rng.integers(role.low * 100, role.high * 100))
            add(day, [(cents, role.text, role.tax, role.skr03)])
        if day.weekday() == 4 and day not in (split_day, moved_day):
            deposit = balance + 8500 if day == over_deposit else (balance * 8 // 1000) * 100
            add(day, [(-deposit, "Einzahlung Bank (Geldtransit)", 0.0, GELDTRANSIT[spec.chart])],
                "negative" if day == over_deposit else None)
    table = pl.DataFrame(rows).with_columns(pl.col("date").cast(pl.Date))
    n = table.height
    clean = pl.DataFrame({
        "document_id": table["document_id"],
        "item_id": [f"a0C2X000{i:07d}AAS" for i in range(1, n + 1)],
        "document_kind": ["Kasse"] * n, "date": table["date"],
        "accounting_month": table["date"].dt.strftime("%Y-%m"), "amount": table["amount"],
        "currency_code": ["EUR"] * n, "account_no": table["account_no"], "tax": table["tax"],
        "invoice_id": table["invoice_id"], "booking_text": table["booking_text"],
        "cost_category_id": ["Hauptkasse"] * n, "block_transfer": [False] * n,
    }).with_columns([pl.lit(None, dtype=dtype).alias(name)
                     for name, dtype in frames.schema("receipts").items()
                     if name not in ("document_id", "item_id", "document_kind", "date",
                                     "accounting_month", "amount", "currency_code", "account_no",
                                     "tax", "invoice_id", "booking_text", "cost_category_id",
                                     "block_transfer")]).select(list(frames.schema("receipts")))
    f = SampleFile("receipts_juston_kasse.csv", "receipts", "juston", client, "utf-8")
    d = []
    for r in markers["moved"]:
        d.append(Defect(r, "date", "cash.chronology",
                        "Kassenbeleg vom 16.02. nach Belegen vom 18.02. erfasst", date(2026, 2, 16)))
    first, second = markers["split"]
    d.append(Defect(first, "date", "cash.multiple_dates", "Kassenbeleg mit zwei Datumsangaben (1/2)"))
    d.append(Defect(second, "date", "cash.multiple_dates", "Kassenbeleg mit zwei Datumsangaben (2/2)",
                    split_day + timedelta(days=1)))
    for r in markers["negative"]:
        d.append(Defect(r, "amount", "cash.negative_balance",
                        "Einzahlung übersteigt den Kassenbestand um 85,00 EUR"))
    typed = apply_defects(clean, d).with_columns(
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month"))
    _csv_file(f, typed, d, KASSE, "item_id")
    return f


# --- receipts: canonical CSV and JSON ---------------------------------------------------------------

CANONICAL_RECEIPTS = Layout(columns=tuple((name, name) for name in frames.schema("receipts")),
                            numbers="en", dates="iso", separator=",", newline="\n")


def _canonical_receipts() -> SampleFile:
    client = "455148-2"
    clean = frames.clean_receipts(250, seed=13, client=client, first_document=1001)
    f = SampleFile("receipts_canonical.csv", "receipts", "canonical", client, "utf-8")
    pick = Picker(clean, "document_id")
    d = []
    r = pick()[0]
    d.append(Defect(r, "account_no", "account.length_mismatch",
                    "4-stelliges Konto bei Sachkontenlänge 5", _value(clean, r, "account_no")[:4]))
    r = pick(pl.col("party_account_no").is_not_null(), single=True)[0]
    d.append(Defect(r, "party_account_no", "account.personal_length_mismatch",
                    "Personenkonto 5 statt 6 Stellen", _value(clean, r, "party_account_no")[:5]))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.unparseable", "30. Februar", raw="2026-02-30"))
    r = pick()[0]
    d.append(Defect(r, "amount", "field.unparseable", "Buchstabe O statt Null", raw="1O5.00"))
    r = pick(single=True)[0]
    for rule in ("fiscal_year.not_created", "fiscal_year.outside_period"):
        d.append(Defect(r, "date", rule, "03.07.2026: Wirtschaftsjahr 2026/27 nicht angelegt",
                        date(2026, 7, 3)))
    r = pick(pl.col("information").is_not_null())[0]
    d.append(Defect(r, "information", "field.max_length", "130 Zeichen (max. 120)",
                    ("Lieferung an Baustelle Nordfriedhof, Abladestelle Tor 3, Ansprechpartner "
                     "Herr Schüßler, Rückfragen bitte an das Büro der Gärtnerei")[:130].ljust(130, ".")))
    r = pick()[0]
    d.append(Defect(r, "booking_text", "field.max_length", "genau 61 Zeichen (max. 60)",
                    "Gartenpflege Wohnanlage Rosenaustraße 12-18, Januar bis März"[:61].ljust(61, ".")))
    r = pick(single=True)[0]
    d.append(Defect(r, "invoice_id", "field.pattern", "Leerzeichen in Belegfeld 1",
                    _value(clean, r, "invoice_id").replace("-", " ")
                    if "-" in _value(clean, r, "invoice_id") else _value(clean, r, "invoice_id") + " A"))
    r = pick()[0]
    d.append(Defect(r, "currency_code", "field.currency", "unbekannte Währung", "XYZ"))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.decimals", "drei Nachkommastellen", 250.125, "250.125"))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.zero", "Betrag 0.00", 0.0))
    r = pick()[0]
    d.append(Defect(r, "block_transfer", "transfer.blocked", "block_transfer = true", True))
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(Defect(r, "party_name", "encoding.exotic_space", "U+00A0 nach Rechtsform",
                    _value(clean, r, "party_name").replace(" ", "\u00a0", 1)))
    r = pick(pl.col("iban").is_not_null(), single=True)[0]
    d.append(Defect(r, "iban", "field.iban", "IBAN-Prüfsumme falsch", _bump(_value(clean, r, "iban"))))
    typed = apply_defects(clean, d)
    typed = typed.with_columns(
        pl.when(pl.col("date").is_not_null()).then(pl.col("date").dt.strftime("%Y-%m"))
        .otherwise(pl.col("accounting_month")).alias("accounting_month"))
    _csv_file(f, typed, d, CANONICAL_RECEIPTS, "item_id")
    f.attachments = _attachments(typed, set(), "Beleg")
    return f


def _canonical_json() -> SampleFile:
    client = "455148-3"
    clean = frames.clean_receipts(24, seed=14, client=client, first_day=date(2026, 1, 2),
                                  last_day=date(2026, 1, 30), first_document=2001)
    f = SampleFile("receipts_canonical.json", "receipts", "canonical", client, "utf-8")
    d = [Defect(r, "date", "fiscal_year.not_created",
                "Wirtschaftsjahr 2026 ist für 455148-3 nicht angelegt") for r in range(clean.height)]
    records = []
    for row in clean.iter_rows(named=True):
        record = {}
        for name, value in row.items():
            if isinstance(value, date):
                value = value.isoformat()
            if value is not None:
                record[name] = value
        records.append(record)
    f.data = (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    text = pl.DataFrame({"item_id": clean["item_id"], "date": clean["date"].dt.strftime("%Y-%m-%d")})
    _manifest(f, d, text, list(range(1, clean.height + 1)), {"date": "date"}, "item_id")
    f.frame = clean
    f.attachments = _attachments(clean, set(), "Beleg")
    return f


# --- invoices: CRM+ Excel ----------------------------------------------------------------------------

CRM_HEADERS = (
    ("invoice_kind", "Modul"), ("invoice_id", "Rechnungsnr."), ("date", "Rechnungsdatum"),
    ("party_name", "Organisation oder Kontakt"), ("street", "Rechnungsadresse: Straße"),
    ("zip", "Rechnungsadresse: PLZ"), ("city", "Rechnungsadresse: Ort"),
    ("country", "Rechnungsadresse: Länderkürzel"), ("phone", "Telefon"), ("fax", "Fax"),
    ("email", "E-Mail Adresse"), ("currency_code", "Währung"), ("net", "Nettobetrag"),
    ("tax_amount", "Steuerbetrag"), ("gross", "Bruttobetrag"), ("cost_center", "Kostenstelle"),
    ("account_no", "Sachkonto"), ("party_account_no", "Kundennr."),
    ("attachment", "original Buchungsbeleg"), ("terms", "AGB"),
)
CRM_POSITIONS = (
    ("invoice_id", "Rechnungsnr."), ("position", "Pos."), ("name", "Produktposition(en): Name"),
    ("tax", "Produktposition(en): Steuer-Prozent"), ("net", "Produktposition(en): Positions-Netto"),
    ("tax_amount", "Produktposition(en): Positions-Steuer"),
    ("gross", "Produktposition(en): Positions-Brutto"), ("quantity", "Menge"),
)
CRM_MODULES = {"Rechnung": "Rechnungen", "Eingangsrechnung": "Eingangsrechnungen",
               "Gutschrift": "Gutschriften", "Storno": "Stornos"}


def _discounted(header: pl.DataFrame, positions: pl.DataFrame, row: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add a 100 % discount position to invoice ``row``: the invoice totals become 0,00."""
    invoice = header["invoice_id"][row]
    mine = positions.filter(pl.col("invoice_id") == invoice)
    discount = mine.select(
        pl.col("invoice_id").first(), (pl.col("position").max() + 1).alias("position"),
        pl.lit("Rabatt 100 % (Kulanz)").alias("name"), pl.col("tax").first(),
        (-pl.col("net").sum()).alias("net"), (-pl.col("tax_amount").sum()).alias("tax_amount"),
        (-pl.col("gross").sum()).alias("gross"), pl.lit(1.0).alias("quantity"))
    if mine["tax"].n_unique() != 1:
        raise ValueError("discount invoice must have one tax rate")
    last = int(positions.with_row_index().filter(pl.col("invoice_id") == invoice)["index"].max())
    positions = pl.concat([positions.head(last + 1), discount, positions.slice(last + 1)])
    header = header.with_columns(
        [header[c].scatter([row], [0.0]) for c in ("net", "tax_amount", "gross")])
    return header, positions


def _invoices_crmplus() -> SampleFile:
    client = "455148-1"
    header, positions = frames.clean_invoices(80, seed=21, client=client)
    f = SampleFile("invoices_crmplus.xlsx", "invoices", "crmplus", client, "xlsx")
    pick = Picker(header)
    rechnung = pl.col("invoice_kind") == "Rechnung"
    single_rate = positions.group_by("invoice_id").agg(pl.col("tax").n_unique() == 1)
    one_rate = set(single_rate.filter(pl.col("tax"))["invoice_id"].to_list())
    d: list[Defect] = []
    r = pick(rechnung & pl.col("invoice_id").is_in(sorted(one_rate)))[0]
    header, positions = _discounted(header, positions, r)
    d.append(Defect(r, "gross", "amount.zero", "Rechnung mit 100 % Rabatt: Summe 0,00"))
    r = pick(rechnung)[0]
    d.append(Defect(r, "party_name", "field.required", "Organisation oder Kontakt leer", None))
    r = pick()[0]
    d.append(Defect(r, "party_name", "field.max_length", "57 Zeichen (max. 50)",
                    "Kindertagesstätte Sonnenschein der Evangelischen Gemeinde"))
    r = pick()[0]
    d.append(Defect(r, "city", "field.max_length", "35 Zeichen (max. 30)",
                    "Neustadt an der Aisch-Bad Windsheim"))
    r = pick(rechnung)[0]
    bad_id = header["invoice_id"][r].replace("-", "_")
    positions = positions.with_columns(
        pl.when(pl.col("invoice_id") == header["invoice_id"][r]).then(pl.lit(bad_id))
        .otherwise(pl.col("invoice_id")).alias("invoice_id"))
    d.append(Defect(r, "invoice_id", "field.pattern", "Unterstrich in der Rechnungsnummer", bad_id))
    r = pick()[0]
    d.append(Defect(r, "gross", "amount.gross_mismatch", "Brutto um 0,01 zu hoch (Rundung)",
                    round(header["gross"][r] + 0.01, 2)))
    r = pick()[0]
    d.append(Defect(r, "currency_code", "field.currency", "Währung klein geschrieben", "eur"))
    r = pick()[0]
    d.append(Defect(r, "attachment", "attachment.unsupported_type", "ZIP-Archiv statt PDF",
                    header["invoice_id"][r] + ".zip"))
    zipped = header["invoice_id"][r] + ".zip"
    r = pick()[0]
    missing = header["attachment"][r]
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick()[0]
    d.append(Defect(r, "attachment", "attachment.too_large",
                    "Scan mit 22.548.480 Byte (> 20 MB), Größe laut attachment_sizes.json",
                    next(iter(TOO_LARGE))))
    r = pick(rechnung)[0]
    d.append(Defect(r, "account_no", "account.length_mismatch", "5 statt 4 Stellen",
                    header["account_no"][r] + "0"))
    r = pick(rechnung)[0]
    d.append(Defect(r, "party_account_no", "account.personal_length_mismatch",
                    "Kundennummer mit 4 statt 5 Stellen", header["party_account_no"][r][1:]))
    r = pick()[0]
    d.append(Defect(r, "date", "fiscal_year.outside_period", "Rechnung vom 29.12.2025",
                    date(2025, 12, 29)))
    r = pick()[0]
    d.append(Defect(r, "date", "field.unparseable", "31. November (als Text)", raw="31.11.2026"))
    r = pick(pl.col("street").str.contains(" "))[0]
    d.append(Defect(r, "street", "encoding.exotic_space", "U+00A0 vor der Hausnummer",
                    header["street"][r][::-1].replace(" ", "\u00a0", 1)[::-1]))
    r = pick(pl.col("city").str.contains("[äöü]"))[0]
    d.append(Defect(r, "city", "encoding.mojibake", "UTF-8 als Windows-1252 gelesen",
                    _mojibake(header["city"][r])))
    r = pick(pl.col("zip").str.starts_with("0"))[0]
    d.append(Defect(r, "zip", "field.pattern", "PLZ ohne führende Null (Zahl statt Text)",
                    header["zip"][r][1:]))
    lost_zip = r
    r = pick(rechnung)[0]
    duplicated = r
    typed = apply_defects(header, d)
    # The duplicate: CRM+ exported the same Rechnung twice (positions only once).
    typed = pl.concat([typed.head(duplicated + 1), typed.slice(duplicated, None)])
    shifted = [Defect(x.row + (1 if x.row is not None and x.row > duplicated else 0), x.column,
                      x.rule, x.note, x.value, x.raw) for x in d]
    lost_zip = lost_zip + (1 if lost_zip > duplicated else 0)
    shifted.append(Defect(duplicated, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (1/2)"))
    shifted.append(Defect(duplicated + 1, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (2/2)"))
    position_picker = Picker(positions)
    p = position_picker(pl.col("quantity") == 2)[0] if (positions["quantity"] == 2).any() \
        else position_picker()[0]
    position_defects = [Defect(p, "quantity", "field.unparseable", "Menge mit Einheit", raw="2 Stk.")]
    typed_positions = apply_defects(positions, position_defects)

    headers = [h for _, h in CRM_HEADERS]
    raw = {(x.row, x.column): x.raw for x in shifted if x.raw is not None}
    rows = []
    for index, record in enumerate(typed.iter_rows(named=True)):
        values = []
        for canonical, _ in CRM_HEADERS:
            value = raw.get((index, canonical), record[canonical])
            if canonical == "invoice_kind":
                value = CRM_MODULES[value]
            elif canonical == "date" and isinstance(value, date) and index % 3 == 0:
                value = f"{value:%d.%m.%Y}"       # typed in by hand: a text cell
            elif canonical == "zip" and index == lost_zip:
                value = int(value)                  # Excel turned the postcode into a number
            values.append(value)
        rows.append(values)
    position_rows = []
    position_raw = {(x.row, x.column): x.raw for x in position_defects}
    for index, record in enumerate(typed_positions.iter_rows(named=True)):
        values = []
        for canonical, _ in CRM_POSITIONS:
            value = position_raw.get((index, canonical), record[canonical])
            if canonical in ("tax", "quantity") and isinstance(value, float) and value.is_integer():
                value = int(value)
            values.append(value)
        position_rows.append(values)
    money = "#,##0.00"
    f.sheets = [
        ("Rechnungen", headers, rows, {"Nettobetrag": money, "Steuerbetrag": money,
                                       "Bruttobetrag": money, "Rechnungsdatum": "DD.MM.YYYY",
                                       "Rechnungsadresse: PLZ": "@", "Sachkonto": "@", "Kundennr.": "@"}),
        ("Positionen", [h for _, h in CRM_POSITIONS], position_rows,
         {"Produktposition(en): Positions-Netto": money, "Produktposition(en): Positions-Steuer": money,
          "Produktposition(en): Positions-Brutto": money}),
    ]
    cells = {h: [str(row[i]) if row[i] is not None else None for row in rows]
             for i, h in enumerate(headers)}
    _manifest(f, shifted, pl.DataFrame(cells), list(range(2, len(rows) + 2)), dict(CRM_HEADERS),
              "Rechnungsnr.", sheet="Rechnungen")
    position_cells = {h: [str(row[i]) if row[i] is not None else None for row in position_rows]
                      for i, (_, h) in enumerate(CRM_POSITIONS)}
    _manifest(f, position_defects, pl.DataFrame(position_cells),
              list(range(2, len(position_rows) + 2)), dict(CRM_POSITIONS), "Rechnungsnr.",
              sheet="Positionen")
    f.frame = typed
    f.positions = typed_positions
    skip = {missing, zipped}
    f.attachments = {
        name: pdf_bytes(f"Rechnung {name[:-4]}", ["Bäckerei Müller GmbH", "Beleg aus CRM+"])
        for name in typed["attachment"].drop_nulls().unique().sort().to_list()
        if name not in skip and name.endswith(".pdf")}
    f.attachments[zipped] = zip_bytes({zipped[:-4] + ".pdf": pdf_bytes("Rechnung", [zipped])})
    return f


# --- invoices: canonical CSV ---------------------------------------------------------------------

CANONICAL_INVOICES = Layout(columns=tuple((n, n) for n in frames.schema("invoices")),
                            numbers="en", dates="iso", separator=",", newline="\n")
CANONICAL_POSITIONS = Layout(columns=tuple((n, n) for n in frames.schema("positions")),
                             numbers="en", dates="iso", separator=",", newline="\n")


def _invoices_canonical() -> list[SampleFile]:
    client = "455148-2"
    header, positions = frames.clean_invoices(60, seed=22, client=client)
    # One Belegbild folder for all samples: this client's files carry its number.
    header = header.with_columns(pl.concat_str(pl.lit(client + "_"), pl.col("attachment")).alias("attachment"))
    f = SampleFile("invoices_canonical.csv", "invoices", "canonical", client, "utf-8")
    pick = Picker(header)
    d = []
    r = pick()[0]
    net, tax = header["net"][r], header["tax_amount"][r]
    d.append(Defect(r, "net", "amount.decimals", "Netto mit drei Nachkommastellen (Summe stimmt)",
                    round(net + 0.005, 3), f"{round(net + 0.005, 3):.3f}"))
    d.append(Defect(r, "tax_amount", "amount.decimals", "Steuer mit drei Nachkommastellen (Summe stimmt)",
                    round(tax - 0.005, 3), f"{round(tax - 0.005, 3):.3f}"))
    r = pick()[0]
    d.append(Defect(r, "gross", "amount.gross_mismatch", "Brutto um 1,00 zu hoch (Tippfehler)",
                    round(header["gross"][r] + 1.0, 2)))
    r = pick(pl.col("zip").str.starts_with("0"))[0]
    d.append(Defect(r, "zip", "field.pattern", "PLZ ohne führende Null", header["zip"][r][1:]))
    r = pick()[0]
    d.append(Defect(r, "net", "field.unparseable", "Buchstabe O statt Null", raw="12O.00"))
    r = pick()[0]
    d.append(Defect(r, "date", "field.unparseable", "30. Februar", raw="2026-02-30"))
    r = pick()[0]
    d.append(Defect(r, "party_account_no", "account.non_numeric", "Präfix D- vor der Debitorennummer",
                    "D-" + header["party_account_no"][r]))
    r = pick()[0]
    d.append(Defect(r, "party_name", "field.required", "Name fehlt", None))
    typed = apply_defects(header, d)
    r = pick(pl.col("invoice_kind") == "Rechnung")[0]
    typed = pl.concat([typed.head(r + 1), typed.slice(r, None)])
    d = [Defect(x.row + (1 if x.row > r else 0), x.column, x.rule, x.note, x.value, x.raw) for x in d]
    d += [Defect(r, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (1/2)"),
          Defect(r + 1, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (2/2)")]
    _csv_file(f, typed, d, CANONICAL_INVOICES, "invoice_id")
    f.attachments = {
        name: pdf_bytes(f"Rechnung {name[9:-4]}", ["Grün & Söhne Gärtnerei KG", "Rechnungskopie"])
        for name in typed["attachment"].drop_nulls().unique().sort().to_list()}
    g = SampleFile("invoices_canonical_positions.csv", "invoices", "canonical", client, "utf-8")
    p = Picker(positions)(pl.col("quantity") == 2)
    pd_ = [Defect(p[0], "quantity", "field.unparseable", "Menge als Wort", raw="zwei")]
    typed_positions = apply_defects(positions, pd_)
    _csv_file(g, typed_positions, pd_, CANONICAL_POSITIONS, "invoice_id")
    g.positions, g.frame = g.frame, None
    return [f, g]


# --- calls: STARFACE (UTF-16) ----------------------------------------------------------------------

STARFACE = Layout(columns=(
    ("call_id", "Anruf-ID"), ("started_at", "Beginn"), ("duration_s", "Dauer"),
    ("direction", "Richtung"), ("answered", "Angenommen"), ("remote_number", "Rufnummer"),
    ("extension", "Nebenstelle"), ("user", "Teilnehmer"), ("note", "Notiz"),
), bools=("ja", "nein"), encoding="utf-16-le", bom=True,
    values=(("direction", (("inbound", "eingehend"), ("outbound", "ausgehend"), ("internal", "intern"))),))


def _calls() -> SampleFile:
    clean = frames.clean_calls(300, seed=31)
    f = SampleFile("calls_starface.csv", "calls", "starface", None, "utf-16")
    pick = Picker(clean)
    external = pl.col("direction") != "internal"
    d = [Defect(None, None, "encoding.non_utf8", "UTF-16 LE mit BOM (Excel „Unicode-Text“)")]
    for number, note in (("+43 1 5875432", "Wien, kein Adressat"), ("+41 44 2123344", "Zürich, kein Adressat"),
                         ("0800 3301000", "Servicenummer"), ("0911 5554433", "Nürnberg, kein Adressat"),
                         ("+1 212 5550147", "New York, kein Adressat")):
        r = pick(external)[0]
        d.append(Defect(r, "remote_number", "calls.unmatched_number", note, number))
    for number, note in (("0911 47110", "Bäckerei Müller GmbH und Anna Müller (Büro)"),
                         ("+49 89 2345678", "Grün & Söhne und deren Ansprechpartner")):
        r = pick(external)[0]
        d.append(Defect(r, "remote_number", "calls.ambiguous_number", note, number))
    for number, note in (("+49 911 4711-99", "Fax Bäckerei Müller"), ("030 9876549", "Fax Weiß Tiefbau")):
        r = pick(external & (pl.col("direction") == "inbound"))[0]
        d.append(Defect(r, "remote_number", "calls.fax_number", note, number))
    r = pick(external)[0]
    d.append(Defect(r, "remote_number", "calls.inactive_addressee", "Jörg Weiß, inaktiv seit 2024", "030 5550777"))
    # Absurd duration on the last call of an extension, so that nothing overlaps it.
    last = clean.with_row_index().group_by("extension").agg(pl.col("index").max())["index"].to_list()
    answered_last = [i for i in sorted(last) if clean["answered"][i]]
    r = pick(np.isin(np.arange(clean.height), answered_last or sorted(last)))[0]
    d.append(Defect(r, "duration_s", "calls.invalid_duration", "26 Stunden", 26 * 3600 + 13 * 60 + 9))
    # Overlap: a call is made longer than the gap to the next call on its extension.
    ordered = clean.with_row_index().with_columns(
        pl.col("index").shift(-1).over("extension").alias("next"),
        pl.col("started_at").shift(-1).over("extension").alias("next_start"))
    candidates = ordered.filter(pl.col("answered") & pl.col("next").is_not_null()
                                & pl.col("answered").shift(-1).over("extension"))
    mask = np.zeros(clean.height, dtype=bool)
    mask[candidates["index"].to_numpy()] = True
    while True:
        r = pick(mask)[0]
        row = ordered.row(r, named=True)
        nxt = int(row["next"])
        if nxt not in pick.used and nxt - r > 1:
            break
    pick.used.add(nxt)
    gap = int((row["next_start"] - row["started_at"]).total_seconds())
    d.append(Defect(r, "duration_s", "calls.overlap", "Gespräch endet nach Beginn des nächsten (1/2)",
                    gap + 95))
    d.append(Defect(nxt, "duration_s", "calls.overlap", "beginnt vor Ende des vorigen (2/2)"))
    first, second = pick(external, 2)
    d.append(Defect(first, "call_id", "duplicate.call_id", "Anruf-ID doppelt vergeben (1/2)"))
    d.append(Defect(second, "call_id", "duplicate.call_id", "Anruf-ID doppelt vergeben (2/2)",
                    clean["call_id"][first]))
    r = pick()[0]
    d.append(Defect(r, "started_at", "field.unparseable", "Uhrzeit 25:10", raw="12.02.2026 25:10:00"))
    typed = apply_defects(clean, d)
    # Clean but awkward: a note with a line break and one with a semicolon (quoted in the file).
    r = pick(external & pl.col("answered"))[0]
    typed = typed.with_columns(typed["note"].scatter(
        [r], ["Rückruf morgen früh\nBelege liegen im Postfach"]))
    r = pick(external & pl.col("answered"))[0]
    typed = typed.with_columns(typed["note"].scatter(
        [r], ["Kassennachschau angekündigt; Unterlagen vorbereiten"]))
    _csv_file(f, typed, d, STARFACE, "call_id")
    return f


# --- POS: Lightspeed ------------------------------------------------------------------------------

LIGHTSPEED = Layout(columns=(
    ("business_date", "Geschäftstag"), ("category_type", "Art"), ("category", "Buchhaltungsgruppe"),
    ("amount", "Betrag brutto"), ("tax", "MwSt-Satz"),
), values=(("category_type", (("revenue", "Umsatz"), ("payment", "Zahlungsart"), ("tip", "Trinkgeld"))),),
    encoding="utf-8")


def _pos() -> SampleFile:
    days = np.busday_count(np.datetime64("2026-01-02"), np.datetime64("2026-04-02"), weekmask="1111110",
                           holidays=np.array(frames.HOLIDAYS, dtype="datetime64[D]"))
    clean = frames.clean_pos(int(days) * 6, seed=41)  # the export ran one day too far: 1 April
    f = SampleFile("pos_lightspeed.csv", "pos", "lightspeed", "455148-1", "utf-8")
    d = []
    pick = Picker(clean)
    for r in np.flatnonzero((clean["business_date"] > PERIOD[1]).to_numpy()):
        d.append(Defect(int(r), "business_date", "fiscal_year.outside_period",
                        "Export einen Tag zu weit (01.04.2026)"))
        pick.used.add(int(r))
    r = pick(pl.col("category") == "Kreditkarte")[0]
    bar = r - 2
    clean = clean.with_columns(clean["amount"].scatter(
        [bar], [round(clean["amount"][bar] + clean["amount"][r], 2)]))
    d.append(Defect(r, "amount", "amount.zero", "keine Kartenzahlung: Zeile 0,00 statt weggelassen", 0.0))
    pick.used.add(bar)
    r = pick(pl.col("category") == "Trinkgeld")[0]
    d.append(Defect(r, "amount", "field.unparseable", "nicht erfasst", raw="n. v."))
    r = pick(pl.col("category") == "Getränke")[0]
    d.append(Defect(r, "business_date", "field.unparseable", "31. Februar", raw="31.02.2026"))
    typed = apply_defects(clean, d)
    _csv_file(f, typed, d, LIGHTSPEED, "category")
    return f


def build_samples() -> list[SampleFile]:
    """Every sample file, in a fixed order."""
    return [_booking_detail(), _expense(), _kasse(), _canonical_receipts(), _canonical_json(),
            _invoices_crmplus(), *_invoices_canonical(), _calls(), _pos()]


def attachment_sizes() -> dict[str, int]:
    """Declared sizes of Belegbilder that are larger on the user's disk than in the repository."""
    return dict(TOO_LARGE)

