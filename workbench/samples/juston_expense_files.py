"""Sample files: JustOn Expense (Rechnungseingang, Windows-1252) and its Kasse (Kassenbeleg).

One defect per row, placed by :class:`~workbench.samples.catalog.Picker`; the helpers add them
in a fixed order (the picker's choices depend on it). The Kasse is a cash book written day by
day, so that its cash rules (chronology, one date per Beleg, no negative balance) hold except
where a defect breaks them.
"""

from __future__ import annotations

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
    _mojibake,
    _value,
)
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.parties import CLIENTS, GELDTRANSIT, account
from workbench.samples.writers import Layout

__all__ = ["EXPENSE", "KASSE", "expense_file", "kasse_file"]

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


def expense_file(seed: int) -> SampleFile:
    client = "455148-1"
    clean = frames.clean_receipts(
        200, seed=12 + 1000 * seed, client=client, kinds=("Rechnungseingang",), first_document=401
    )
    f = SampleFile("receipts_juston_expense.csv", "receipts", "juston", client, "cp1252")
    pick = Picker(clean, "document_id")
    d = [Defect(None, None, "encoding.non_utf8", "Datei in Windows-1252 (ANSI) statt UTF-8")]
    d += _expense_field_defects(clean, pick)
    documents, missing, first, second = _expense_document_defects(clean, pick)
    d += documents
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


def _expense_field_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """Accounts, check digits, amounts and dates, spaces and mojibake in names."""
    d: list[Defect] = []
    r = pick()[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.short",
            "3 statt 4 Stellen (DATEV liest eine führende Null; Info)",
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
    return d


def _expense_document_defects(
    clean: pl.DataFrame, pick: Picker
) -> tuple[list[Defect], str, int, int]:
    """Belegbild, period, lengths, a duplicate pair (returned: missing file, first, second)."""
    d: list[Defect] = []
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
    return d, missing, first, second


# --- Kasse (JustOn Expense, Beleg-Art Kassenbeleg) ----------------------------------------------

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
_OVER_DEPOSIT = date(2026, 2, 13)  # this Friday's deposit exceeds the till
_SPLIT_DAY, _MOVED_DAY = date(2026, 3, 10), date(2026, 2, 19)


def kasse_file(seed: int) -> SampleFile:
    """Hauptkasse of the bakery: daily takings, small cash expenses, bank deposits on Fridays."""
    client = "455148-1"
    book = _kasse_book(seed, client)
    clean = _kasse_frame(book)
    f = SampleFile("receipts_juston_kasse.csv", "receipts", "juston", client, "utf-8")
    d = _kasse_defects(book.markers)
    typed = apply_defects(clean, d).with_columns(
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month")
    )
    _csv_file(f, typed, d, KASSE, "item_id")
    return f


class _CashBook:
    """The Hauptkasse as it is written: one document per :meth:`add`, a running balance."""

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []
        self.balance = 0
        self.doc = 0
        self.markers: dict[str, list[int]] = {"negative": [], "split": [], "moved": []}

    def add(
        self, day: date, items: list[tuple[int, str, float, str]], marker: str | None = None
    ) -> None:
        self.doc += 1
        for cents, text, tax, account_no in items:
            self.balance += cents
            if marker:
                self.markers[marker].append(len(self.rows))
            self.rows.append(
                {
                    "document_id": f"KAS-{self.doc:05d}",
                    "date": day,
                    "amount": cents / 100,
                    "tax": tax,
                    "booking_text": text,
                    "account_no": account(account_no, 4),
                    "invoice_id": f"KB-2026-{self.doc:04d}",
                }
            )


def _kasse_book(seed: int, client: str) -> _CashBook:
    """Daily takings, small cash expenses, bank deposits on Fridays (seeded)."""
    spec = CLIENTS[client]
    rng = np.random.default_rng(13 + 1000 * seed)
    business_days = np.busday_offset(
        np.datetime64("2026-01-02"),
        np.arange(80),
        roll="forward",
        weekmask="1111110",
        holidays=np.array(frames.HOLIDAYS, dtype="datetime64[D]"),
    )
    days = [day.astype(date) for day in business_days if day <= np.datetime64("2026-03-31")]
    expense_roles = [role for role in frames.ROLES if role.kind == "Kasse" and role.sign < 0]
    book = _CashBook()
    for day in days:
        food = int(rng.integers(35000, 190000))
        drinks = int(rng.integers(12000, 90000))
        book.add(
            day,
            [
                (food, "Tageseinnahmen 7 %", 7.0, "8300"),
                (drinks, "Tageseinnahmen 19 %", 19.0, "8400"),
            ],
            "split" if day == _SPLIT_DAY else "moved" if day == _MOVED_DAY else None,
        )
        if day not in (_SPLIT_DAY, _MOVED_DAY) and rng.random() < 0.35:
            role = expense_roles[int(rng.integers(0, len(expense_roles)))]
            cents = -int(rng.integers(role.low * 100, role.high * 100))
            book.add(day, [(cents, role.text, role.tax, role.skr03)])
        if day.weekday() == 4 and day not in (_SPLIT_DAY, _MOVED_DAY):
            deposit = (
                book.balance + 8500 if day == _OVER_DEPOSIT else (book.balance * 8 // 1000) * 100
            )
            book.add(
                day,
                [(-deposit, "Einzahlung Bank (Geldtransit)", 0.0, GELDTRANSIT[spec.chart])],
                "negative" if day == _OVER_DEPOSIT else None,
            )
    return book


def _kasse_frame(book: _CashBook) -> pl.DataFrame:
    """The clean canonical frame of the book's entries."""
    table = pl.DataFrame(book.rows).with_columns(pl.col("date").cast(pl.Date))
    n = table.height
    return (
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


def _kasse_defects(markers: dict[str, list[int]]) -> list[Defect]:
    """Cash rules: a Beleg entered late, one Beleg with two dates, a deposit beyond the till."""
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
            _SPLIT_DAY + timedelta(days=1),
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
    return d
