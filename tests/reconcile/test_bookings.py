"""Bookings of one shape from EXTF lines, LedgerImport records and DATEV's AccountPostings.

The strongest check: DATEV's Musterdaten Buchungsstapel read by the workbench and the same file
booked by the sandbox and read back as AccountPostings give the same bookings (the two sides
are written independently: the workbench's reader, and the sandbox standing in for DATEV)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from workbench.datev.extf import read_extf
from workbench.reconcile.bookings import (
    POSTINGS_SCHEMA,
    bookings_from_extf,
    bookings_from_ledger,
    bookings_from_postings,
    signed,
)
from workbench.sandbox.postings import account_postings, extf_bookings
from workbench.sandbox.seed import Seed, load_seed

BOOKING = ["belegfeld1", "date", "account", "debit", "credit", "cents"]


def extf_frame(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "Umsatz (ohne Soll/Haben-Kz)": pl.Float64,
            "Soll/Haben-Kennzeichen": pl.String,
            "Konto": pl.String,
            "Gegenkonto (ohne BU-Schlüssel)": pl.String,
            "Belegdatum": pl.Date,
            "Belegfeld 1": pl.String,
        },
        orient="row",
    )


def test_extf_lines_put_konto_on_the_side_of_the_flag():
    day = dt.date(2026, 1, 5)
    frame = extf_frame(
        (119.0, "S", "10000", "8400", day, "R-1"),
        (50.5, "H", "70000", "3400", day, "E-1"),
        (12.34, "S", "4400", "85", day, None),  # DATEV writes short Sachkonten (Musterdaten)
    )
    bookings = bookings_from_extf(frame, account_length=4)
    assert bookings.select(BOOKING).rows() == [
        ("R-1", day, "8400", "10000", "8400", 11900),
        ("E-1", day, "3400", "3400", "70000", 5050),
        ("", day, "0085", "4400", "0085", 1234),
    ]


def ledger_frame(*rows: tuple, cash: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "ledger": pl.String,
            "amount": pl.Float64,
            "accountNo": pl.String,
            "bpAccountNo": pl.String,
            "invoiceId": pl.String,
            "date": pl.Date,
        },
        orient="row",
    ).with_columns(pl.lit(cash, pl.String).alias("cash_account"))


@pytest.mark.parametrize(
    ("ledger", "amount", "partner", "cash", "debit", "credit"),
    [
        ("accountsReceivableLedger", 119.0, "10100", None, "10100", "8400"),
        ("accountsReceivableLedger", -119.0, "10100", None, "8400", "10100"),  # Gutschrift
        ("accountsPayableLedger", 119.0, "70100", None, "8400", "70100"),
        ("accountsPayableLedger", 119.0, None, None, "8400", None),  # DATEV picks the Kreditor
        ("cashLedger", 119.0, None, "1000", "1000", "8400"),  # Einnahme
        ("cashLedger", -119.0, None, "1000", "8400", "1000"),  # Ausgabe
        ("cashLedger", 119.0, None, None, None, "8400"),  # Kassenkonto not in document.xml
    ],
)
def test_ledger_records_book_the_sachkonto_on_the_side_of_their_beleg_art(
    ledger, amount, partner, cash, debit, credit
):
    frame = ledger_frame((ledger, amount, "8400", partner, "X-1", dt.date(2026, 1, 5)), cash=cash)
    [booking] = bookings_from_ledger(frame, account_length=4).to_dicts()
    assert (booking["account"], booking["debit"], booking["credit"]) == ("8400", debit, credit)
    assert booking["cents"] == 11900


def postings(*rows: dict) -> pl.DataFrame:
    return pl.from_dicts(list(rows), schema=POSTINGS_SCHEMA)


def test_postings_fold_back_into_bookings():
    base = {"date": "2026-01-05", "followOnPostingType": "journal_entry"}
    folded = bookings_from_postings(
        postings(
            # Kasse an Erlöse: one booking, two Kontoblätter
            {
                **base,
                "documentField1": "K-1",
                "accountNumber": 10000000,
                "contraAccountNumber": 83000000,
                "amountDebit": 50.0,
            },
            {
                **base,
                "documentField1": "K-1",
                "accountNumber": 83000000,
                "contraAccountNumber": 10000000,
                "amountCredit": 50.0,
            },
            # Debitor an Erlöse, booked twice: two bookings, one Kontoblatt each
            {
                **base,
                "documentField1": "R-1",
                "accountNumber": 84000000,
                "contraAccountNumber": 101000000,
                "amountCredit": 119.0,
            },
            {
                **base,
                "documentField1": "R-1",
                "accountNumber": 84000000,
                "contraAccountNumber": 101000000,
                "amountCredit": 119.0,
            },
            # GWG at account length 4 keeps its leading zero
            {
                **base,
                "documentField1": "E-1",
                "accountNumber": 4800000,
                "contraAccountNumber": 701100000,
                "amountDebit": 901.02,
            },
            # A follow-on tax posting is not a booking of its own
            {
                **base,
                "documentField1": "R-1",
                "accountNumber": 17760000,
                "contraAccountNumber": 101000000,
                "amountCredit": 19.0,
                "followOnPostingType": "factor_2_posting_account",
            },
        ),
        account_length=4,
    )
    assert folded.select("belegfeld1", "account", "debit", "credit", "cents").rows() == [
        ("K-1", "8300", "1000", "8300", 5000),
        ("R-1", "8400", "10100", "8400", 11900),
        ("R-1", "8400", "10100", "8400", 11900),
        ("E-1", "0480", "0480", "70110", 90102),
    ]


def test_signed_amounts_are_positive_for_soll():
    day = dt.date(2026, 1, 5)
    bookings = bookings_from_extf(
        extf_frame((119.0, "S", "10000", "8400", day, "R-1")), account_length=4
    )
    assert sorted(signed(bookings).rows()) == [("10000", 11900), ("8400", -11900)]


def test_datevs_musterdaten_read_by_the_workbench_equal_what_the_sandbox_books(shared_datev):
    """The Musterdaten Buchungsstapel, read with read_extf, and booked by the sandbox and read
    back as AccountPostings: the same 54 bookings, amount for amount."""
    path = shared_datev("musterdaten", "csv", "EXTF_Buchungsstapel.csv")
    client = Seed(load_seed()).client("29098-55003")
    sent = bookings_from_extf(read_extf(path).frame, account_length=4)
    booked_postings = [
        posting
        for booking in extf_bookings(path.read_bytes(), client)
        for posting in account_postings(booking, document_links=False)
    ]
    booked = bookings_from_postings(
        pl.from_dicts(booked_postings, schema=POSTINGS_SCHEMA), account_length=4
    )
    assert sent.height == booked.height == 54
    key = ["belegfeld1", "date", "debit", "credit", "cents"]
    assert sorted(sent.select(key).rows()) == sorted(booked.select(key).rows())
    assert sent["cents"].sum() == 26228960  # 262.289,60 € in the file
