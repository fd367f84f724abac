"""Benchmark: 100k bank lines against 100k receipt items (prints numbers; not a test).

    .venv/bin/python benchmarks/bank_match.py
    .venv/bin/python benchmarks/bank_match.py --lines 100000 --receipts 100000 --repeat 3

``workbench.bank.match_bank_lines`` (polars: invoice numbers joined as tokens, amount window as
an inequality join) against a baseline in the same run: the obvious pure-Python matcher (a dict
of invoice numbers, then a bisect over sorted amounts with the date window checked per
candidate), which must put every line into the same bucket. Input is generated
deterministically (seeded): one item per Beleg, a year of dates, log-uniform amounts; 55 % of
the lines pay a Beleg naming its number (a fifth of them with up to 3 % Skonto), 15 % pay one
without the number, 5 % name a number but pay half, 25 % fit nothing.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import re

import numpy as np
import polars as pl
from _timing import best_of

from workbench.bank import match_bank_lines
from workbench.bank.match import AMOUNT_TOLERANCE, DAYS_AFTER, DAYS_BEFORE
from workbench.sources import canonical_schema
from workbench.sources.bank import with_line_ids

START = dt.date(2026, 1, 1)


def generate(lines: int, receipts: int, seed: int = 16) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    amounts = np.round(np.exp(rng.uniform(np.log(5), np.log(20_000), receipts)), 2)
    days = rng.integers(0, 365, receipts)
    kinds = np.where(rng.random(receipts) < 0.7, "Rechnungseingang", "Rechnungsausgang")
    numbers = [f"RE-{n:06d}" for n in rng.permutation(receipts)]
    belege = pl.DataFrame(
        {
            "document_id": [f"D{n}" for n in range(receipts)],
            "item_id": [f"D{n}-1" for n in range(receipts)],
            "document_kind": kinds,
            "date": [START + dt.timedelta(days=int(d)) for d in days],
            "amount": amounts,
            "invoice_id": numbers,
            "party_name": [f"Partner {n % 5000}" for n in range(receipts)],
            "source_file": "belege.csv",
            "source_row": np.arange(2, receipts + 2),
        }
    )
    # each Beleg is paid at most once (more lines than Belege: some twice)
    pick = (rng.permutation(max(lines, receipts)) % receipts)[:lines]
    kind = rng.random(lines)
    sign = np.where(kinds[pick] == "Rechnungseingang", -1.0, 1.0)
    skonto = np.where(rng.random(lines) < 0.2, 1 - rng.uniform(0, 0.03, lines), 1.0)
    paid = np.round(amounts[pick] * skonto, 2)
    paid = np.where((kind >= 0.70) & (kind < 0.75), np.round(amounts[pick] / 2, 2), paid)
    random_amount = np.round(np.exp(rng.uniform(np.log(5), np.log(20_000), lines)), 2)
    paid = np.where(kind >= 0.75, random_amount, paid)
    offsets = rng.integers(-5, 40, lines)
    booking = [
        START + dt.timedelta(days=int(days[p] + o)) for p, o in zip(pick, offsets, strict=True)
    ]
    purposes = [
        f"Rechnung {numbers[p]} Kd {n % 997}"
        if k < 0.55 or 0.70 <= k < 0.75
        else f"Zahlung {n % 9973}"
        if k < 0.70
        else f"Lastschrift {n}"
        for n, (p, k) in enumerate(zip(pick, kind, strict=True))
    ]
    bank = pl.DataFrame(
        {
            "booking_date": booking,
            "amount": paid * sign,
            "currency_code": "EUR",
            "purpose": purposes,
            "source_file": "auszug.xml",
            "source_row": np.arange(1, lines + 1) * 20,
        }
    )
    bank = bank.select(
        [
            pl.col(c) if c in bank.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in canonical_schema("bank").items()
        ]
    )
    return with_line_ids(bank), belege


def baseline(bank: pl.DataFrame, receipts: pl.DataFrame) -> list[str]:
    """The obvious pure-Python matcher with the same rules (one item per Beleg here)."""
    belege = receipts.filter(pl.col("document_kind") != "Kasse").to_dicts()
    for beleg in belege:
        beleg["pay"] = beleg["amount"] * (-1 if beleg["document_kind"] == "Rechnungseingang" else 1)
    by_number: dict[str, list[dict]] = {}
    for beleg in belege:
        if beleg["invoice_id"] and len(beleg["invoice_id"]) >= 3:
            by_number.setdefault(beleg["invoice_id"].upper(), []).append(beleg)
    by_amount = sorted(belege, key=lambda b: abs(b["pay"]))
    keys = [abs(b["pay"]) for b in by_amount]
    buckets, taken = [], set()
    lines = bank.to_dicts()

    def fits(line, beleg) -> tuple[bool, bool]:
        paid, due = line["amount"], beleg["pay"]
        amount = (
            paid * due > 0
            and abs(due) * (1 - AMOUNT_TOLERANCE) - 0.005 <= abs(paid) <= abs(due) + 0.005
        )
        days = (beleg["date"] - line["booking_date"]).days
        return amount, -DAYS_BEFORE <= days <= DAYS_AFTER

    decided: dict[int, tuple[str, int | None]] = {}
    for n, line in enumerate(lines):
        purpose = (line["purpose"] or "").upper()
        found = []
        for token in set(re.findall(r"[A-Z0-9][A-Z0-9\-]{2,}", purpose)):
            found.extend(by_number.get(token, ()))
        found = [
            b
            for b in found
            if re.search(rf"(?<!\d){re.escape(b['invoice_id'].upper())}(?!\d)", purpose)
        ]
        if not found:
            continue
        fitting = [b for b in found if all(fits(line, b))]
        numbers = {b["invoice_id"].upper() for b in found}
        if len(numbers) == 1 and len(fitting) == 1:
            decided[n] = ("matched", id(fitting[0]))
        else:
            decided[n] = ("unclear", None)
    # a Beleg paid twice: the line nearest its date keeps it
    owners: dict[int, list[int]] = {}
    for n, (bucket, beleg) in decided.items():
        if bucket == "matched":
            owners.setdefault(beleg, []).append(n)
    by_id = {id(b): b for b in belege}
    for beleg, ns in owners.items():
        ns.sort(key=lambda n: (abs((by_id[beleg]["date"] - lines[n]["booking_date"]).days), n))
        taken.add(beleg)
        for n in ns[1:]:
            decided[n] = ("unclear", None)
    for n, line in enumerate(lines):
        if n in decided:
            buckets.append(decided[n][0])
            continue
        paid = abs(line["amount"])
        low = bisect.bisect_left(keys, paid - 0.005)
        bucket = "no_receipt"
        for index in range(low, len(keys)):
            if keys[index] * (1 - AMOUNT_TOLERANCE) - 0.005 > paid:
                break
            beleg = by_amount[index]
            if id(beleg) not in taken and all(fits(line, beleg)):
                bucket = "unclear"
                break
        buckets.append(bucket)
    return buckets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bank, receipts = generate(args.lines, args.receipts)
    print(f"{bank.height:,} Kontoumsätze gegen {receipts.height:,} Belegpositionen")
    fast, result = best_of(args.repeat, lambda: match_bank_lines(bank, receipts))
    slow, buckets = best_of(1, lambda: baseline(bank, receipts))
    same = result.lines["bucket"].to_list() == buckets
    counts = dict(zip(result.counts()["label"], result.counts()["lines"], strict=True))
    print(f"  Gruppen: {counts}")
    print(f"  workbench.bank (polars), bestes von {args.repeat}: {fast:6.2f} s")
    print(f"  Vergleich: reines Python (1 Lauf):     {slow:6.2f} s  ({slow / fast:.1f}x)")
    print(f"  gleiche Gruppe für jede Zeile: {'ja' if same else 'NEIN'}")


if __name__ == "__main__":
    main()
