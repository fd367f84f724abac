"""DATEV's assignment rules at their edges, and the three buckets on the sample statements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from workbench.bank import match_bank_lines
from workbench.sources import canonical_schema, load_bank, load_receipts

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
DAY = dt.date(2026, 3, 1)


def _receipts(*belege: tuple) -> pl.DataFrame:
    """(document_id, kind, date, amount, invoice_id) per Beleg, one item each."""
    rows = [
        {
            "document_id": d,
            "item_id": f"{d}-1",
            "document_kind": k,
            "date": day,
            "amount": a,
            "invoice_id": i,
            "party_name": "Lieferant",
            "source_file": "belege.csv",
            "source_row": n + 2,
        }
        for n, (d, k, day, a, i) in enumerate(belege)
    ]
    return pl.DataFrame(rows)


def _bank(*lines: tuple) -> pl.DataFrame:
    """(booking_date, amount, purpose) per bank line."""
    schema = canonical_schema("bank")
    rows = [
        {
            "booking_date": day,
            "amount": amount,
            "purpose": purpose,
            "line_id": f"L{n}",
            "source_file": "auszug.csv",
            "source_row": n + 2,
        }
        for n, (day, amount, purpose) in enumerate(lines)
    ]
    return pl.DataFrame(rows, schema=schema)


def _bucket(line: tuple, *belege: tuple) -> str:
    result = match_bank_lines(_bank(line), _receipts(*belege))
    return result.lines["bucket"][0]


EINGANG = ("B1", "Rechnungseingang", DAY, 1000.0, "ER-4711")


@pytest.mark.parametrize(
    ("line", "bucket"),
    [
        ((DAY, -1000.00, "ER-4711"), "matched"),
        ((DAY, -950.00, "ER-4711 Skonto"), "matched"),  # exactly 95 %
        ((DAY, -949.90, "ER-4711"), "unclear"),  # just under 95 %
        ((DAY, -1000.10, "ER-4711"), "unclear"),  # above the Beleg
        ((DAY, 1000.00, "ER-4711"), "unclear"),  # a credit does not pay a Rechnungseingang
        ((DAY + dt.timedelta(days=60), -1000.0, "ER-4711"), "matched"),  # Beleg 60 days before
        ((DAY + dt.timedelta(days=61), -1000.0, "ER-4711"), "unclear"),
        ((DAY - dt.timedelta(days=7), -1000.0, "ER-4711"), "matched"),  # Beleg 7 days after
        ((DAY - dt.timedelta(days=8), -1000.0, "ER-4711"), "unclear"),
        ((DAY, -1000.0, "RNR ER-47112"), "unclear"),  # a digit after: not the number
        ((DAY, -1000.0, "Re.ER-4711/2026"), "matched"),  # no digit directly around it
        ((DAY, -1000.0, "Miete"), "unclear"),  # amount and date fit, number missing
        ((DAY, -10.0, "Porto"), "no_receipt"),
        ((DAY + dt.timedelta(days=90), -1000.0, "Miete"), "no_receipt"),
    ],
)
def test_datev_rules_at_their_edges(line, bucket):
    assert _bucket(line, EINGANG) == bucket


def test_rechnungsausgang_is_settled_by_a_credit_and_kasse_never_matches():
    ausgang = ("B2", "Rechnungsausgang", DAY, 119.0, "RA-100")
    kasse = ("B3", "Kasse", DAY, 50.0, "KA-200")
    assert _bucket((DAY, 119.0, "RA-100"), ausgang) == "matched"
    assert _bucket((DAY, -119.0, "RA-100"), ausgang) == "unclear"
    assert _bucket((DAY, 50.0, "KA-200"), kasse) == "no_receipt"


def test_several_invoice_numbers_or_belege_are_unclear():
    two = (
        ("B1", "Rechnungseingang", DAY, 100.0, "ER-100"),
        ("B2", "Rechnungseingang", DAY, 100.0, "ER-200"),
    )
    result = match_bank_lines(_bank((DAY, -100.0, "ER-100 und ER-200")), _receipts(*two))
    assert result.lines["bucket"][0] == "unclear"
    assert "mehrere Rechnungsnummern" in result.lines["reason"][0]
    same = (
        ("B1", "Rechnungseingang", DAY, 100.0, "ER-100"),
        ("B2", "Rechnungseingang", DAY, 100.0, "ER-100"),
    )
    result = match_bank_lines(_bank((DAY, -100.0, "ER-100")), _receipts(*same))
    assert result.lines["bucket"][0] == "unclear"
    assert "Mehrere Belege" in result.lines["reason"][0]


def test_a_beleg_paid_twice_keeps_the_nearer_payment():
    lines = _bank(
        (DAY + dt.timedelta(days=20), -100.0, "ER-100"),
        (DAY + dt.timedelta(days=2), -100.0, "ER-100"),
    )
    result = match_bank_lines(lines, _receipts(("B1", "Rechnungseingang", DAY, 100.0, "ER-100")))
    assert result.lines["bucket"].to_list() == ["unclear", "matched"]
    assert "doppelte Zahlung" in result.lines["reason"][0]


def test_items_of_one_beleg_add_up():
    items = pl.concat(
        [
            _receipts(("B1", "Rechnungseingang", DAY, 60.0, "ER-100")),
            _receipts(("B1", "Rechnungseingang", DAY, 40.0, "ER-100")).with_columns(
                item_id=pl.lit("B1-2")
            ),
        ]
    )
    result = match_bank_lines(_bank((DAY, -100.0, "ER-100")), items)
    row = result.lines.row(0, named=True)
    assert row["bucket"] == "matched" and row["item_ids"] == "B1-1, B1-2"
    assert row["receipt_amount"] == 100.0


def test_invoice_numbers_under_three_characters_are_not_looked_for():
    short = ("B1", "Rechnungseingang", DAY, 100.0, "12")
    assert _bucket((DAY, -100.0, "Rechnung 12"), short) == "unclear"  # amount/date only


@pytest.mark.parametrize("name", ["camt053.xml", "mt940.sta", "sparkasse.csv"])
def test_sample_statements_land_in_the_expected_buckets(name):
    receipts = load_receipts(DATA / "receipts.csv").frame
    bank = load_bank(DATA / name).frame
    result = match_bank_lines(bank, receipts)
    by_amount = dict(zip(result.lines["amount"], result.lines["bucket"], strict=True))
    assert by_amount[-1190.0] == "matched"  # invoice number, exact amount
    assert by_amount[-490.0] == "matched"  # 2 % Skonto
    assert by_amount[-800.0] == "unclear"  # rent: amount and date fit, no number
    assert by_amount[-300.0] == "unclear"  # down payment: number, 50 %
    assert by_amount[2380.0] == "matched"  # a customer pays a Rechnungsausgang
    assert by_amount[-45.9] == "no_receipt" and by_amount[-9.9] == "no_receipt"
    counts = dict(zip(result.counts()["bucket"], result.counts()["lines"], strict=True))
    assert sum(counts.values()) == bank.height  # every line in exactly one bucket
    assert result.lines["line_id"].to_list() == bank["line_id"].to_list()
    if name == "camt053.xml":
        assert by_amount[119.0] == by_amount[238.0] == "matched"  # each part of the batch


def test_the_shipped_sample_statement_fits_the_sample_receipts():
    """Tour 28, defect 12: the README's `bank match` had no statement to run on. The sample
    (installed with the package, as the receipts are) meets each bucket."""
    from workbench.resources import resource_path

    samples = resource_path("samples")
    bank = load_bank([samples / "kontoauszug_camt053.xml"])
    receipts = load_receipts(
        [
            samples / "receipts_juston_booking_detail.csv",
            samples / "receipts_juston_expense.csv",
        ],
        profile="juston",
    )
    result = match_bank_lines(bank.frame, receipts.frame)
    counts = dict(result.counts().select("bucket", "lines").iter_rows())
    assert counts == {"matched": 4, "unclear": 1, "no_receipt": 2}
    assert bank.findings.is_empty()
