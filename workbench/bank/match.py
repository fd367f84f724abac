"""Bank lines against receipt items: which payment belongs to which Beleg, and which has none.

The rules are DATEV's for assigning Belege to Kontoumsätze automatically in Belege online /
Bank online (DATEV-Serviceinformation Dok.-Nr. 1071561, as DATEV staff quote it in the DATEV
Community, threads "Überwiesene Belege nicht automatisch auf geprüft" and the assignment FAQ):

- amount: the Kontoumsatz is at most 5 % below the Beleg and never above it (95-100 %, Skonto);
- date: the Beleg lies 60 days before to 7 days after the Kontoumsatz's booking date;
- invoice number: the Beleg's invoice number (at least 3 characters) is in the purpose text with
  no digit directly before or after it, and the purpose names only one invoice number.

Receipt items are matched per Beleg (``document_id``: the items' amounts add up, the first date
and invoice number count). Direction: a debit pays a Rechnungseingang, a credit settles a
Rechnungsausgang; Kasse items are cash and never on the bank account.

Every bank line lands in exactly one bucket: ``matched`` (all three rules hold for exactly one
Beleg), ``unclear`` (the invoice number is there but amount or date is off, several numbers or
Belege fit, or amount and date fit a Beleg but the number is missing), ``no_receipt`` (nothing
fits: a question "Beleg fehlt" to the client, ``workbench bank match --ask``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = [
    "AMOUNT_TOLERANCE",
    "BUCKETS",
    "DAYS_AFTER",
    "DAYS_BEFORE",
    "MatchResult",
    "match_bank_lines",
]

#: The Kontoumsatz may be at most this much below the Beleg (Skonto), never above it.
AMOUNT_TOLERANCE = 0.05
#: The Beleg date may lie this many days before / after the Kontoumsatz's booking date.
DAYS_BEFORE = 60
DAYS_AFTER = 7
#: Bucket key -> German label.
BUCKETS = {"matched": "zugeordnet", "unclear": "unklar", "no_receipt": "ohne Beleg"}

_CENT = 0.005  # float amounts: a cent's rounding never decides a bucket


@dataclass(frozen=True)
class MatchResult:
    """One row per bank line with its bucket, the Beleg (if any) and the German reason."""

    lines: pl.DataFrame

    def counts(self) -> pl.DataFrame:
        """Bank lines per bucket (all three buckets, zeros included); they add up to the lines."""
        counts = self.lines.group_by("bucket").len()
        return (
            pl.DataFrame({"bucket": list(BUCKETS), "label": list(BUCKETS.values())})
            .join(counts, on="bucket", how="left")
            .with_columns(pl.col("len").fill_null(0).cast(pl.Int64).alias("lines"))
            .drop("len")
        )

    def bucket(self, name: str) -> pl.DataFrame:
        return self.lines.filter(pl.col("bucket") == name)


def _belege(receipts: pl.DataFrame) -> pl.DataFrame:
    """One row per Beleg with the sum of its items, signed as the bank would book it."""
    frame = receipts.filter(pl.col("document_kind") != "Kasse").with_row_index("_order")
    belege = (
        frame.group_by("document_id", maintain_order=True)
        .agg(
            pl.col("amount").sum().alias("r_amount"),
            pl.col("date").min().alias("r_date"),
            pl.col("invoice_id").drop_nulls().first().alias("invoice_id"),
            pl.col("document_kind").first(),
            pl.col("party_name").drop_nulls().first().alias("party_name"),
            pl.col("item_id").alias("item_ids"),
            pl.col("source_file").first().alias("r_source"),
            pl.col("source_row").min().alias("r_row"),
        )
        .filter(pl.col("r_amount").is_not_null() & pl.col("r_date").is_not_null())
    )
    # A Rechnungseingang is paid (a debit), a Rechnungsausgang is received (a credit).
    sign = pl.when(pl.col("document_kind") == "Rechnungseingang").then(-1.0).otherwise(1.0)
    return belege.with_row_index("beleg").with_columns((pl.col("r_amount") * sign).alias("r_pay"))


def _fits_amount() -> pl.Expr:
    paid, due = pl.col("amount"), pl.col("r_pay")
    same_direction = (paid * due) > 0
    within = (paid.abs() <= due.abs() + _CENT) & (
        paid.abs() >= due.abs() * (1 - AMOUNT_TOLERANCE) - _CENT
    )
    return same_direction & within


def _fits_date() -> pl.Expr:
    days = (pl.col("r_date") - pl.col("booking_date")).dt.total_days()
    return (days >= -DAYS_BEFORE) & (days <= DAYS_AFTER)


def _names_invoice(purpose: str, invoice: str) -> bool:
    """DATEV's rule: the number occurs with no digit directly before or after it."""
    start = purpose.find(invoice)
    while start >= 0:
        before = purpose[start - 1] if start else ""
        end = start + len(invoice)
        after = purpose[end] if end < len(purpose) else ""
        if not before.isdigit() and not after.isdigit():
            return True
        start = purpose.find(invoice, start + 1)
    return False


def _by_invoice_number(lines: pl.DataFrame, belege: pl.DataFrame) -> pl.DataFrame:
    """(line, beleg) pairs whose purpose names the Beleg's invoice number."""
    numbered = belege.filter(pl.col("invoice_id").str.len_chars() >= 3).select(
        "beleg",
        pl.col("invoice_id").str.to_uppercase().alias("_invoice"),
        # the last run of 3+ digits (ER-2026-0042 -> 0042), or the whole number without one
        pl.col("invoice_id")
        .str.to_uppercase()
        .str.extract_all(r"\d{3,}")
        .list.last()
        .fill_null(pl.col("invoice_id").str.to_uppercase())
        .alias("_key"),
    )
    tokens = (
        lines.select(
            "line",
            pl.col("purpose").fill_null("").str.to_uppercase().alias("_purpose"),
        )
        .with_columns(
            pl.concat_list(
                pl.col("_purpose").str.extract_all(r"\d{3,}"),
                pl.col("_purpose").str.extract_all(r"[A-Z0-9]{3,}"),
            ).alias("_key")
        )
        .explode("_key")
        .drop_nulls("_key")
        .unique(["line", "_key"])
    )
    pairs = tokens.join(numbered, on="_key", how="inner").unique(["line", "beleg"])
    if pairs.is_empty():
        return pairs.select("line", "beleg")
    keep = [
        _names_invoice(purpose, invoice)
        for purpose, invoice in zip(pairs["_purpose"], pairs["_invoice"], strict=True)
    ]
    return pairs.filter(pl.Series(keep, dtype=pl.Boolean)).select("line", "beleg")


def _by_amount_and_date(lines: pl.DataFrame, belege: pl.DataFrame) -> pl.DataFrame:
    """For each line, the Beleg with the smallest amount gap whose amount and date fit.

    Belege are sorted by amount; a line's amount window is a slice of them (``searchsorted``),
    walked upwards for all lines at once until a Beleg in the date window (and direction) turns
    up: a few steps per line instead of every pair in the window.
    """
    schema = {"line": pl.UInt32, "beleg": pl.UInt32}
    if lines.is_empty() or belege.is_empty():
        return pl.DataFrame(schema=schema)
    ordered = belege.select("beleg", "r_pay", "r_date").sort(pl.col("r_pay").abs(), "beleg")
    pay = ordered["r_pay"].to_numpy()
    due, due_sign = np.abs(pay), np.sign(pay)
    due_day = ordered["r_date"].cast(pl.Int32).to_numpy()
    amount = lines["amount"].fill_null(0.0).to_numpy()
    paid, paid_sign = np.abs(amount), np.sign(amount)
    booking = lines["booking_date"].cast(pl.Int32).fill_null(0).to_numpy()
    valid = (
        lines["amount"].is_not_null().to_numpy() & lines["booking_date"].is_not_null().to_numpy()
    )
    low = np.searchsorted(due, paid - _CENT, side="left")
    high = np.searchsorted(due, (paid + _CENT) / (1 - AMOUNT_TOLERANCE), side="right")
    best = np.full(len(amount), -1, dtype=np.int64)
    active = np.nonzero(valid & (low < high))[0]
    at = low[active]
    while active.size:
        offset = due_day[at] - booking[active]
        fits = (
            (due_sign[at] == paid_sign[active])
            & (offset >= -DAYS_BEFORE)
            & (offset <= DAYS_AFTER)
            & (due[at] * (1 - AMOUNT_TOLERANCE) - _CENT <= paid[active])
        )
        best[active[fits]] = at[fits]
        more = ~fits & (at + 1 < high[active])
        active, at = active[more], at[more] + 1
    found = np.nonzero(best >= 0)[0]
    return pl.DataFrame(
        {
            "line": lines["line"].gather(found),
            "beleg": ordered["beleg"].gather(best[found]),
        },
        schema=schema,
    )


def match_bank_lines(bank: pl.DataFrame, receipts: pl.DataFrame) -> MatchResult:
    """Put every bank line (canonical ``bank`` frame) into one bucket against ``receipts``.

    >>> result = match_bank_lines(load_bank(files).frame, load_receipts(r).frame)  # doctest: +SKIP
    >>> result.counts()  # doctest: +SKIP
    """
    lines = bank.with_row_index("line")
    belege = _belege(receipts)
    decided = _decide_by_number(lines, belege)
    taken = decided.filter(pl.col("bucket") == "matched")["beleg"]
    rest = lines.join(decided.select("line"), on="line", how="anti")
    free = belege.filter(~pl.col("beleg").is_in(taken.implode()))
    near = _by_amount_and_date(rest, free).with_columns(
        pl.lit("unclear").alias("bucket"),
        pl.lit(
            "Betrag und Datum passen, aber der Verwendungszweck nennt keine Rechnungsnummer; "
            "prüfen Sie den vorgeschlagenen Beleg."
        ).alias("reason"),
    )
    decided = pl.concat(
        [
            decided.select("line", "beleg", "bucket", "reason"),
            near.select("line", "beleg", "bucket", "reason"),
        ]
    )
    return MatchResult(_report(lines, belege, decided))


def _decide_by_number(lines: pl.DataFrame, belege: pl.DataFrame) -> pl.DataFrame:
    """Buckets for the lines whose purpose names at least one Beleg's invoice number."""
    pairs = _by_invoice_number(lines, belege)
    scored = (
        pairs.join(lines.select("line", "amount", "booking_date"), on="line")
        .join(belege.select("beleg", "r_pay", "r_date", "invoice_id"), on="beleg")
        .with_columns(_fits_amount().alias("_amount_ok"), _fits_date().alias("_date_ok"))
        .with_columns((pl.col("_amount_ok") & pl.col("_date_ok")).alias("_fits"))
        .sort("line", "beleg")
    )
    per_line = scored.group_by("line", maintain_order=True).agg(
        pl.col("invoice_id").str.to_uppercase().n_unique().alias("_numbers"),
        pl.col("invoice_id")
        .str.to_uppercase()
        .unique(maintain_order=True)
        .str.join(", ")
        .alias("_invoices"),
        pl.col("_fits").sum().alias("_fitting"),
        pl.col("beleg").filter(pl.col("_fits")).first().alias("_fit"),
        pl.col("beleg").first().alias("_first"),
        pl.col("_amount_ok").any().alias("_any_amount"),
        ((pl.col("amount").abs() / pl.col("r_pay").abs()) * 100).first().round(1).alias("_pct"),
        (pl.col("r_date") - pl.col("booking_date")).dt.total_days().first().alias("_days"),
    )
    several_numbers = pl.col("_numbers") > 1
    one_fit = pl.col("_fitting") == 1
    decided = per_line.join(lines.select("line", "booking_date"), on="line").with_columns(
        pl.when(several_numbers | ~one_fit)
        .then(pl.lit("unclear"))
        .otherwise(pl.lit("matched"))
        .alias("bucket"),
        pl.when(one_fit & ~several_numbers).then("_fit").otherwise("_first").alias("beleg"),
        pl.when(pl.col("booking_date").is_null())
        .then(
            pl.format(
                "Rechnungsnummer {} gefunden, aber der Buchungstag des Umsatzes ist nicht "
                "lesbar (siehe Befund); ordnen Sie die Zahlung von Hand zu.",
                "_invoices",
            )
        )
        .when(several_numbers)
        .then(
            pl.format(
                "Der Verwendungszweck nennt mehrere Rechnungsnummern ({}); DATEV ordnet "
                "nur bei genau einer zu. Ordnen Sie die Zahlung von Hand zu.",
                "_invoices",
            )
        )
        .when(pl.col("_fitting") > 1)
        .then(
            pl.format(
                "Mehrere Belege mit der Rechnungsnummer {} passen; wählen Sie den richtigen.",
                "_invoices",
            )
        )
        .when(one_fit)
        .then(pl.format("Rechnungsnummer {}, Betrag und Datum passen.", "_invoices"))
        .when(~pl.col("_any_amount"))
        .then(
            pl.format(
                "Rechnungsnummer {} gefunden, aber der Betrag ist {} % des Belegs "
                "(erlaubt 95–100 %): Teilzahlung oder falscher Beleg?",
                "_invoices",
                pl.col("_pct").cast(pl.String).str.replace(".", ",", literal=True),
            )
        )
        .otherwise(
            pl.format(
                "Rechnungsnummer {} gefunden, aber das Belegdatum liegt {} Tage "
                "von der Buchung (erlaubt 60 davor bis 7 danach).",
                "_invoices",
                "_days",
            )
        )
        .alias("reason"),
    )
    return _one_line_per_beleg(decided, belege)


def _one_line_per_beleg(decided: pl.DataFrame, belege: pl.DataFrame) -> pl.DataFrame:
    """A Beleg is paid once: of several matching lines the one nearest its date keeps it."""
    matched = decided.filter(pl.col("bucket") == "matched").join(
        belege.select("beleg", "r_date"), on="beleg"
    )
    ranked = matched.with_columns(
        (pl.col("r_date") - pl.col("booking_date")).dt.total_days().abs().alias("_near")
    ).sort("beleg", "_near", "line")
    first = ranked.group_by("beleg", maintain_order=True).agg(
        pl.col("line").first().alias("_keeper")
    )
    doubles = ranked.join(first, on="beleg").filter(pl.col("line") != pl.col("_keeper"))
    if doubles.is_empty():
        return decided.select("line", "beleg", "bucket", "reason")
    keeper_rows = doubles.select("line", "_keeper")
    return (
        decided.join(keeper_rows, on="line", how="left")
        .with_columns(
            pl.when(pl.col("_keeper").is_not_null())
            .then(pl.lit("unclear"))
            .otherwise("bucket")
            .alias("bucket"),
            pl.when(pl.col("_keeper").is_not_null())
            .then(
                pl.lit(
                    "Der Beleg passt auch zu einem anderen Umsatz, der näher an seinem "
                    "Datum liegt: doppelte Zahlung?"
                )
            )
            .otherwise("reason")
            .alias("reason"),
        )
        .select("line", "beleg", "bucket", "reason")
    )


def _report(lines: pl.DataFrame, belege: pl.DataFrame, decided: pl.DataFrame) -> pl.DataFrame:
    receipt = belege.select(
        "beleg",
        "document_id",
        "invoice_id",
        pl.col("r_amount").alias("receipt_amount"),
        pl.col("r_date").alias("receipt_date"),
        pl.col("item_ids").list.join(", ").alias("item_ids"),
    )
    return (
        lines.join(decided, on="line", how="left")
        .join(receipt, on="beleg", how="left")
        .with_columns(
            pl.col("bucket").fill_null("no_receipt"),
            pl.col("reason").fill_null(
                pl.when(pl.col("booking_date").is_null() | pl.col("amount").is_null())
                .then(
                    pl.lit(
                        "Buchungstag oder Betrag des Umsatzes ist nicht lesbar (siehe Befund); "
                        "ohne beide sucht der Abgleich keinen Beleg. Korrigieren Sie den "
                        "Kontoauszug oder ordnen Sie von Hand zu."
                    )
                )
                .otherwise(
                    pl.lit(
                        "Kein Beleg passt (Betrag 95–100 %, Datum 60 Tage davor bis 7 danach, "
                        "Rechnungsnummer): Beleg beim Mandanten anfragen."
                    )
                )
            ),
        )
        .with_columns(pl.col("bucket").replace_strict(BUCKETS).alias("label"))
        .sort("line")
        .select(
            "line_id",
            "source_file",
            "source_row",
            "account_iban",
            "booking_date",
            "amount",
            "currency_code",
            "counterparty_name",
            "purpose",
            "bucket",
            "label",
            "document_id",
            "invoice_id",
            "receipt_amount",
            "receipt_date",
            "item_ids",
            "reason",
        )
    )
