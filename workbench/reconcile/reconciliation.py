"""The Abgleich of one client and month: sources vs sent vs booked, per account and per Beleg.

>>> result = reconcile(client="455148-1", period="2026-01", ledger=ledger,  # doctest: +SKIP
...                    datev=datev)
>>> result.exit_code, result.differences["kind"].to_list()  # doctest: +SKIP
(2, ['abweichend'])
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from workbench.clients import normalise_client_id, normalise_month
from workbench.reconcile.booked import booked_bookings
from workbench.reconcile.bookings import empty_bookings, signed
from workbench.reconcile.compare import compare, completed, pair
from workbench.reconcile.messages import describe
from workbench.reconcile.sent import sent_bookings
from workbench.reconcile.sources import source_bookings
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger

__all__ = ["ACCOUNTS_SCHEMA", "Reconciliation", "period_bounds", "reconcile"]

ACCOUNTS_SCHEMA = pl.Schema(
    {
        "account": pl.String,
        "name": pl.String,
        "source": pl.Int64,  # cents, positive for Soll; null without sources
        "sent": pl.Int64,
        "booked": pl.Int64,
    }
)


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a month written ``YYYY-MM`` (else a UsageError)."""
    year, month = (int(part) for part in normalise_month(period).split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Reconciliation:
    """The three sides of one client and month, and every difference between them.

    Amounts are cents, positive for Soll. ``accounts``: account, name (DATEV's
    Kontenbeschriftung), source, sent, booked. ``differences``: see
    :mod:`workbench.reconcile.compare`; sorted with ``nicht_gebucht`` first.
    """

    client: str
    period: str
    accounts: pl.DataFrame
    differences: pl.DataFrame
    counts: dict[str, int]
    with_sources: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when the sides agree, 2 when they differ (ARCHITECTURE §4.1)."""
        return 2 if self.differences.height else 0

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON: amounts in euros, positive for Soll."""

        def euros(value: int | None) -> float | None:
            return None if value is None else round(value / 100, 2)

        return {
            "client": self.client,
            "period": self.period,
            "accounts": [
                {
                    "account": row["account"],
                    "name": row["name"],
                    "source": euros(row["source"]),
                    "sent": euros(row["sent"]),
                    "booked": euros(row["booked"]),
                }
                for row in self.accounts.iter_rows(named=True)
            ],
            "differences": [
                {
                    "kind": row["kind"],
                    "belegfeld1": row["belegfeld1"],
                    "account": row["account"],
                    "sent": euros(row["sent"]),
                    "booked": euros(row["booked"]),
                    "source": row["source"],
                    "row": row["row"],
                    "message": row["message"],
                }
                for row in self.differences.iter_rows(named=True)
            ],
        }


def reconcile(
    *,
    client: str,
    period: str,
    ledger: Ledger,
    datev: DatevClient,
    sources: Sequence[tuple[pl.DataFrame, str]] | None = None,
    notes: list[str] | None = None,
) -> Reconciliation:
    """Compare what the ``sources`` say (optional: mapped records with lineage and their
    target, ``"ledger"`` or ``"extf"``), what the ``ledger`` says was sent and what DATEV
    booked, for ``client`` in ``period``."""
    client = normalise_client_id(client)
    start, end = period_bounds(period)
    booked = booked_bookings(datev, client, start=start, end=end)
    sent = sent_bookings(
        ledger, client, start=start, end=end, account_length=booked.account_length
    ).with_columns(pl.lit("sent").alias("origin"))
    source = pl.concat(
        [
            empty_bookings(),
            *(
                source_bookings(records, target=target, account_length=booked.account_length)
                for records, target in sources or ()
            ),
        ]
    ).filter(pl.col("date").is_between(start, end))
    # Source bookings already sent are the sent ones; the rest were never sent like that.
    sent_pairs, unsent, _ = pair(source.with_row_index("_l"), sent.with_row_index("_r"))
    expected = pl.concat([sent, unsent.drop("_l").with_columns(pl.lit("source").alias("origin"))])
    statuses = {t.id: t.datev_status_text for t in ledger.transfers(client=client)}
    differences, pairs = compare(
        expected,
        booked.bookings,
        sources=source,
        describe=lambda row: describe(row, statuses=statuses),
    )
    expected = completed(expected, booked.bookings, pairs)
    # A source row that was sent books where its sent booking did (the Kassenkonto DATEV
    # chose), so the Quelle column of the account table compares like with like.
    source = completed(source, expected.head(sent.height), sent_pairs)
    return Reconciliation(
        client=client,
        period=period,
        accounts=_accounts(
            source if sources is not None else None,
            expected.filter(pl.col("origin") == "sent"),
            booked.bookings,
            booked.names,
        ),
        differences=differences,
        counts={"source": source.height, "sent": sent.height, "booked": booked.bookings.height},
        with_sources=sources is not None,
        notes=list(notes or []),
    )


def _accounts(
    source: pl.DataFrame | None, sent: pl.DataFrame, booked: pl.DataFrame, names: dict[str, str]
) -> pl.DataFrame:
    sides = {"sent": sent, "booked": booked} | ({"source": source} if source is not None else {})
    totals = None
    for name, bookings in sides.items():
        side = signed(bookings).group_by("account").agg(pl.col("cents").sum().alias(name))
        totals = (
            side if totals is None else totals.join(side, on="account", how="full", coalesce=True)
        )
    assert totals is not None
    for name in ("source", "sent", "booked"):
        if name not in totals.columns:
            totals = totals.with_columns(pl.lit(None, pl.Int64).alias(name))
        elif name != "source" or source is not None:
            totals = totals.with_columns(pl.col(name).fill_null(0))
    return (
        totals.with_columns(
            pl.col("account")
            .replace_strict(names, default=None, return_dtype=pl.String)
            .alias("name")
        )
        .sort(pl.col("account").cast(pl.Int64, strict=False), "account")
        .select(list(ACCOUNTS_SCHEMA))
    )
