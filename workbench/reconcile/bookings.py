"""Bookings in one shape for the three sides of the Abgleich: sources, sent, booked at DATEV.

A booking is one Buchungssatz: Belegfeld 1, Belegdatum, the account debited (Soll) and the one
credited (Haben), the gross amount in cents (always positive: the side says the sign) and where
it came from. The sides speak different languages, and the converters here translate:

* EXTF Buchungsstapel lines: ``Konto`` on the side of the Soll/Haben-Kennzeichen, the
  ``Gegenkonto`` on the other; the Gegenkonto is the booking's Sachkonto (revenue, expense).
* LedgerImport records (XML-Schnittstelle): ``accountNo`` is the Sachkonto, ``bpAccountNo`` (or
  the Kassenkonto) the other side; Rechnungseingang debits the Sachkonto, Rechnungsausgang and
  Kasse receipts credit it; a negative amount swaps the sides. An account DATEV chooses itself
  (no bpAccountNo) stays unknown (null) and is not compared.
* DATEV's AccountPostings (Accounting Data Exchange): technical account numbers (8 digits for
  a Sachkonto, 9 for a Personenkonto), one posting per Kontoblatt of a booking, folded back
  into bookings; only ``journal_entry`` postings count (follow-on tax postings would count the
  tax twice).

``account`` is the account a difference is reported on: the Sachkonto named above; for a
booking only DATEV knows, the side that is not a Personenkonto, and of two Sachkonten the
higher number (in SKR03 and SKR04 the revenue or expense account of a money booking).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = [
    "BOOKINGS_SCHEMA",
    "POSTINGS_SCHEMA",
    "bookings_from_extf",
    "bookings_from_ledger",
    "bookings_from_postings",
    "empty_bookings",
    "signed",
]

BOOKINGS_SCHEMA = pl.Schema(
    {
        "belegfeld1": pl.String,
        "date": pl.Date,
        "account": pl.String,
        "debit": pl.String,
        "credit": pl.String,
        "cents": pl.Int64,
        "item_id": pl.String,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "transfer_id": pl.String,
        "document_link": pl.String,
    }
)
#: The AccountPosting fields the Abgleich reads (ADE 1.5.8); others are ignored.
POSTINGS_SCHEMA = pl.Schema(
    {
        "accountNumber": pl.Int64(),
        "contraAccountNumber": pl.Int64(),
        "amountDebit": pl.Float64(),
        "amountCredit": pl.Float64(),
        "date": pl.String(),
        "documentField1": pl.String(),
        "followOnPostingType": pl.String(),
        "documentLink": pl.Struct({"sourceSystem": pl.String(), "documentGuid": pl.String()}),
    }
)
_GL_LIMIT = 100_000_000  # technical Sachkonten have 8 digits, Personenkonten 9
#: LedgerImport kind -> side of accountNo for a positive amount.
_ACCOUNT_SIDE = {"accountsPayableLedger": "S", "accountsReceivableLedger": "H", "cashLedger": "H"}


def empty_bookings() -> pl.DataFrame:
    return pl.DataFrame(schema=BOOKINGS_SCHEMA)


def _account(expr: pl.Expr, length: int) -> pl.Expr:
    """An account as DATEV keeps it: digits, a Sachkonto written short gets its leading zeros
    (DATEV's Musterdaten write 85 for 0085)."""
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_chars() < length).then(text.str.zfill(length)).otherwise(text)


def _cents(amount: pl.Expr) -> pl.Expr:
    return (amount.cast(pl.Float64).abs() * 100).round().cast(pl.Int64)


def _lineage(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        (pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype)).alias(name)
        for name, dtype in BOOKINGS_SCHEMA.items()
        if name in ("item_id", "source_file", "source_row", "transfer_id", "document_link")
    ]


def _finish(frame: pl.DataFrame, columns: Sequence[pl.Expr | str]) -> pl.DataFrame:
    return frame.select(*columns, *_lineage(frame)).select(list(BOOKINGS_SCHEMA))


def bookings_from_extf(frame: pl.DataFrame, *, account_length: int) -> pl.DataFrame:
    """Bookings of Buchungsstapel lines (DATEV's column names, as ``read_extf`` gives them)."""
    if frame.is_empty():
        return empty_bookings()
    konto = _account(pl.col("Konto"), account_length)
    gegenkonto = _account(pl.col("Gegenkonto (ohne BU-Schlüssel)"), account_length)
    debit_side = pl.col("Soll/Haben-Kennzeichen") == "S"
    return _finish(
        frame,
        [
            pl.col("Belegfeld 1").fill_null("").alias("belegfeld1"),
            pl.col("Belegdatum").cast(pl.Date).alias("date"),
            gegenkonto.alias("account"),
            pl.when(debit_side).then(konto).otherwise(gegenkonto).alias("debit"),
            pl.when(debit_side).then(gegenkonto).otherwise(konto).alias("credit"),
            _cents(pl.col("Umsatz (ohne Soll/Haben-Kz)")).alias("cents"),
        ],
    )


def bookings_from_ledger(frame: pl.DataFrame, *, account_length: int) -> pl.DataFrame:
    """Bookings of LedgerImport records with a ``ledger`` column (accountsPayableLedger, …) and,
    for cash records, an optional ``cash_account`` (document.xml property 2)."""
    if frame.is_empty():
        return empty_bookings()
    for name in ("bpAccountNo", "cash_account", "invoiceId"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    account = _account(pl.col("accountNo"), account_length)
    cash = pl.col("ledger") == "cashLedger"
    other = _account(pl.when(cash).then("cash_account").otherwise("bpAccountNo"), account_length)
    positive_side = pl.col("ledger").replace_strict(_ACCOUNT_SIDE, return_dtype=pl.String)
    side = pl.when(pl.col("amount") < 0).then(
        pl.when(positive_side == "S").then(pl.lit("H")).otherwise(pl.lit("S"))
    )
    debit_side = side.otherwise(positive_side) == "S"
    return _finish(
        frame,
        [
            pl.col("invoiceId").fill_null("").alias("belegfeld1"),
            pl.col("date").cast(pl.Date).alias("date"),
            account.alias("account"),
            pl.when(debit_side).then(account).otherwise(other).alias("debit"),
            pl.when(debit_side).then(other).otherwise(account).alias("credit"),
            _cents(pl.col("amount")).alias("cents"),
        ],
    )


def _from_technical(expr: pl.Expr, length: int) -> pl.Expr:
    text = expr.cast(pl.String)
    return (
        pl.when(expr < _GL_LIMIT)
        .then(text.str.zfill(8).str.slice(0, length))
        .otherwise(text.str.zfill(9).str.slice(0, length + 1))
    )


def bookings_from_postings(postings: pl.DataFrame, *, account_length: int) -> pl.DataFrame:
    """Fold DATEV's AccountPostings (:data:`POSTINGS_SCHEMA`) back into bookings.

    A booking between two Sachkonten arrives twice (once per Kontoblatt), one against a
    Personenkonto once; identical postings of one Beleg that come more often than that are
    bookings made more than once.
    """
    if postings.is_empty():
        return empty_bookings()
    journal = postings.filter(
        pl.col("followOnPostingType").is_null() | (pl.col("followOnPostingType") == "journal_entry")
    )
    amount = pl.coalesce("amountDebit", "amountCredit")
    on_debit = pl.col("amountDebit").is_not_null() == (amount >= 0)
    own, contra = pl.col("accountNumber"), pl.col("contraAccountNumber")
    keyed = journal.select(
        pl.col("documentField1").fill_null("").alias("belegfeld1"),
        pl.col("date").str.to_date().alias("date"),
        pl.when(on_debit).then(own).otherwise(contra).alias("_debit"),
        pl.when(on_debit).then(contra).otherwise(own).alias("_credit"),
        _cents(amount).alias("cents"),
        pl.col("documentLink").struct.field("documentGuid").alias("document_link"),
    )
    keys = ["belegfeld1", "date", "_debit", "_credit", "cents"]
    sheets = (pl.col("_debit") < _GL_LIMIT).cast(pl.Int64) + (pl.col("_credit") < _GL_LIMIT)
    folded = (
        keyed.group_by(keys, maintain_order=True)
        .agg(pl.len().alias("_postings"), pl.col("document_link").drop_nulls().first())
        .with_columns(
            pl.int_ranges(0, (pl.col("_postings") + sheets.clip(1) - 1) // sheets.clip(1)).alias(
                "_copy"
            )
        )
        .explode("_copy")
    )
    debit = _from_technical(pl.col("_debit"), account_length)
    credit = _from_technical(pl.col("_credit"), account_length)
    account = (
        pl.when(pl.col("_debit") >= _GL_LIMIT)
        .then(credit)
        .when(pl.col("_credit") >= _GL_LIMIT)
        .then(debit)
        .when(pl.col("_debit") > pl.col("_credit"))
        .then(debit)
        .otherwise(credit)
    )
    return _finish(
        folded,
        [
            "belegfeld1",
            "date",
            account.alias("account"),
            debit.alias("debit"),
            credit.alias("credit"),
            "cents",
        ],
    )


def signed(bookings: pl.DataFrame) -> pl.DataFrame:
    """Per booking and account it touches: the amount, positive for Soll, negative for Haben
    (an account DATEV chooses itself is left out)."""
    sides = [
        bookings.select(pl.col("debit").alias("account"), pl.col("cents")),
        bookings.select(pl.col("credit").alias("account"), -pl.col("cents")),
    ]
    return pl.concat(sides).filter(pl.col("account").is_not_null())
