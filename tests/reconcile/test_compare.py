"""Comparing sides Beleg by Beleg: every kind of difference, pairing by likeness, messages."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from workbench.reconcile.bookings import BOOKINGS_SCHEMA
from workbench.reconcile.compare import compare, completed
from workbench.reconcile.messages import describe, euro

DAY = dt.date(2026, 1, 15)


def bookings(*rows: tuple, origin: str | None = "sent") -> pl.DataFrame:
    """rows: (belegfeld1, account, debit, credit, cents[, source_row])."""
    frame = pl.DataFrame(
        [
            {
                "belegfeld1": row[0],
                "date": DAY,
                "account": row[1],
                "debit": row[2],
                "credit": row[3],
                "cents": row[4],
                "source_file": "belege.csv" if len(row) > 5 else None,
                "source_row": row[5] if len(row) > 5 else None,
                "transfer_id": "t1" if origin == "sent" else None,
            }
            for row in rows
        ],
        schema=BOOKINGS_SCHEMA,
    )
    return frame if origin is None else frame.with_columns(pl.lit(origin).alias("origin"))


def run(expected: pl.DataFrame, booked: pl.DataFrame, sources: pl.DataFrame | None = None):
    differences, _ = compare(
        expected,
        booked,
        sources=sources if sources is not None else bookings(origin=None),
        describe=lambda row: describe(row, statuses={"t1": "Fertig"}),
    )
    return differences


def test_the_same_bookings_on_both_sides_are_no_difference():
    sent = bookings(
        ("R-1", "8400", "10100", "8400", 11900, 2), ("R-1", "8300", "10100", "8300", 700, 3)
    )
    booked = bookings(
        ("R-1", "8300", "10100", "8300", 700), ("R-1", "8400", "10100", "8400", 11900)
    )
    assert run(sent, booked.drop("origin")).is_empty()


def test_every_kind_points_at_its_source_row():
    sent = bookings(
        ("R-1", "8400", "10100", "8400", 11900, 2),  # changed at DATEV: amount
        ("R-2", "8400", "10100", "8400", 5000, 3),  # deleted at DATEV
        ("R-3", "8300", "10100", "8300", 700, 4),  # booked twice
        ("R-4", "8400", "10100", "8400", 100, 5),  # account changed at DATEV
    )
    booked = bookings(
        ("R-1", "8400", "10100", "8400", 15000),
        ("R-3", "8300", "10100", "8300", 700),
        ("R-3", "8300", "10100", "8300", 700),
        ("R-4", "8300", "10100", "8300", 100),
        ("MAN-1", "4930", "4930", "1000", 1250),  # a colleague's booking
        origin=None,
    )
    differences = run(sent, booked)
    rows = {row["belegfeld1"]: row for row in differences.to_dicts()}
    assert {b: r["kind"] for b, r in rows.items()} == {
        "R-1": "abweichend",
        "R-2": "nicht_gebucht",
        "R-3": "doppelt",
        "R-4": "abweichend",
        "MAN-1": "nicht_gesendet",
    }
    # Amounts on the reported account, positive for Soll: revenue is Haben.
    assert (rows["R-1"]["account"], rows["R-1"]["sent"], rows["R-1"]["booked"]) == (
        "8400",
        -11900,
        -15000,
    )
    assert (rows["R-2"]["sent"], rows["R-2"]["booked"]) == (-5000, None)
    assert (rows["MAN-1"]["account"], rows["MAN-1"]["sent"], rows["MAN-1"]["booked"]) == (
        "4930",
        None,
        1250,
    )
    assert [rows[b]["row"] for b in ("R-1", "R-2", "R-4", "MAN-1")] == [2, 3, 5, None]
    assert rows["R-1"]["message"].startswith("Beleg R-1 (belege.csv, Zeile 2): Betrag weicht ab")
    assert "150,00 €" in rows["R-1"]["message"]
    assert "Konto weicht ab" in rows["R-4"]["message"]
    assert "DATEV-Status Fertig" in rows["R-2"]["message"]


def test_an_account_left_to_datev_is_not_compared_but_filled_in():
    # A Kassenbeleg: the workbench does not name the Kassenkonto, DATEV books 1000.
    sent = bookings(("K-1", "8300", None, "8300", 2000, 7))
    booked = bookings(("K-1", "8300", "1000", "8300", 2000), origin=None)
    differences, pairs = compare(
        sent, booked, sources=bookings(origin=None), describe=lambda row: ""
    )
    assert differences.is_empty()
    assert completed(sent, booked, pairs)["debit"].to_list() == ["1000"]


def test_leftovers_pair_by_likeness_within_a_beleg():
    sent = bookings(
        ("B-1", "8400", "10100", "8400", 1000, 2),
        ("B-1", "8300", "10100", "8300", 2000, 3),
    )
    booked = bookings(
        ("B-1", "8300", "10100", "8300", 2500),  # the 8300 line changed its amount
        ("B-1", "8400", "10100", "8400", 1000),
        origin=None,
    )
    [difference] = run(sent, booked).to_dicts()
    assert (difference["kind"], difference["account"], difference["row"]) == (
        "abweichend",
        "8300",
        3,
    )
    assert (difference["sent"], difference["booked"]) == (-2000, -2500)


def test_sources_nobody_sent():
    sources = bookings(("Q-1", "8400", "10100", "8400", 999, 9), origin=None)
    expected = bookings(("Q-1", "8400", "10100", "8400", 999, 9), origin="source")
    # Not sent and not booked: only in the source.
    [only] = run(expected, bookings(origin=None), sources).to_dicts()
    assert (only["kind"], only["source"], only["row"]) == ("nur_in_quelle", "belege.csv", 9)
    # Tour 28 #3: nothing was sent, so "gesendet" stays empty (the message names the amount).
    assert (only["sent"], only["booked"]) == (None, None)
    assert "9,99 €" in only["message"]
    # Not sent, but DATEV has it: booked by someone else, pointing at the source row.
    booked = bookings(("Q-1", "8400", "10100", "8400", 999), origin=None)
    [other] = run(expected, booked, sources).to_dicts()
    assert (other["kind"], other["row"], other["sent"]) == ("nicht_gesendet", 9, None)


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0,00 €"), (123456, "1.234,56 €"), (-5, "-0,05 €"), (100000000, "1.000.000,00 €")],
)
def test_euro_amounts_are_german(cents, text):
    assert euro(cents) == text
