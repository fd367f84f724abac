"""The Abgleich as people read it, for the app and the monthly report: German column names,
amounts in euros (Soll positive), the differences in the order they are worked off.

>>> differences_table(result).columns  # doctest: +SKIP
['Art', 'Belegfeld 1', 'Konto', 'gesendet', 'gebucht', 'Quelle', 'Zeile', 'Meldung']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from workbench.reconcile.reconciliation import Reconciliation

__all__ = ["KIND_LABELS", "accounts_table", "differences_table"]

#: Kinds of differences as a person reads them.
KIND_LABELS = {
    "nicht_gebucht": "nicht gebucht",
    "abweichend": "abweichend",
    "doppelt": "doppelt",
    "nicht_gesendet": "nicht gesendet",
    "nur_in_quelle": "nur in der Quelle",
}


def _euros(column: str) -> pl.Expr:
    return (pl.col(column) / 100).round(2)


def differences_table(result: Reconciliation) -> pl.DataFrame:
    """One row per difference, ``nicht gebucht`` first (the result's order)."""
    return result.differences.select(
        pl.col("kind").replace_strict(KIND_LABELS, return_dtype=pl.String).alias("Art"),
        pl.col("belegfeld1").alias("Belegfeld 1"),
        pl.col("account").alias("Konto"),
        _euros("sent").alias("gesendet"),
        _euros("booked").alias("gebucht"),
        pl.col("source").alias("Quelle"),
        pl.col("row").alias("Zeile"),
        pl.col("message").alias("Meldung"),
    )


def accounts_table(result: Reconciliation) -> pl.DataFrame:
    """Per account: DATEV's Kontenbeschriftung, the sides and ``gebucht - gesendet``; the
    Quelle column only when sources were given. Accounts that differ come first."""
    sides = [*(["source"] if result.with_sources else []), "sent", "booked"]
    names = {"source": "Quelle", "sent": "gesendet", "booked": "gebucht"}
    accounts = result.accounts.with_columns((pl.col("booked") - pl.col("sent")).alias("difference"))
    return accounts.sort(pl.col("difference") == 0, maintain_order=True).select(
        pl.col("account").alias("Konto"),
        pl.col("name").fill_null("–").alias("Bezeichnung"),
        *(_euros(side).alias(names[side]) for side in sides),
        _euros("difference").alias("Differenz"),
    )
