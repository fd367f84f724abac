"""Amounts per account as a bookkeeper reads them: Soll and Haben, sorted by account number,
with the account's name and the previous month beside them.

Sides follow the booking each record stands for. EXTF bookings say it themselves: the
Soll/Haben-Kennzeichen belongs to ``Konto``, ``Gegenkonto`` takes the other side. A
LedgerImport record (Belegsatzdaten) carries a signed gross amount (seed 004: "Vorzeichen des
Betrags → Soll/Haben"): an Ausgangsrechnung books Debitor an Erlöskonto, an Eingangsrechnung
Aufwandskonto an Kreditor, a Kassen-Einnahme Kasse an Erlöskonto; a negative amount (Gutschrift,
Ausgabe) books the other way round. Debitoren and Kreditoren are summed into one line each, so
the table shows the Sachkonten and two totals instead of a line per customer.

Names come from DATEV's Kontenbeschriftungen (an EXTF file, Formatkategorie 20, named per client
in the settings as ``kontenbeschriftungen``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from workbench.datev.vocabulary import ledger_side
from workbench.errors import ConfigError

__all__ = ["ACCOUNTS_SCHEMA", "account_table", "amounts_per_account", "read_account_names"]

ACCOUNTS_SCHEMA = pl.Schema(
    {"Konto": pl.String, "Soll": pl.Float64, "Haben": pl.Float64, "Buchungen": pl.Int64}
)
#: What the business partner account of a Beleg-Art is summed as.
_PARTNER = {
    "Rechnungsausgang": "Debitoren",
    "accountsReceivableLedger": "Debitoren",
    "Rechnungseingang": "Kreditoren",
    "accountsPayableLedger": "Kreditoren",
}
DEBITOREN, KREDITOREN = "Debitoren", "Kreditoren"


def _postings(account: pl.Expr, side: pl.Expr, amount: pl.Expr) -> list[pl.Expr]:
    return [
        account.cast(pl.String).alias("Konto"),
        pl.when(side == "S").then(amount).otherwise(0.0).alias("Soll"),
        pl.when(side == "H").then(amount).otherwise(0.0).alias("Haben"),
    ]


#: The Beleg-Art (or LedgerImport ledger) of a Kasse: DATEV books its items against the Kasse's
#: account, not a business partner.
_CASH = ("Kasse", "cashLedger")


def _ledger_postings(records: pl.DataFrame, cash_account: str | None) -> pl.DataFrame:
    kind = "document_kind" if "document_kind" in records.columns else "ledger"
    amount = pl.col("amount").cast(pl.Float64)
    side = ledger_side(pl.col(kind), amount)
    counter = pl.when(side == "S").then(pl.lit("H")).otherwise(pl.lit("S"))
    parts = [records.select(_postings(pl.col("accountNo"), side, amount.abs()))]
    if "bpAccountNo" in records.columns:
        partner = pl.col(kind).replace_strict(_PARTNER, default=None, return_dtype=pl.String)
        named = records.filter(pl.col("bpAccountNo").is_not_null() & partner.is_not_null())
        parts.append(named.select(_postings(partner, counter, amount.abs())))
    if cash_account:
        cash = records.filter(pl.col(kind).is_in(_CASH))
        parts.append(cash.select(_postings(pl.lit(cash_account), counter, amount.abs())))
    return pl.concat(parts)


def _extf_postings(records: pl.DataFrame) -> pl.DataFrame:
    amount = pl.col("Umsatz (ohne Soll/Haben-Kz)").cast(pl.Float64)
    side = pl.col("Soll/Haben-Kennzeichen")
    counter = pl.when(side == "S").then(pl.lit("H")).otherwise(pl.lit("S"))
    parts = [records.select(_postings(pl.col("Konto"), side, amount))]
    if "Gegenkonto (ohne BU-Schlüssel)" in records.columns:
        parts.append(
            records.filter(pl.col("Gegenkonto (ohne BU-Schlüssel)").is_not_null()).select(
                _postings(pl.col("Gegenkonto (ohne BU-Schlüssel)"), counter, amount)
            )
        )
    return pl.concat(parts)


def amounts_per_account(records: pl.DataFrame, *, cash_account: str | None = None) -> pl.DataFrame:
    """Soll, Haben and number of bookings per account of DATEV records (XML or EXTF).

    ``cash_account``: the Kasse's account, the counter side of Kasse items in LedgerImport
    records (a Buchungsstapel names it itself).

    >>> amounts_per_account(mapped.records, cash_account="1000")  # doctest: +SKIP
    """
    if records.is_empty():
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    if "Konto" in records.columns and "Soll/Haben-Kennzeichen" in records.columns:
        postings = _extf_postings(records)
    elif "accountNo" in records.columns:
        postings = _ledger_postings(records, cash_account)
    else:
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    return (
        postings.filter(pl.col("Konto").is_not_null())
        .group_by("Konto")
        .agg(
            pl.col("Soll").sum().round(2),
            pl.col("Haben").sum().round(2),
            pl.len().cast(pl.Int64).alias("Buchungen"),
        )
        .cast(dict(ACCOUNTS_SCHEMA))  # type: ignore[arg-type]
    )


def _numeric_order(frame: pl.DataFrame) -> pl.DataFrame:
    """Sachkonten by number (``330`` before ``1590`` before ``3300``), then the partner totals."""
    return frame.sort(
        pl.col("Konto").cast(pl.Int64, strict=False).is_null(),
        pl.col("Konto").cast(pl.Int64, strict=False),
        pl.col("Konto"),
    )


def account_table(
    current: pl.DataFrame,
    previous: pl.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Konto, Bezeichnung, Soll, Haben, Saldo (Soll - Haben), Buchungen, Vormonat, Veränderung.

    ``previous`` (same shape as :func:`amounts_per_account`) fills the previous month's Saldo;
    accounts only booked in one of the two months appear with 0,00 in the other.
    """
    names = dict(names or {})
    names.setdefault(DEBITOREN, "Summe der Debitorenkonten")
    names.setdefault(KREDITOREN, "Summe der Kreditorenkonten")
    saldo = (pl.col("Soll") - pl.col("Haben")).round(2)
    table = current.with_columns(saldo.alias("Saldo"))
    if previous is not None:
        before = previous.select("Konto", saldo.alias("Vormonat"))
        table = table.join(before, on="Konto", how="full", coalesce=True).with_columns(
            pl.col("Soll", "Haben", "Saldo", "Vormonat").fill_null(0.0),
            pl.col("Buchungen").fill_null(0),
        )
        table = table.with_columns(
            (pl.col("Saldo") - pl.col("Vormonat")).round(2).alias("Veränderung")
        )
    table = table.with_columns(
        pl.col("Konto")
        .replace_strict(names, default=None, return_dtype=pl.String)
        .alias("Bezeichnung")
    )
    columns = ["Konto", "Bezeichnung", "Soll", "Haben", "Saldo", "Buchungen"]
    if previous is not None:
        columns += ["Vormonat", "Veränderung"]
    return _numeric_order(table.select(columns))


def read_account_names(path: str | Path) -> dict[str, str]:
    """``{Konto: Kontenbeschriftung}`` from a DATEV Kontenbeschriftungen file (EXTF, category 20).

    Line 1 is the EXTF header, line 2 the column names (``Konto``, ``Kontenbeschriftung``),
    then one account per line, Windows-1252 with ``;``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"Die Kontenbeschriftungen {path} sind nicht lesbar: {error.strerror}.", file=path.name
        ) from error
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp1252")
    lines = text.splitlines()
    start = 1 if lines and lines[0].startswith(('"EXTF"', "EXTF")) else 0
    frame = pl.read_csv(
        "\n".join(lines[start:]).encode("utf-8"),
        separator=";",
        infer_schema=False,
        quote_char='"',
    )
    if not {"Konto", "Kontenbeschriftung"} <= set(frame.columns):
        raise ConfigError(
            f"{path.name} hat keine Spalten 'Konto' und 'Kontenbeschriftung' "
            f"(DATEV-Format Kontenbeschriftungen); gefunden: {', '.join(frame.columns[:6])}.",
            file=path.name,
        )
    return {
        str(account).strip(): str(name).strip()
        for account, name in frame.select("Konto", "Kontenbeschriftung").iter_rows()
        if account and name
    }
