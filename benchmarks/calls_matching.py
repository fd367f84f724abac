"""Benchmark: resolve 100k calls against 10k addressees (prints numbers; not a test).

    .venv/bin/python benchmarks/calls_matching.py
    .venv/bin/python benchmarks/calls_matching.py --calls 100000 --addressees 10000 --repeat 3

Target (issue 7): matching 100k calls against 10k addressees in under 1 s. The baseline in the
same run is the obvious approach: ``phonenumbers`` per call row and a dict lookup. Input is
generated deterministically (seeded): every addressee has a phone number (some two, some a fax,
5 % inactive, 20 % a switchboard "+49 911 47110-0" whose extensions call too), calls use their
numbers in three spellings ("0911 471-1234", "+49 911 4711234", "0049 911 4711234") or one of
5,000 unknown numbers (20 %). The directory (master data, fetched
once) is built outside the timed part but also reported.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import datetime

import numpy as np
import phonenumbers
import polars as pl

from workbench.calls import PhoneDirectory, resolve_calls
from workbench.calls.numbers import normalize_number

AREAS = ("30", "40", "69", "89", "911", "221", "711", "341", "351", "9131")


def _number(rng: np.random.Generator) -> tuple[str, str]:
    area = AREAS[rng.integers(len(AREAS))]
    local = str(rng.integers(2_000_000, 9_999_999))
    return area, local


def master_data(addressees: int, seed: int = 7) -> tuple[list[dict], list[dict], list[str]]:
    rng = np.random.default_rng(seed)
    people, clients, spellings = [], [], []
    for i in range(addressees):
        area, local = _number(rng)
        switchboard = rng.random() < 0.2
        if switchboard:  # "+49 911 4711-0": calls also come from its extensions
            local = local[:5]
        main = f"+49 {area} {local}-0" if switchboard else f"+49 {area} {local}"
        comms = [{"id": f"c{i}", "type": "phone", "data_content": main}]
        if rng.random() < 0.3:
            mobile = f"0{rng.integers(150, 180)} {rng.integers(1_000_000, 9_999_999)}"
            comms.append({"id": f"m{i}", "type": "phone", "data_content": mobile, "note": "Mobil"})
        if rng.random() < 0.3:
            comms.append({"id": f"f{i}", "type": "fax", "data_content": f"+49 {area} {local}9"})
        people.append(
            {
                "id": f"A{i}",
                "status": "inactive" if rng.random() < 0.05 else "active",
                "current_company_name": f"Firma {i}",
                "communications": comms,
            }
        )
        clients.append(
            {"id": f"K{i}", "number": 10000 + i, "name": f"Firma {i}", "legal_person_id": f"A{i}"}
        )
        if switchboard:
            spellings += [
                f"0{area} {local}-0",
                f"0{area} {local}-{rng.integers(10, 99)}",
                f"+49 {area} {local}{rng.integers(100, 999)}",
            ]
        else:
            spellings += [
                f"0{area} {local[:3]}-{local[3:]}",
                f"+49 {area} {local}",
                f"0049 {area} {local}",
            ]
    return clients, people, spellings


def call_log(spellings: list[str], calls: int, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    unknown = [
        f"+{rng.choice([43, 41, 33, 44])} {rng.integers(10, 99)} "
        f"{rng.integers(1_000_000, 9_999_999)}"
        for _ in range(5000)
    ]
    known = np.array(spellings)[rng.integers(0, len(spellings), calls)]
    other = np.array(unknown)[rng.integers(0, len(unknown), calls)]
    numbers = np.where(rng.random(calls) < 0.8, known, other)
    return pl.DataFrame(
        {
            "call_id": [f"SF-{i}" for i in range(calls)],
            "started_at": [datetime(2026, 1, 5, 9)] * calls,
            "duration_s": rng.integers(0, 1800, calls),
            "direction": np.array(["inbound", "outbound"])[rng.integers(0, 2, calls)],
            "remote_number": numbers,
        }
    )


def baseline(calls: pl.DataFrame, directory: PhoneDirectory) -> list[str]:
    """Row by row: phonenumbers for every call, then a dict of number -> Mandanten."""
    table: dict[str, set[str]] = defaultdict(set)
    for row in directory.numbers.filter(
        pl.col("kind") == "phone", pl.col("addressee_active")
    ).iter_rows(named=True):
        table[row["number"]].add(row["client_id"])
    out = []
    for raw in calls["remote_number"]:
        try:
            parsed = phonenumbers.parse(raw, "DE")
        except phonenumbers.NumberParseException:
            out.append("unparseable")
            continue
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        hits = table.get(e164, ())
        out.append("matched" if len(hits) == 1 else "ambiguous" if hits else "unmatched")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--addressees", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    clients, people, spellings = master_data(args.addressees)
    calls = call_log(spellings, args.calls)
    start = time.perf_counter()
    directory = PhoneDirectory.from_master_data(clients=clients, addressees=people)
    built = time.perf_counter() - start
    print(
        f"{args.calls:,} calls ({calls['remote_number'].n_unique():,} distinct spellings), "
        f"{args.addressees:,} addressees ({directory.numbers.height:,} numbers)"
    )
    print(f"directory from master data (once):  {built:6.3f} s")
    cold = []
    for _ in range(args.repeat):
        normalize_number.cache_clear()
        start = time.perf_counter()
        resolved = resolve_calls(calls, directory)
        cold.append(time.perf_counter() - start)
    start = time.perf_counter()
    resolve_calls(calls, directory)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    slow = baseline(calls, directory)
    base = time.perf_counter() - start
    counts = dict(resolved["match_status"].value_counts().rows())
    agree = sum(
        1
        for a, b in zip(slow, resolved["match_status"], strict=True)
        if a == b or (a, b) == ("unmatched", "fax") or (a, b) == ("unmatched", "inactive")
    )
    extensions = resolved.filter(pl.col("number_role") == "Durchwahl").height
    print(f"resolve_calls, cold cache (best of {args.repeat}): {min(cold):6.3f} s   target < 1 s")
    print(f"resolve_calls, warm cache:          {warm:6.3f} s")
    print(f"baseline (phonenumbers per row):    {base:6.3f} s   ({base / min(cold):.1f}x slower)")
    print(
        f"statuses: {counts}; baseline agrees on {agree:,} of {len(slow):,} calls "
        f"(it cannot match the {extensions:,} calls from switchboard extensions)"
    )


if __name__ == "__main__":
    main()
