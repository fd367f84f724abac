"""The polars engine's screens (distinct values, regex alternation) change the cost, not the result.

Reference: every expectation compiled on its own and evaluated on every row.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from workbench.checks import check, engine_polars, load_suite
from workbench.checks.runner import _plan
from workbench.samples import generate

PERIOD = ("2026-01", "2026-03")


def reference_rows(prepared, expectations, params) -> dict[int, list[int]]:
    masks = prepared.select(
        engine_polars.compile_expectation(e, prepared.schema, params).alias(str(e.index))
        for e in expectations
    )
    out = {e.index: np.flatnonzero(masks[str(e.index)].to_numpy()).tolist() for e in expectations}
    return {index: rows for index, rows in out.items() if rows}


def screened_rows(prepared, expectations, params) -> dict[int, list[int]]:
    rows = engine_polars.unexpected_rows(prepared, expectations, params)
    return {index: sorted(positions.tolist()) for index, positions in rows.items()}


def plan(frame: pl.DataFrame, settings):
    return _plan(frame, load_suite("receipts"), settings, PERIOD, "extf")


def test_both_screens_are_taken_and_agree_on_generated_receipts(settings):
    frame = generate("receipts", 20_000, seed=5, defect_rate=0.03).frame
    prepared, expectations, params = plan(frame, settings)
    distinct, union = engine_polars._screened_groups(prepared, expectations)
    assert {"party_name", "booking_text", "iban", "account_no"} <= set(distinct)
    assert {"information", "attachment"} <= set(union)
    assert screened_rows(prepared, expectations, params) == reference_rows(
        prepared, expectations, params
    )


#: Text pieces that trip the encoding, pattern and length rules, and harmless ones.
PIECES = st.sampled_from(
    [
        "Brot",
        " ",
        "\t",
        "Ã¼",
        "&#228;",
        "\u00a0",
        "\x1f",
        "\ue000",
        "ä",
        "K",
        "_",
        "4711",
        ".pdf",
        ".zip",
        "x" * 55,
        "",
    ]
)
VALUE = st.one_of(st.none(), st.lists(PIECES, max_size=4).map("".join))


@hsettings(max_examples=40, deadline=None)
@given(
    pool=st.lists(VALUE, min_size=1, max_size=6),
    fresh=st.lists(VALUE, max_size=40),
    picks=st.lists(st.integers(0, 5), min_size=60, max_size=60),
)
def test_screens_agree_with_plain_evaluation(pool, fresh, picks, settings):
    """Columns drawn from a small pool of values (checked per distinct value) and columns of
    mostly fresh values (alternation) give the rows that each expectation alone gives."""
    repeated = [pool[i % len(pool)] for i in picks]
    varied = (fresh + repeated)[:60]
    frame = pl.DataFrame(
        {
            "booking_text": repeated,
            "party_name": varied,
            "party_city": repeated[::-1],
            "information": varied[::-1],
            "attachment": varied,
            "account_no": repeated,
            "invoice_id": varied,
            "vat_id": repeated,
            "iban": varied,
        },
        schema=dict.fromkeys(
            [
                "booking_text",
                "party_name",
                "party_city",
                "information",
                "attachment",
                "account_no",
                "invoice_id",
                "vat_id",
                "iban",
            ],
            pl.String,
        ),
    )
    prepared, expectations, params = plan(frame, settings)
    assert screened_rows(prepared, expectations, params) == reference_rows(
        prepared, expectations, params
    )


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_screen_choice_does_not_change_findings(share, settings, monkeypatch):
    frame = generate("receipts", 3000, seed=9, defect_rate=0.05).frame
    prepared, expectations, params = plan(frame, settings)
    expected = reference_rows(prepared, expectations, params)
    monkeypatch.setattr(engine_polars, "REPEATED_SHARE", share)
    distinct, _ = engine_polars._screened_groups(prepared, expectations)
    assert bool(distinct) == bool(share)
    assert screened_rows(prepared, expectations, params) == expected


# --- the duplicates screen ---------------------------------------------------------------------


@hsettings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=300))
def test_may_repeat_keeps_every_key_with_two_owners(pairs):
    from workbench.checks.duplicate_rules import _may_repeat

    mix = np.uint64(0x9E3779B97F4A7C15)  # spread small keys over the top bits, as hashes are
    key = np.array([k for k, _ in pairs], dtype=np.uint64) * mix
    owner = np.array([o for _, o in pairs], dtype=np.uint64)
    kept = _may_repeat(key, owner)
    owners: dict[int, set[int]] = {}
    for k, o in zip(key.tolist(), owner.tolist(), strict=True):
        owners.setdefault(k, set()).add(o)
    must = np.array([len(owners[k]) > 1 for k in key.tolist()], dtype=bool)
    assert not (must & ~kept).any()


@hsettings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["R-1", "R-2", "R-3", None]),
            st.sampled_from(["B1", "B2", "B3", "B4"]),
            st.sampled_from(["2026-01", "2026-02", None]),
        ),
        min_size=1,
        max_size=80,
    )
)
def test_duplicate_invoice_ids_match_a_plain_group_by(rows, settings):
    from datetime import date

    frame = pl.DataFrame(
        {
            "invoice_id": [r[0] for r in rows],
            "document_id": [r[1] for r in rows],
            "accounting_month": [r[2] for r in rows],
            "date": [date(2026, 2, 10)] * len(rows),
            "document_kind": ["Rechnungseingang"] * len(rows),
            "amount": [1.0] * len(rows),
        },
        schema_overrides={"invoice_id": pl.String, "accounting_month": pl.String},
    )
    found = (
        check(frame, "receipts", settings=settings)
        .filter(pl.col("rule") == "duplicate.invoice_id")["row"]
        .to_list()
    )
    month = frame["accounting_month"].fill_null("2026-02")
    keyed = frame.with_columns(month.alias("month"), (pl.int_range(pl.len()) + 1).alias("row"))
    many = keyed.filter(pl.col("invoice_id").is_not_null()).filter(
        pl.col("document_id").n_unique().over("invoice_id", "month") > 1
    )
    assert sorted(found) == sorted(many["row"].to_list())
