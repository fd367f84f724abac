"""Compare bookings side by side, Beleg by Beleg, and name every difference.

Bookings pair up when Belegfeld 1, both accounts and the amount agree (an account the
workbench left to DATEV is not compared); each booking pairs at most once, so a Beleg booked
twice leaves one over. What is left over is a difference, of one of these kinds:

* ``nicht_gebucht``: sent, but DATEV has no such booking;
* ``nicht_gesendet``: DATEV booked it, the workbench did not send it (by hand, another system);
* ``abweichend``: the Beleg is on both sides, but amount or account differ;
* ``doppelt``: DATEV booked it more often than it was sent;
* ``nur_in_quelle``: in the source files, neither sent nor booked (only with sources).

Left-over bookings of one Beleg on both sides pair by likeness (same accounts: the amount
differs; same amount: an account differs; then anything) into ``abweichend``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

__all__ = ["DIFFERENCES_SCHEMA", "KINDS", "compare", "completed", "pair"]

#: The kinds in the order they are listed: what the workbench sent first.
KINDS = ("nicht_gebucht", "abweichend", "doppelt", "nicht_gesendet", "nur_in_quelle")
DIFFERENCES_SCHEMA = pl.Schema(
    {
        "kind": pl.String,
        "belegfeld1": pl.String,
        "account": pl.String,
        "sent": pl.Int64,  # cents, positive for Soll on ``account``
        "booked": pl.Int64,
        "source": pl.String,
        "row": pl.Int64,
        "transfer_id": pl.String,
        "message": pl.String,
    }
)
_BOOKING = ["belegfeld1", "debit", "credit", "cents"]
_SENT_KINDS = ("nicht_gebucht", "abweichend")
# Exact pairing: all keys first; then bookings with an account left to DATEV on the other key.
_PASSES = (
    (_BOOKING, None),
    (["belegfeld1", "debit", "cents"], "credit"),
    (["belegfeld1", "credit", "cents"], "debit"),
)

Row = dict[str, Any]


def pair(
    left: pl.DataFrame, right: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``(pairs, left over on the left, left over on the right)``: rows carry the ids ``_l``
    and ``_r``, ``pairs`` both."""
    found = [pl.DataFrame(schema={"_l": pl.UInt32, "_r": pl.UInt32})]
    for keys, unknown in _PASSES:
        candidates = left if unknown is None else left.filter(pl.col(unknown).is_null())
        if candidates.is_empty() or right.is_empty():
            continue
        numbered = [
            frame.with_columns(pl.int_range(pl.len()).over(keys).alias("_occ"))
            for frame in (candidates, right)
        ]
        matched = (
            numbered[0]
            .select(*keys, "_occ", "_l")
            .join(numbered[1].select(*keys, "_occ", "_r"), on=[*keys, "_occ"], nulls_equal=True)
            .select("_l", "_r")
        )
        found.append(matched)
        left = left.join(matched, on="_l", how="anti")
        right = right.join(matched, on="_r", how="anti")
    return pl.concat(found), left, right


def compare(
    expected: pl.DataFrame,
    booked: pl.DataFrame,
    *,
    sources: pl.DataFrame,
    describe: Callable[[Row], str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Differences between ``expected`` (sent bookings, and source bookings nobody sent:
    ``origin`` says which) and ``booked``, and the pairs (``_l``, ``_r``: row numbers).
    ``sources`` lends source rows to DATEV's own bookings; ``describe`` writes a difference's
    German message (it sees the bookings)."""
    left = expected.with_row_index("_l")
    right = booked.with_row_index("_r")
    pairs, rest_left, rest_right = pair(left, right)
    context = _Context(right, pairs, sources)
    rows: list[Row] = []
    # A source row nobody sent that DATEV has anyway: booked by someone else.
    by_source = pairs.join(left.filter(pl.col("origin") == "source"), on="_l")
    for match in by_source.join(right, on="_r", suffix="_b").to_dicts():
        booked_row = {key: match[f"{key}_b"] for key in ("debit", "credit", "cents", "account")}
        rows.append(_row("nicht_gesendet", match, booked={**match, **booked_row}))
    mixed = set(rest_left["belegfeld1"]) & set(rest_right["belegfeld1"])
    groups_left = rest_left.filter(pl.col("belegfeld1").is_in(list(mixed)))
    groups_right = rest_right.filter(pl.col("belegfeld1").is_in(list(mixed)))
    offered: dict[str, list[Row]] = {}
    for row in groups_right.to_dicts():
        offered.setdefault(row["belegfeld1"], []).append(row)
    for row in groups_left.to_dicts():
        candidates = offered[row["belegfeld1"]]
        if candidates:
            best = max(candidates, key=lambda candidate: _likeness(row, candidate))
            candidates.remove(best)
            rows.append(_row("abweichend", row, booked=best))
        else:
            rows.append(_missing(row))
    left_over = [row for group in offered.values() for row in group]
    rows.extend(
        _missing(row)
        for row in rest_left.filter(~pl.col("belegfeld1").is_in(list(mixed))).to_dicts()
    )
    rest = rest_right.filter(~pl.col("belegfeld1").is_in(list(mixed))).to_dicts()
    rows.extend(context.extra(row) for row in [*left_over, *rest])
    for row in rows:
        row["message"] = describe(row)
    differences = pl.DataFrame(
        [{key: row.get(key) for key in DIFFERENCES_SCHEMA} for row in rows],
        schema=DIFFERENCES_SCHEMA,
        orient="row",
    )
    order = pl.col("kind").replace_strict(
        {kind: n for n, kind in enumerate(KINDS)}, return_dtype=pl.Int64
    )
    return differences.sort(order, "belegfeld1", "account"), pairs


def completed(expected: pl.DataFrame, booked: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """``expected`` with every account it left to DATEV taken from the booking it paired with
    (a Kassenkonto, a Sammelkonto), so per-account totals compare like with like."""
    partner = pairs.join(
        booked.with_row_index("_r").select("_r", "debit", "credit"), on="_r"
    ).select("_l", pl.col("debit").alias("_debit"), pl.col("credit").alias("_credit"))
    return (
        expected.with_row_index("_l")
        .join(partner, on="_l", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("debit", "_debit").alias("debit"),
            pl.coalesce("credit", "_credit").alias("credit"),
        )
        .drop("_l", "_debit", "_credit")
    )


class _Context:
    """What a booking DATEV has on its own is judged by: the bookings that paired up (a copy
    of one is ``doppelt``) and the source rows of each Beleg."""

    def __init__(self, right: pl.DataFrame, pairs: pl.DataFrame, sources: pl.DataFrame) -> None:
        paired = right.join(pairs.select("_r"), on="_r", how="semi").select(_BOOKING)
        self.paired = set(paired.iter_rows())
        first = sources.unique("belegfeld1", keep="first", maintain_order=True)
        self.lineage = {
            row["belegfeld1"]: (row["source_file"], row["source_row"])
            for row in first.select("belegfeld1", "source_file", "source_row").to_dicts()
        }

    def extra(self, row: Row) -> Row:
        key = tuple(row[name] for name in _BOOKING)
        kind = "doppelt" if key in self.paired else "nicht_gesendet"
        source, line = self.lineage.get(row["belegfeld1"], (None, None))
        return {**_row(kind, None, booked=row), "source": source, "row": line}


def _signed(booking: Row, account: str | None) -> int:
    """The booking's amount on ``account``: positive for Soll, negative for Haben."""
    if account not in (booking["debit"], booking["credit"]):
        account = booking["account"]
    return booking["cents"] if account == booking["debit"] else -booking["cents"]


def _likeness(wanted: Row, candidate: Row) -> int:
    if (wanted["debit"], wanted["credit"]) == (candidate["debit"], candidate["credit"]):
        return 3
    if wanted["cents"] == candidate["cents"]:
        return 2
    return int(wanted["account"] in (candidate["debit"], candidate["credit"]))


def _row(kind: str, expected: Row | None, *, booked: Row | None = None) -> Row:
    base = expected or booked or {}
    account = base.get("account")
    return {
        "kind": kind,
        "belegfeld1": base.get("belegfeld1") or "",
        "account": account,
        # A source row nobody sent has nothing under "gesendet" (its message names the amount).
        "sent": _signed(expected, account) if expected and kind in _SENT_KINDS else None,
        "booked": _signed(booked, account) if booked else None,
        "source": base.get("source_file"),
        "row": base.get("source_row"),
        "transfer_id": base.get("transfer_id") if kind != "nicht_gesendet" else None,
        "expected_booking": expected,
        "booked_booking": booked,
    }


def _missing(row: Row) -> Row:
    return _row("nur_in_quelle" if row["origin"] == "source" else "nicht_gebucht", row)
