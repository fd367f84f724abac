"""Cash book (Kasse) rules: chronology, running balance, one date per Kassenbeleg, months.

DATEV takes a Kasse in file order and keeps its balance: a Kassenbeleg before the one above it,
a balance below zero, a Kassenbeleg with two dates, or a month older than one already
transferred would all be refused.
"""

from __future__ import annotations

import polars as pl

from workbench.checks.engine_polars import ROW_INDEX
from workbench.checks.hits import hits, text
from workbench.clients import ClientSettings
from workbench.german import number_expr

__all__ = ["cash_rules"]


def cash_rules(frame: pl.DataFrame, settings: ClientSettings | None) -> list[pl.DataFrame]:
    """Kasse rows in file order: chronology, running balance, one date per Kassenbeleg, months.

    A Kassenbeleg's date is the date of its first item; it must not be before the date of the
    Kassenbeleg before it (all its items are reported). A Kassenbeleg with several dates has all
    its items reported. The balance starts at the opening balance (0,00) at the top of the file;
    the item that first takes it below zero is reported.
    """
    cash = frame.select(
        ROW_INDEX, "document_kind", "document_id", "date", "amount", "accounting_month"
    ).filter(pl.col("document_kind") == "Kasse")
    if cash.is_empty():
        return []
    day, amount = pl.col("date"), pl.col("amount").fill_null(0.0)
    opening = settings.cash_opening_balance if settings else 0.0
    balance = (amount.cum_sum() + opening).round(2)
    documents = (
        cash.group_by("document_id", maintain_order=True)
        .agg(day.drop_nulls().first().alias("__doc_date"))
        .with_columns(pl.col("__doc_date").shift(1).forward_fill().alias("__previous"))
    )
    cash = cash.with_columns(
        balance.alias("__balance"),
        balance.shift(1, fill_value=opening).alias("__before"),
        day.n_unique().over("document_id").alias("__dates"),
    ).join(documents, on="document_id", how="left", nulls_equal=True)
    doc_date = pl.col("__doc_date")
    out = [
        hits(
            cash,
            doc_date.is_not_null() & (doc_date < pl.col("__previous")),
            rule="cash.chronology",
            severity="error",
            column="date",
            value=day.dt.strftime("%Y-%m-%d"),
            expected=text("nicht vor ", pl.col("__previous").dt.strftime("%d.%m.%Y")),
            message=text(
                "Der Kassenbeleg ",
                pl.col("document_id"),
                " vom ",
                doc_date.dt.strftime("%d.%m.%Y"),
                " steht nach einem Kassenbeleg vom ",
                pl.col("__previous").dt.strftime("%d.%m.%Y"),
                ". Kassenbelege werden "
                "in Dateireihenfolge übertragen und müssen chronologisch sein (Kassenführung, "
                "seed 004); DATEVs Schnittstelle prüft das nicht, die Workbench ist hier "
                "absichtlich strenger als DATEV. Sortieren Sie die Kassenbewegungen nach Datum.",
            ),
        ),
        hits(
            cash,
            (pl.col("__balance") < 0) & (pl.col("__before") >= 0),
            rule="cash.negative_balance",
            severity="error",
            column="amount",
            value=pl.col("amount"),
            expected="Kassenbestand nie unter 0,00",
            message=text(
                "Nach dieser Kassenbewegung wäre der Kassenbestand negativ (",
                number_expr(pl.col("__balance")),
                " EUR); eine Kasse ohne Minusbestand ist Pflicht der Kassenführung. DATEVs "
                "Schnittstelle prüft das nicht, die Workbench ist hier absichtlich strenger als "
                "DATEV. Übertragen Sie zuerst die Einnahmen und dann die Ausgaben, oder prüfen "
                "Sie Betrag und Reihenfolge.",
            ),
        ),
        hits(
            cash,
            day.is_not_null() & (pl.col("__dates") > 1),
            rule="cash.multiple_dates",
            severity="error",
            column="date",
            value=day.dt.strftime("%Y-%m-%d"),
            expected="ein Belegdatum für alle Positionen des Kassenbelegs",
            message=text(
                "Der Kassenbeleg ",
                pl.col("document_id"),
                " hat Positionen mit verschiedenen Daten (diese: ",
                day.dt.strftime("%d.%m.%Y"),
                "). Alle "
                "Positionen eines Kassenbelegs brauchen dasselbe Belegdatum: teilen "
                "Sie den Beleg auf oder korrigieren Sie das Datum.",
            ),
        ),
    ]
    last = settings.last_transferred_cash_month if settings else None
    if last:
        out.append(_month_already_transferred(cash, last))
    return out


def _month_already_transferred(cash: pl.DataFrame, last: str) -> pl.DataFrame:
    """Kassenbelege of a month older than the last one transferred."""
    month = pl.col("accounting_month")
    return hits(
        cash,
        month.is_not_null() & (month < last),
        rule="cash.month_already_transferred",
        severity="error",
        column="accounting_month",
        value=month,
        expected=f"Buchungsmonat ab {last}",
        message=text(
            "Für die Kasse wurde bereits der Buchungsmonat ",
            last,
            " übertragen; Kassenbelege für den älteren Monat ",
            month,
            " nimmt DATEV nicht mehr "
            "an. Übertragen Sie ältere Monate vor neueren oder klären Sie die "
            "Korrektur mit Ihrer Steuerberatung.",
        ),
    )
