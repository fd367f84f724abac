"""Sample receipt files: JustOn Booking Detail, Expense (Windows-1252), Kasse, canonical."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import polars as pl

from workbench.samples import frames
from workbench.samples.catalog import (
    Picker,
    SampleFile,
    _attachments,
    _bump,
    _csv_file,
    _html,
    _manifest,
    _mojibake,
    _value,
)
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.parties import CLIENTS, GELDTRANSIT, account
from workbench.samples.writers import Layout, pdf_bytes, zip_bytes

__all__ = ["BOOKING_DETAIL", "CANONICAL_RECEIPTS", "EXPENSE", "KASSE", "receipt_files"]


# --- receipts: JustOn Booking Detail -------------------------------------------------------------

BOOKING_DETAIL = Layout(
    columns=(
        ("item_id", "Id"),
        ("document_id", "AccountingDocument"),
        ("invoice_id", "InvoiceNo"),
        ("date", "BookingDate"),
        ("party_name", "AccountName"),
        ("party_city", "BillingCity"),
        ("vat_id", "VATId"),
        ("iban", "IBAN"),
        ("swift_code", "BIC"),
        ("amount", "Amount"),
        ("currency_code", "CurrencyIsoCode"),
        ("account_no", "AccountNo"),
        ("party_account_no", "CustomerNumber"),
        ("tax", "TaxRate"),
        ("booking_text", "Description"),
        ("cost_category_id", "CostCenter"),
        ("delivery_date", "DeliveryDate"),
        ("due_date", "DueDate"),
        ("information", "Message"),
        ("block_transfer", "BlockTransfer__c"),
        ("attachment", "Attachment"),
    ),
    encoding="utf-8",
    bom=True,
)


def _booking_detail(seed: int) -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(
        300, seed=11 + 1000 * seed, client=client, kinds=("Rechnungsausgang",)
    )
    f = SampleFile("receipts_juston_booking_detail.csv", "receipts", "juston", client, "utf-8-sig")
    pick = Picker(clean, "document_id")
    umlaut = pl.col("party_name").str.contains("[äöüß]")
    d: list[Defect] = []
    r = pick(umlaut, single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.escape_sequence",
            "HTML-Entity statt Umlaut",
            _html(_value(clean, r, "party_name")),
        )
    )
    r = pick(pl.col("booking_text").str.contains("ö"))[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.escape_sequence",
            "Oktal-Escape \\303\\266 statt ö",
            _value(clean, r, "booking_text").replace("ö", "\\303\\266"),
        )
    )
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.exotic_space",
            "U+00A0 geschütztes Leerzeichen",
            _value(clean, r, "party_name").replace(" ", "\u00a0", 1),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.exotic_space",
            "U+202F schmales Leerzeichen",
            _value(clean, r, "booking_text").replace(" ", "\u202f", 1),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.exotic_space",
            "U+200B Leerzeichen ohne Breite",
            _value(clean, r, "booking_text").replace(" ", " \u200b", 1),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.control_character",
            "U+001F statt Leerzeichen",
            _value(clean, r, "booking_text").replace(" ", "\x1f", 1),
        )
    )
    r = pick(pl.col("information").is_not_null())[0]
    d.append(
        Defect(
            r,
            "information",
            "encoding.control_character",
            "U+000C Seitenvorschub",
            _value(clean, r, "information").replace(" ", "\x0c", 1),
        )
    )
    r = pick(pl.col("information").is_not_null())[0]
    d.append(
        Defect(
            r,
            "information",
            "encoding.mojibake",
            "€ als â‚¬ (UTF-8 als Windows-1252)",
            "Skonto 2 % = 12,40 â‚¬ bei Zahlung bis 10.02.",
        )
    )
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.escape_sequence",
            "&amp; aus einem HTML-Export",
            " ".join(_value(clean, r, "party_name").split(" ")[:2]) + " &amp; Söhne",
        )
    )
    r = pick(umlaut, single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.mojibake",
            "UTF-8 als Windows-1252 gelesen",
            _mojibake(_value(clean, r, "party_name")),
        )
    )
    r = pick(pl.col("booking_text").str.contains("[äöüß]"))[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.mojibake",
            "UTF-8 als Windows-1252 gelesen",
            _mojibake(_value(clean, r, "booking_text")),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "encoding.not_cp1252",
            "Emoji U+1F968",
            _value(clean, r, "booking_text").split(" ")[0] + " 🥨",
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.not_cp1252",
            "ő (U+0151) fehlt in Windows-1252",
            "Kávéház Kőrösi Kft.",
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.non_numeric",
            "Buchstabe O statt Ziffer 0",
            _value(clean, r, "account_no").replace("0", "O", 1),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.length_mismatch",
            "5 statt 4 Stellen",
            _value(clean, r, "account_no") + "0",
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "party_account_no",
            "account.personal_length_mismatch",
            "Debitor mit 4 statt 5 Stellen",
            _value(clean, r, "party_account_no")[:-1],
        )
    )
    moved: list[tuple[int, date]] = []
    for day, note in (
        (date(2025, 12, 30), "Dezember 2025, vor dem Zeitraum"),
        (date(2026, 4, 1), "April 2026, nach dem Zeitraum"),
    ):
        r = pick(single=True)[0]
        d.append(Defect(r, "date", "fiscal_year.outside_period", note, day))
        moved.append((r, day))
    r = pick(single=True)[0]
    d.append(Defect(r, "invoice_id", "field.required", "Rechnungsnummer fehlt", None))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.required", "Buchungsdatum fehlt", None))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "field.max_length",
            "64 Zeichen (max. 60)",
            "Frühstücksbuffet Tagung Messezentrum Halle 7, 14.-16.01., 80 P.",
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "field.max_length",
            "57 Zeichen (max. 50)",
            "Kindertagesstätte Sonnenschein der Evangelischen Gemeinde",
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "party_city",
            "field.max_length",
            "35 Zeichen (max. 30)",
            "Neustadt an der Aisch-Bad Windsheim",
        )
    )
    for value, note in (
        ("RA_2026_{}", "Unterstrich"),
        ("RA 2026-{}", "Leerzeichen"),
        ("RA-2026.{}", "Punkt"),
    ):
        r = pick(single=True)[0]
        number = _value(clean, r, "invoice_id")[-5:]
        d.append(
            Defect(r, "invoice_id", "field.pattern", f"{note} in Belegfeld 1", value.format(number))
        )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "invoice_id",
            "field.max_length",
            "37 Zeichen (max. 36)",
            _value(clean, r, "invoice_id") + "-SAMMELRECHNUNG-JANUAR-K"[: 37 - 13],
        )
    )
    r = pick(pl.col("vat_id").is_not_null(), single=True)[0]
    d.append(
        Defect(r, "vat_id", "field.vat_id", "Prüfziffer falsch", _bump(_value(clean, r, "vat_id")))
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "iban",
            "field.iban",
            "IBAN-Prüfsumme falsch (Lastschriftmandat)",
            "DE88760501011234567891",
        )
    )
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
    d.append(
        Defect(
            second,
            "invoice_id",
            "duplicate.invoice_id",
            f"zweiter Beleg mit der Nummer {original}",
            original,
        )
    )
    for r in pick(None, 2):
        d.append(Defect(r, "block_transfer", "transfer.blocked", "BlockTransfer__c = true", True))
    r = pick(single=True)[0]
    missing = _value(clean, r, "attachment")
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "attachment",
            "attachment.unsupported_type",
            "ZIP-Archiv statt PDF",
            "Belege_Januar_2026.zip",
        )
    )
    typed = apply_defects(clean, d)
    for r, day in moved:  # delivery and due date move with the invoice date
        typed = typed.with_columns(
            typed["delivery_date"].scatter([r], [day]),
            typed["due_date"].scatter([r], [day + timedelta(days=14)]),
        )
    _csv_file(f, typed, d, BOOKING_DETAIL, "item_id")
    f.attachments = _attachments(typed, {missing}, "Rechnung")
    f.attachments["Belege_Januar_2026.zip"] = zip_bytes(
        {"RA-2026-00001.pdf": pdf_bytes("Rechnung", ["im Archiv statt einzeln"])}
    )
    return f


# --- receipts: JustOn Expense (Windows-1252) -----------------------------------------------------

EXPENSE = Layout(
    columns=(
        ("item_id", "Id"),
        ("document_id", "AccountingDocument"),
        ("internal_invoice_id", "Name"),
        ("invoice_id", "ReceiptNo"),
        ("date", "ReceiptDate"),
        ("party_name", "PayeeName"),
        ("party_city", "SenderCity"),
        ("vat_id", "SenderTaxId"),
        ("iban", "PayeeIBAN"),
        ("swift_code", "PayeeBIC"),
        ("amount", "GrossAmount"),
        ("currency_code", "CurrencyIsoCode"),
        ("account_no", "GLAccount"),
        ("party_account_no", "PayeeAccountNo"),
        ("tax", "TaxRate"),
        ("booking_text", "Description"),
        ("cost_category_id", "CostCenter"),
        ("paid_at", "PaymentDate"),
        ("block_transfer", "BlockTransfer__c"),
        ("attachment", "Attachment"),
    ),
    encoding="cp1252",
)


def _expense(seed: int) -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(
        200, seed=12 + 1000 * seed, client=client, kinds=("Rechnungseingang",), first_document=401
    )
    f = SampleFile("receipts_juston_expense.csv", "receipts", "juston", client, "cp1252")
    pick = Picker(clean, "document_id")
    d = [Defect(None, None, "encoding.non_utf8", "Datei in Windows-1252 (ANSI) statt UTF-8")]
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.length_mismatch",
            "3 statt 4 Stellen",
            _value(clean, r, "account_no")[:3],
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "party_account_no",
            "account.personal_length_mismatch",
            "Kreditor mit 6 statt 5 Stellen",
            _value(clean, r, "party_account_no") + "5",
        )
    )
    r = pick(pl.col("iban").is_not_null(), single=True)[0]
    d.append(
        Defect(r, "iban", "field.iban", "IBAN-Prüfsumme falsch", _bump(_value(clean, r, "iban")))
    )
    r = pick(pl.col("vat_id").is_not_null(), single=True)[0]
    d.append(
        Defect(r, "vat_id", "field.vat_id", "Prüfziffer falsch", _bump(_value(clean, r, "vat_id")))
    )
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.zero", "Betrag 0,00", 0.0))
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.unparseable", "kleines l statt 1", raw="3l.01.2026"))
    r = pick()[0]
    d.append(Defect(r, "amount", "field.unparseable", "Text im Betrag", raw="ca. 85,00"))
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.exotic_space",
            "U+00A0 (in Windows-1252 0xA0)",
            _value(clean, r, "party_name").replace(" ", "\u00a0", 1),
        )
    )
    r = pick(pl.col("party_name").str.contains("[äöü]"), single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.mojibake",
            "UTF-8 als Windows-1252 gespeichert",
            _mojibake(_value(clean, r, "party_name")),
        )
    )
    r = pick(single=True)[0]
    missing = _value(clean, r, "attachment")
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "date",
            "fiscal_year.outside_period",
            "Dezember-Rechnung im Januar erfasst",
            date(2025, 12, 29),
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "internal_invoice_id",
            "field.max_length",
            "13 Zeichen (max. 12)",
            _value(clean, r, "internal_invoice_id") + "-KOR",
        )
    )
    first, second = pick(pl.col("date").dt.month() == 2, 2, single=True)
    original = _value(clean, first, "invoice_id")
    d.append(Defect(first, "invoice_id", "duplicate.invoice_id", "erster Beleg mit dieser Nummer"))
    d.append(
        Defect(
            second,
            "invoice_id",
            "duplicate.invoice_id",
            f"Lieferant hat {original} doppelt geschickt",
            original,
        )
    )
    r = pick()[0]
    d.append(Defect(r, "block_transfer", "transfer.blocked", "BlockTransfer__c = true", True))
    typed = apply_defects(clean, d)
    # The duplicate comes from the same supplier, with the same amount.
    for column in (
        "party_name",
        "party_city",
        "vat_id",
        "iban",
        "swift_code",
        "party_account_no",
        "amount",
    ):
        typed = typed.with_columns(typed[column].scatter([second], [typed[column][first]]))
    _csv_file(f, typed, d, EXPENSE, "item_id")
    f.attachments = _attachments(typed, {missing}, "Eingangsrechnung")
    return f


# --- receipts: Kasse (JustOn Expense, Beleg-Art Kassenbeleg) -------------------------------------

KASSE = Layout(
    columns=(
        ("item_id", "Id"),
        ("document_id", "AccountingDocument"),
        ("document_kind", "DocumentType"),
        ("invoice_id", "ReceiptNo"),
        ("date", "ReceiptDate"),
        ("amount", "GrossAmount"),
        ("currency_code", "CurrencyIsoCode"),
        ("account_no", "GLAccount"),
        ("tax", "TaxRate"),
        ("booking_text", "Description"),
        ("cost_category_id", "CostCenter"),
    ),
    values=(("document_kind", (("Kasse", "Kassenbeleg"),)),),
    encoding="utf-8",
)


def _kasse(seed: int) -> SampleFile:
    """Hauptkasse of the bakery: daily takings, small cash expenses, bank deposits on Fridays."""
    client = "455148-1"
    spec = CLIENTS[client]
    rng = np.random.default_rng(13 + 1000 * seed)
    days = np.busday_offset(
        np.datetime64("2026-01-02"),
        np.arange(80),
        roll="forward",
        weekmask="1111110",
        holidays=np.array(frames.HOLIDAYS, dtype="datetime64[D]"),
    )
    days = [day.astype(date) for day in days if day <= np.datetime64("2026-03-31")]
    expense_roles = [role for role in frames.ROLES if role.kind == "Kasse" and role.sign < 0]
    over_deposit = date(2026, 2, 13)  # this Friday's deposit exceeds the till
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
            rows.append(
                {
                    "document_id": f"KAS-{doc:05d}",
                    "date": day,
                    "amount": cents / 100,
                    "tax": tax,
                    "booking_text": text,
                    "account_no": account(account_no, 4),
                    "invoice_id": f"KB-2026-{doc:04d}",
                }
            )

    for day in days:
        food = int(rng.integers(35000, 190000))
        drinks = int(rng.integers(12000, 90000))
        add(
            day,
            [
                (food, "Tageseinnahmen 7 %", 7.0, "8300"),
                (drinks, "Tageseinnahmen 19 %", 19.0, "8400"),
            ],
            "split" if day == split_day else "moved" if day == moved_day else None,
        )
        if day not in (split_day, moved_day) and rng.random() < 0.35:
            role = expense_roles[int(rng.integers(0, len(expense_roles)))]
            cents = -int(rng.integers(role.low * 100, role.high * 100))
            add(day, [(cents, role.text, role.tax, role.skr03)])
        if day.weekday() == 4 and day not in (split_day, moved_day):
            deposit = balance + 8500 if day == over_deposit else (balance * 8 // 1000) * 100
            add(
                day,
                [(-deposit, "Einzahlung Bank (Geldtransit)", 0.0, GELDTRANSIT[spec.chart])],
                "negative" if day == over_deposit else None,
            )
    table = pl.DataFrame(rows).with_columns(pl.col("date").cast(pl.Date))
    n = table.height
    clean = (
        pl.DataFrame(
            {
                "document_id": table["document_id"],
                "item_id": [f"a0C2X000{i:07d}AAS" for i in range(1, n + 1)],
                "document_kind": ["Kasse"] * n,
                "date": table["date"],
                "accounting_month": table["date"].dt.strftime("%Y-%m"),
                "amount": table["amount"],
                "currency_code": ["EUR"] * n,
                "account_no": table["account_no"],
                "tax": table["tax"],
                "invoice_id": table["invoice_id"],
                "booking_text": table["booking_text"],
                "cost_category_id": ["Hauptkasse"] * n,
                "block_transfer": [False] * n,
            }
        )
        .with_columns(
            [
                pl.lit(None, dtype=dtype).alias(name)
                for name, dtype in frames.schema("receipts").items()
                if name
                not in (
                    "document_id",
                    "item_id",
                    "document_kind",
                    "date",
                    "accounting_month",
                    "amount",
                    "currency_code",
                    "account_no",
                    "tax",
                    "invoice_id",
                    "booking_text",
                    "cost_category_id",
                    "block_transfer",
                )
            ]
        )
        .select(list(frames.schema("receipts")))
    )
    f = SampleFile("receipts_juston_kasse.csv", "receipts", "juston", client, "utf-8")
    d = []
    for r in markers["moved"]:
        d.append(
            Defect(
                r,
                "date",
                "cash.chronology",
                "Kassenbeleg vom 16.02. nach Belegen vom 18.02. erfasst",
                date(2026, 2, 16),
            )
        )
    first, second = markers["split"]
    d.append(
        Defect(first, "date", "cash.multiple_dates", "Kassenbeleg mit zwei Datumsangaben (1/2)")
    )
    d.append(
        Defect(
            second,
            "date",
            "cash.multiple_dates",
            "Kassenbeleg mit zwei Datumsangaben (2/2)",
            split_day + timedelta(days=1),
        )
    )
    for r in markers["negative"]:
        d.append(
            Defect(
                r,
                "amount",
                "cash.negative_balance",
                "Einzahlung übersteigt den Kassenbestand um 85,00 EUR",
            )
        )
    typed = apply_defects(clean, d).with_columns(
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month")
    )
    _csv_file(f, typed, d, KASSE, "item_id")
    return f


# --- receipts: canonical CSV and JSON ------------------------------------------------------------

CANONICAL_RECEIPTS = Layout(
    columns=tuple((name, name) for name in frames.schema("receipts")),
    numbers="en",
    dates="iso",
    separator=",",
    newline="\n",
)


def _canonical_receipts(seed: int) -> SampleFile:
    client = "455148-2"
    clean = frames.clean_receipts(250, seed=13 + 1000 * seed, client=client, first_document=1001)
    f = SampleFile("receipts_canonical.csv", "receipts", "canonical", client, "utf-8")
    pick = Picker(clean, "document_id")
    d = []
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.length_mismatch",
            "4-stelliges Konto bei Sachkontenlänge 5",
            _value(clean, r, "account_no")[:4],
        )
    )
    r = pick(pl.col("party_account_no").is_not_null(), single=True)[0]
    d.append(
        Defect(
            r,
            "party_account_no",
            "account.personal_length_mismatch",
            "Personenkonto 5 statt 6 Stellen",
            _value(clean, r, "party_account_no")[:5],
        )
    )
    r = pick(single=True)[0]
    d.append(Defect(r, "date", "field.unparseable", "30. Februar", raw="2026-02-30"))
    r = pick()[0]
    d.append(Defect(r, "amount", "field.unparseable", "Buchstabe O statt Null", raw="1O5.00"))
    r = pick(single=True)[0]
    for rule in ("fiscal_year.not_created", "fiscal_year.outside_period"):
        d.append(
            Defect(
                r,
                "date",
                rule,
                "03.07.2026: Wirtschaftsjahr 2026/27 nicht angelegt",
                date(2026, 7, 3),
            )
        )
    r = pick(pl.col("information").is_not_null())[0]
    d.append(
        Defect(
            r,
            "information",
            "field.max_length",
            "130 Zeichen (max. 120)",
            (
                "Lieferung an Baustelle Nordfriedhof, Abladestelle Tor 3, Ansprechpartner "
                "Herr Schüßler, Rückfragen bitte an das Büro der Gärtnerei"
            )[:130].ljust(130, "."),
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "booking_text",
            "field.max_length",
            "genau 61 Zeichen (max. 60)",
            "Gartenpflege Wohnanlage Rosenaustraße 12-18, Januar bis März"[:61].ljust(61, "."),
        )
    )
    r = pick(single=True)[0]
    d.append(
        Defect(
            r,
            "invoice_id",
            "field.pattern",
            "Leerzeichen in Belegfeld 1",
            _value(clean, r, "invoice_id").replace("-", " ")
            if "-" in _value(clean, r, "invoice_id")
            else _value(clean, r, "invoice_id") + " A",
        )
    )
    r = pick()[0]
    d.append(Defect(r, "currency_code", "field.currency", "unbekannte Währung", "XYZ"))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.decimals", "drei Nachkommastellen", 250.125, "250.125"))
    r = pick()[0]
    d.append(Defect(r, "amount", "amount.zero", "Betrag 0.00", 0.0))
    r = pick()[0]
    d.append(Defect(r, "block_transfer", "transfer.blocked", "block_transfer = true", True))
    r = pick(pl.col("party_name").str.contains(" "), single=True)[0]
    d.append(
        Defect(
            r,
            "party_name",
            "encoding.exotic_space",
            "U+00A0 nach Rechtsform",
            _value(clean, r, "party_name").replace(" ", "\u00a0", 1),
        )
    )
    r = pick(pl.col("iban").is_not_null(), single=True)[0]
    d.append(
        Defect(r, "iban", "field.iban", "IBAN-Prüfsumme falsch", _bump(_value(clean, r, "iban")))
    )
    typed = apply_defects(clean, d)
    typed = typed.with_columns(
        pl.when(pl.col("date").is_not_null())
        .then(pl.col("date").dt.strftime("%Y-%m"))
        .otherwise(pl.col("accounting_month"))
        .alias("accounting_month")
    )
    _csv_file(f, typed, d, CANONICAL_RECEIPTS, "item_id")
    f.attachments = _attachments(typed, set(), "Beleg")
    return f


def _canonical_json(seed: int) -> SampleFile:
    client = "455148-3"
    clean = frames.clean_receipts(
        24,
        seed=14 + 1000 * seed,
        client=client,
        first_day=date(2026, 1, 2),
        last_day=date(2026, 1, 30),
        first_document=2001,
    )
    f = SampleFile("receipts_canonical.json", "receipts", "canonical", client, "utf-8")
    d = [
        Defect(
            r,
            "date",
            "fiscal_year.not_created",
            "Wirtschaftsjahr 2026 ist für 455148-3 nicht angelegt",
        )
        for r in range(clean.height)
    ]
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
    text = pl.DataFrame(
        {"item_id": clean["item_id"], "date": clean["date"].dt.strftime("%Y-%m-%d")}
    )
    _manifest(f, d, text, list(range(1, clean.height + 1)), {"date": "date"}, "item_id")
    f.frame = clean
    f.attachments = _attachments(clean, set(), "Beleg")
    return f


def receipt_files(seed: int = 0) -> list[SampleFile]:
    return [
        _booking_detail(seed),
        _expense(seed),
        _kasse(seed),
        _canonical_receipts(seed),
        _canonical_json(seed),
    ]
