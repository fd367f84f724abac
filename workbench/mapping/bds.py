"""Invoices for the Buchungsdatenservice: EXTF Buchungsstapel bookings, one per invoice line.

The personal account is Konto and the Sachkonto Gegenkonto (DATEV's own example:
``1190,00 S 10000 8400 BU 3``); the BU-Schlüssel follows from the tax rate (``bu_codes``, SKR03
by default). An invoice without a personal account, without a Sachkonto (its own or the
default for its kind) or with a tax rate that has no BU-Schlüssel cannot be booked: it is
blocked with a finding that says which line to add to the client's settings
(:mod:`workbench.mapping.accounts`). The Debitoren/Kreditoren that go with the bookings are in
:mod:`workbench.mapping.master_data`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from workbench.mapping.accounts import default_account_hint, party_account_hint
from workbench.mapping.gate import RowGate
from workbench.mapping.invoice_lines import blank_to_null
from workbench.mapping.master_data import master_rows
from workbench.mapping.validation import extf_problems

__all__ = ["BDS_FIELDS", "BU_CODES_SKR03", "bds_problems", "bds_records", "bookable_lines"]

_INVOICES, _POSITIONS = "invoices", "positions"

#: BU-Schlüssel by tax rate, SKR03: revenue (Umsatzsteuer) for Rechnung/Gutschrift/Storno,
#: input tax (Vorsteuer) for Eingangsrechnung. A rate of 0 (or none) books without BU-Schlüssel.
#: Other rates block the invoice (``tax.no_bu_code``); pass ``bu_codes`` for other charts.
BU_CODES_SKR03: dict[str, dict[float, str]] = {
    "revenue": {19.0: "3", 7.0: "2"},
    "expense": {19.0: "9", 7.0: "8"},
}

#: Where a correction names the invoice it corrects: Zusatzinformation 1, Art "Ursprungsrechnung".
#: Not Belegfeld 2: its 12 characters cannot hold a 36-character invoice number, and DATEV's OPOS
#: reads a Fälligkeit (TTMMJJ) there. Zusatzinformation takes 210 characters and is what the
#: LedgerImport's Nachricht becomes in DATEV, so both targets put it in the same place.
ORIGINAL_LABEL, ORIGINAL_CONTENT = "Zusatzinformation - Art 1", "Zusatzinformation- Inhalt 1"

#: EXTF field ← (canonical frame, column), for the preview (first candidate with lineage wins).
BDS_FIELDS: dict[str, list[tuple[str, str]]] = {
    "Umsatz (ohne Soll/Haben-Kz)": [(_POSITIONS, "gross"), (_INVOICES, "gross")],
    "Soll/Haben-Kennzeichen": [(_INVOICES, "invoice_kind")],
    "WKZ Umsatz": [(_INVOICES, "currency_code")],
    "Konto": [(_INVOICES, "party_account_no")],
    "Gegenkonto (ohne BU-Schlüssel)": [(_INVOICES, "account_no")],
    "BU-Schlüssel": [(_POSITIONS, "tax"), (_INVOICES, "tax_amount")],
    "Belegdatum": [(_INVOICES, "date")],
    "Belegfeld 1": [(_INVOICES, "invoice_id")],
    "Buchungstext": [(_INVOICES, "party_name")],
    "KOST1 - Kostenstelle": [(_INVOICES, "cost_center")],
    "Kost-Menge": [(_POSITIONS, "quantity")],
    ORIGINAL_LABEL: [(_INVOICES, "original_invoice_id")],
    ORIGINAL_CONTENT: [(_INVOICES, "original_invoice_id")],
}

#: What a booking cannot do without: rule, canonical column, condition on a line, what is
#: missing, and what to do about it (a function of the client: the settings are per client).
_BOOKABLE = (
    (
        "account.missing",
        "party_account_no",
        pl.col("party_account_no").is_null(),
        "es fehlt das Debitoren-/Kreditorenkonto (Konto)",
        party_account_hint,
    ),
    (
        "account.missing",
        "account_no",
        pl.col("_account").is_null(),
        "es fehlt das Sachkonto (Gegenkonto)",
        default_account_hint,
    ),
    (
        "tax.no_bu_code",
        "tax",
        pl.col("_bu").is_null() & (pl.col("_rate").fill_null(0) != 0),
        "für den Steuersatz gibt es keinen BU-Schlüssel",
        lambda client: pl.lit("Korrigieren Sie den Steuersatz in der Quelle."),
    ),
)


def _with_accounts(
    lines: pl.DataFrame, codes: dict[str, dict[float, str]], defaults: Mapping[str, str]
) -> pl.DataFrame:
    """``_bu`` (BU-Schlüssel of the line's rate) and ``_account`` (Sachkonto or the default)."""
    revenue = pl.DataFrame(
        {"_rate": list(codes["revenue"]), "_bu_r": list(codes["revenue"].values())},
        schema={"_rate": pl.Float64, "_bu_r": pl.String},
    )
    expense = pl.DataFrame(
        {"_rate": list(codes["expense"]), "_bu_e": list(codes["expense"].values())},
        schema={"_rate": pl.Float64, "_bu_e": pl.String},
    )
    default = pl.col("invoice_kind").replace_strict(
        dict(defaults), default=None, return_dtype=pl.String
    )
    return (
        lines.join(revenue, on="_rate", how="left", maintain_order="left")
        .join(expense, on="_rate", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("_rate").fill_null(0) == 0)
            .then(None)
            .when(pl.col("invoice_kind") == "Eingangsrechnung")
            .then(pl.col("_bu_e"))
            .otherwise(pl.col("_bu_r"))
            .alias("_bu"),
            pl.coalesce("account_no", default).alias("_account"),
        )
    )


def bookable_lines(
    gate: RowGate,
    lines: pl.DataFrame,
    *,
    codes: dict[str, dict[float, str]],
    defaults: Mapping[str, str],
    client: str | None = None,
) -> pl.DataFrame:
    """Lines with accounts and BU-Schlüssel; invoices lacking them are rejected at ``gate``.

    Each invoice gets one finding, for the first thing it lacks, saying what to add to the
    settings of ``client``. Returns the lines of the invoices still open.
    """
    lines = _with_accounts(lines, codes, defaults)
    seen = pl.lit(False)
    for rule, column, condition, what, hint in _BOOKABLE:
        rows = lines.filter(condition & ~seen).unique("_index", keep="first", maintain_order=True)
        seen = seen | condition
        message = pl.format(
            "{}, Zeile {}: Rechnung '{}': {} (Steuersatz {}). Ohne diese Angabe lässt sich kein "
            "Buchungssatz bilden. {}",
            "source_file",
            "source_row",
            "invoice_id",
            pl.lit(what),
            # German notation: 19, 5,5
            pl.col("_rate")
            .fill_null(0)
            .round(2)
            .cast(pl.String)
            .str.replace(r"\.0$", "")
            .str.replace(".", ",", literal=True),
            hint(client),
        )
        value = pl.col("_rate") if rule == "tax.no_bu_code" else pl.lit(None, dtype=pl.String)
        gate.reject(rows, rule=rule, column=column, message=message, value=value)
    return gate.keep_open(lines)


def bds_records(lines: pl.DataFrame, *, kost_menge: bool) -> pl.DataFrame:
    """One Buchungsstapel booking per line of :func:`bookable_lines`."""
    # Konto is the personal account: a receivable is debited (S) by an invoice, a payable
    # credited (H); negative amounts (Gutschrift, Storno) swap the side.
    payable = pl.col("invoice_kind") == "Eingangsrechnung"
    debit = pl.when(payable).then(pl.col("_amount") < 0).otherwise(pl.col("_amount") > 0)
    original = blank_to_null("original_invoice_id")
    columns = [
        pl.col("_amount").abs().alias("Umsatz (ohne Soll/Haben-Kz)"),
        pl.when(debit).then(pl.lit("S")).otherwise(pl.lit("H")).alias("Soll/Haben-Kennzeichen"),
        pl.col("currency_code").alias("WKZ Umsatz"),
        pl.col("party_account_no").alias("Konto"),
        pl.col("_account").alias("Gegenkonto (ohne BU-Schlüssel)"),
        pl.col("_bu").alias("BU-Schlüssel"),
        pl.col("date").alias("Belegdatum"),
        pl.col("invoice_id").alias("Belegfeld 1"),
        blank_to_null("_name").str.slice(0, 60).alias("Buchungstext"),
        blank_to_null("cost_center").alias("KOST1 - Kostenstelle"),
        pl.when(original.is_not_null()).then(pl.lit("Ursprungsrechnung")).alias(ORIGINAL_LABEL),
        original.alias(ORIGINAL_CONTENT),
    ]
    if kost_menge:
        columns.append(pl.col("p_quantity").alias("Kost-Menge"))
    return lines.select(columns)


def bds_problems(
    records: pl.DataFrame, lines: pl.DataFrame, *, account_length: int
) -> pl.DataFrame:
    """What ``write_extf`` would refuse in the bookings and in each line's master data row."""
    bookings = extf_problems(records, account_length=account_length)
    master = extf_problems(master_rows(lines), account_length=account_length, category=16)
    return pl.concat([bookings, master])
