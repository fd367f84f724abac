"""The GUIDs and content hashes of packaged records, computed for a whole column at once, are the
very strings ``uuid.uuid5`` and ``hashlib.sha256`` give one value at a time: ledgers written
before keep matching (a changed GUID would send an item again, a changed hash would flag it)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date

import polars as pl

from workbench.pipeline.package import _GUID_NAMESPACE, booking_guids, content_hashes

ODD_IDS = [
    "RE-1",
    "",
    "Müller/€ 12",
    "x" * 300,
    "漢字-😀",
    'quote " and ; semicolon',
    "line\nbreak",
    None,
]


def test_booking_guids_are_uuid5_of_client_and_item() -> None:
    ids = ODD_IDS + [f"ITEM-{n:06d}" for n in range(5000)]
    guids = booking_guids("455148-1", pl.Series("item_id", ids, dtype=pl.String))
    assert guids.name == "Buchungs GUID"
    assert guids.to_list() == [str(uuid.uuid5(_GUID_NAMESPACE, f"455148-1/{i}")) for i in ids]


def test_content_hashes_are_sha256_of_the_joined_values() -> None:
    records = pl.DataFrame(
        {
            "b": ["Müller", None, "", "😀"],
            "a": [1.5, 2.0, None, -0.01],
            "d": [date(2026, 1, 31), None, date(2024, 2, 29), date(2026, 12, 6)],
            "item_id": ["1", "2", "3", "4"],
        }
    )
    hashes = content_hashes(records, exclude=("item_id",))
    expected = [
        hashlib.sha256("␟".join(values).encode()).hexdigest()
        for values in zip(
            ["1.5", "2.0", "␀", "-0.01"],
            ["Müller", "␀", "", "😀"],
            ["2026-01-31", "␀", "2024-02-29", "2026-12-06"],
            strict=True,
        )
    ]
    assert hashes.name == "content_hash"
    assert hashes.to_list() == expected
