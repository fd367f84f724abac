"""Sample file: JustOn Booking Detail (Rechnungsausgang, UTF-8 with BOM), with seeded defects.

One defect per row, placed by :class:`~workbench.samples.catalog.Picker`; the helpers below
add them in a fixed order (the picker's choices depend on it), grouped by rule family.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from workbench.samples import frames
from workbench.samples.catalog import (
    Picker,
    SampleFile,
    _attachments,
    _bump,
    _csv_file,
    _html,
    _mojibake,
    _value,
)
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.writers import Layout, pdf_bytes, zip_bytes

__all__ = ["BOOKING_DETAIL", "booking_detail_file"]

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
_UMLAUT = pl.col("party_name").str.contains("[äöüß]")


def booking_detail_file(seed: int) -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(
        300, seed=11 + 1000 * seed, client=client, kinds=("Rechnungsausgang",)
    )
    f = SampleFile("receipts_juston_booking_detail.csv", "receipts", "juston", client, "utf-8-sig")
    pick = Picker(clean, "document_id")
    d = _escape_and_space_defects(clean, pick) + _character_defects(clean, pick)
    accounts, moved = _account_and_date_defects(clean, pick)
    d += accounts + _field_defects(clean, pick)
    transfer, missing = _transfer_defects(clean, pick)
    d += transfer
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


def _escape_and_space_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """Escaped umlauts, spaces DATEV rejects, a control character."""
    d: list[Defect] = []
    r = pick(_UMLAUT, single=True)[0]
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
    return d


def _character_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """A form feed, mojibake, an HTML entity, characters Windows-1252 lacks."""
    d: list[Defect] = []
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
    r = pick(_UMLAUT, single=True)[0]
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
    return d


def _account_and_date_defects(
    clean: pl.DataFrame, pick: Picker
) -> tuple[list[Defect], list[tuple[int, date]]]:
    """Accounts, dates outside the period (returned as ``moved`` too), missing values."""
    d: list[Defect] = []
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
    return d, moved


def _field_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """Lengths, Belegfeld 1 patterns, check digits, currencies, amounts, a date."""
    d: list[Defect] = []
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
    return d


def _transfer_defects(clean: pl.DataFrame, pick: Picker) -> tuple[list[Defect], str]:
    """A duplicate invoice number, BlockTransfer, Belegbilder (returns the missing one)."""
    d: list[Defect] = []
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
    return d, missing
