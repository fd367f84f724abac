"""Sample receipt files: JustOn Booking Detail, Expense (Windows-1252), Kasse, canonical.

The JustOn files are in :mod:`workbench.samples.juston_booking_files` and
:mod:`workbench.samples.juston_expense_files`; the canonical CSV and JSON are here.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from workbench.samples import frames
from workbench.samples.catalog import (
    Picker,
    SampleFile,
    _attachments,
    _bump,
    _csv_file,
    _manifest,
    _value,
)
from workbench.samples.defects import Defect, apply_defects, no_folder_defects
from workbench.samples.juston_booking_files import booking_detail_file
from workbench.samples.juston_expense_files import expense_file, kasse_file
from workbench.samples.writers import Layout

__all__ = ["CANONICAL_RECEIPTS", "receipt_files"]


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
    d = _canonical_account_date_defects(clean, pick) + _canonical_field_defects(clean, pick)
    typed = apply_defects(clean, d)
    typed = typed.with_columns(
        pl.when(pl.col("date").is_not_null())
        .then(pl.col("date").dt.strftime("%Y-%m"))
        .otherwise(pl.col("accounting_month"))
        .alias("accounting_month")
    )
    # The seed gives 455148-2's Rechnungsausgang no folder (kept on purpose): DATEV refuses
    # every outgoing item, and the checks say so once DATEV's folders are known.
    d += [
        Defect(int(row["row"]), "document_kind", row["rule"], row["note"])
        for row in no_folder_defects(typed, client).iter_rows(named=True)
    ]
    _csv_file(f, typed, d, CANONICAL_RECEIPTS, "item_id")
    f.attachments = _attachments(typed, set(), "Beleg")
    return f


def _canonical_account_date_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """Account lengths, unparseable values, a date in a fiscal year not created."""
    d: list[Defect] = []
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.short",
            "4-stelliges Konto bei Sachkontenlänge 5 (DATEV liest eine führende Null; Info)",
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
    return d


def _canonical_field_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """Lengths, Belegfeld 1, currency, amounts, BlockTransfer, a space, an IBAN."""
    d: list[Defect] = []
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
    return d


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
        booking_detail_file(seed),
        expense_file(seed),
        kasse_file(seed),
        _canonical_receipts(seed),
        _canonical_json(seed),
    ]
