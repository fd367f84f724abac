"""Clean canonical invoices and their positions (CRM+ style), generated vectorised.

What "clean" means is said in :mod:`workbench.samples.frames`. All draws come from one seeded
generator in a fixed order (kinds, dates, parties, positions, cost centres): the same seed gives
the same invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from workbench.samples.frames import COST_CENTERS, _business_days, _cents_tax, _zfill, schema
from workbench.samples.parties import CLIENTS, ClientSpec, account, parties, personal_range

__all__ = ["INVOICE_KINDS", "clean_invoices"]

#: (kind, name, tax %, unit price in cents, quantity low, high)
PRODUCTS = {
    "bakery": {
        "sale": (
            ("Bauernbrot 1 kg", 7, 420, 5, 40),
            ("Laugenbrezen", 7, 85, 20, 200),
            ("Butterbrezen", 7, 145, 10, 120),
            ("Kaffee-Catering pro Person", 19, 650, 10, 80),
            ("Frühstücksbuffet pro Person", 7, 1490, 8, 60),
            ("Lieferpauschale", 19, 1500, 1, 1),
            ("Geburtstagstorte 24 Stück", 7, 4800, 1, 3),
            ("Orangensaft 1 l", 19, 320, 6, 48),
            ("Nußhörnchen", 7, 160, 10, 80),
        ),
        "purchase": (
            ("Weizenmehl Type 550 (25 kg)", 7, 1890, 10, 60),
            ("Süßrahmbutter 10 kg", 7, 8900, 1, 6),
            ("Wartung Backofen", 19, 24000, 1, 1),
            ("Papiertüten 1000 Stück", 19, 3450, 1, 10),
            ("Kaffeebohnen Espresso 6 kg", 7, 9600, 1, 4),
        ),
    },
    "garden": {
        "sale": (
            ("Gartenpflege (Stunde)", 19, 5200, 2, 24),
            ("Baumschnitt (Stunde)", 19, 6400, 2, 16),
            ("Grünschnitt-Entsorgung m³", 19, 3800, 1, 6),
            ("Buchsbaum 40 cm", 7, 1990, 2, 20),
            ("Rosenstock Ännchen", 7, 1290, 3, 30),
            ("Pflanzerde 70 l", 19, 1150, 2, 12),
        ),
        "purchase": (
            ("Jungpflanzen Tomate (Tray)", 7, 2450, 2, 20),
            ("Rindenmulch m³", 19, 4900, 1, 8),
            ("Wartung Kleintraktor", 19, 31000, 1, 1),
            ("Saatgut Rasen 10 kg", 7, 8900, 1, 5),
        ),
    },
}
PRODUCTS["construction"] = PRODUCTS["garden"]
INVOICE_KINDS = ("Rechnung", "Eingangsrechnung", "Gutschrift", "Storno")
INVOICE_PREFIX = {"Rechnung": "RE", "Eingangsrechnung": "ER", "Gutschrift": "GS", "Storno": "ST"}


@dataclass(frozen=True)
class _Positions:
    """The drawn positions, one array entry each (amounts in cents)."""

    invoice: np.ndarray  # 0-based invoice of the position
    names: np.ndarray
    rates: np.ndarray
    quantity: np.ndarray
    net: np.ndarray
    tax: np.ndarray
    gross: np.ndarray


def clean_invoices(
    n: int, *, seed: int, client: str, first_day: date | None = None, last_day: date | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` clean invoices of ``client`` (CRM+ style) and their 1-4 positions each."""
    spec = CLIENTS[client]
    rng = np.random.default_rng(seed)
    first_day, last_day = first_day or spec.first_day, last_day or spec.last_day
    kinds = np.array(INVOICE_KINDS)[rng.choice(4, p=[0.7, 0.15, 0.08, 0.07], size=n)]
    dates = _business_days(rng, first_day, last_day, n)
    pool = parties()
    customers = int(pool["customer"].sum())
    incoming = kinds == "Eingangsrechnung"
    party = np.where(
        incoming,
        customers + rng.integers(0, pool.height - customers, n),
        rng.integers(0, customers, n),
    )
    drawn = _draw_positions(rng, spec.trade, kinds, incoming, n)
    header = _header(rng, spec, pool, kinds, dates, party, drawn)
    return header, _positions_frame(drawn, header)


def _draw_positions(
    rng: np.random.Generator, trade: str, kinds: np.ndarray, incoming: np.ndarray, n: int
) -> _Positions:
    """1-4 positions per invoice: products of the client's trade, quantities, amounts in cents."""
    counts = rng.integers(1, 5, size=n)
    position_invoice = np.repeat(np.arange(n), counts)
    products = PRODUCTS[trade]
    sale, purchase = products["sale"], products["purchase"]
    pick_sale = rng.integers(0, len(sale), len(position_invoice))
    pick_purchase = rng.integers(0, len(purchase), len(position_invoice))
    is_purchase = incoming[position_invoice]

    def column(index: int) -> np.ndarray:
        return np.where(
            is_purchase,
            np.array([p[index] for p in purchase])[pick_purchase],
            np.array([p[index] for p in sale])[pick_sale],
        )

    names, rates, prices = column(0), column(1).astype(float), column(2).astype(np.int64)
    q_low, q_high = column(3).astype(np.int64), column(4).astype(np.int64)
    quantity = q_low + (rng.random(len(position_invoice)) * (q_high - q_low + 1)).astype(np.int64)
    sign = np.where(np.isin(kinds, ("Gutschrift", "Storno")), -1, 1)[position_invoice]
    net = sign * quantity * prices
    tax = _cents_tax(net, rates)
    gross = net + tax
    return _Positions(position_invoice, names, rates, quantity, net, tax, gross)


def _original_invoice() -> pl.Expr:
    """A correction names the party's last Rechnung before it (none: no original given)."""
    rechnung = pl.when(pl.col("invoice_kind") == "Rechnung").then(pl.col("invoice_id"))
    last = rechnung.forward_fill().shift(1).over("__party", order_by="date")
    correction = pl.col("invoice_kind").is_in(["Gutschrift", "Storno"])
    return pl.when(correction).then(last).alias("original_invoice_id")


def _header(
    rng: np.random.Generator,
    spec: ClientSpec,
    pool: pl.DataFrame,
    kinds: np.ndarray,
    dates: np.ndarray,
    party: np.ndarray,
    drawn: _Positions,
) -> pl.DataFrame:
    """The invoices (canonical columns): totals of their positions, parties, accounts."""
    n = len(kinds)
    sums = (
        pl.DataFrame(
            {
                "i": drawn.invoice,
                "net": drawn.net,
                "tax": drawn.tax,
                "gross": drawn.gross,
                "full": drawn.rates == 19.0,
            }
        )
        .group_by("i")
        .agg(
            pl.col("net").sum(),
            pl.col("tax").sum(),
            pl.col("gross").sum(),
            pl.col("full").any(),
        )
        .sort("i")
    )
    sequence = pl.int_range(1, pl.len() + 1).over("invoice_kind")
    chart_column = "skr03" if spec.chart == "SKR03" else "skr04"
    revenue = {
        True: account("8400" if chart_column == "skr03" else "4400", spec.account_length),
        False: account("8300" if chart_column == "skr03" else "4300", spec.account_length),
    }
    purchase_account = account("3300" if chart_column == "skr03" else "5300", spec.account_length)
    debtor_low, _ = personal_range(spec.account_length, debtor=True)
    creditor_low, _ = personal_range(spec.account_length, debtor=False)
    header = pl.DataFrame(
        {
            "invoice_kind": kinds,
            "date": dates,
            "__party": party,
            "net": sums["net"].to_numpy() / 100,
            "tax_amount": sums["tax"].to_numpy() / 100,
            "gross": sums["gross"].to_numpy() / 100,
            "__full": sums["full"].to_numpy(),
            "cost_center": np.array(COST_CENTERS[spec.trade])[rng.integers(0, 3, n)],
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    header = header.with_columns(
        pl.concat_str(
            pl.col("invoice_kind").replace_strict(INVOICE_PREFIX),
            pl.lit("-"),
            pl.col("date").dt.year().cast(pl.String),
            pl.lit("-"),
            _zfill(sequence, 4),
        ).alias("invoice_id"),
    )
    people = pool.select(
        "name", "street", "zip", "city", "country", "phone", "fax", "email", "number"
    )[header["__party"].to_numpy()]
    header = (
        pl.concat([header, people], how="horizontal")
        .with_columns(
            pl.col("name").alias("party_name"),
            pl.lit("EUR").alias("currency_code"),
            pl.when(pl.col("invoice_kind") == "Eingangsrechnung")
            .then(pl.lit(purchase_account))
            .when(pl.col("__full"))
            .then(pl.lit(revenue[True]))
            .otherwise(pl.lit(revenue[False]))
            .alias("account_no"),
            pl.when(pl.col("invoice_kind") == "Eingangsrechnung")
            .then(pl.col("number") + creditor_low + 100)
            .otherwise(pl.col("number") + debtor_low + 100)
            .cast(pl.String)
            .alias("party_account_no"),
            pl.concat_str(pl.col("invoice_id"), pl.lit(".pdf")).alias("attachment"),
            pl.lit(
                "Zahlbar innerhalb von 14 Tagen ohne Abzug. Es gelten unsere AGB (Stand 01/2026)."
            ).alias("terms"),
            _original_invoice(),
        )
        .select([_column(name, dtype) for name, dtype in schema("invoices").items()])
    )
    return header


def _positions_frame(drawn: _Positions, header: pl.DataFrame) -> pl.DataFrame:
    """The positions (canonical columns), numbered within their invoice."""
    positions = pl.DataFrame(
        {
            "__i": drawn.invoice,
            "name": drawn.names,
            "tax": drawn.rates,
            "net": drawn.net / 100,
            "tax_amount": drawn.tax / 100,
            "gross": drawn.gross / 100,
            "quantity": drawn.quantity.astype(float),
        }
    ).with_columns(
        pl.int_range(1, pl.len() + 1).over("__i").alias("position"),
        header["invoice_id"].gather(drawn.invoice).alias("invoice_id"),
    )
    positions = positions.select(
        [_column(name, dtype) for name, dtype in schema("positions").items()]
    )
    return positions


#: Canonical invoice/position columns the sample CRM exports leave empty: those only e-invoices
#: carry.
EINVOICE_ONLY = frozenset({"vat_id", "iban", "due_date", "unit_price"})


def _column(name: str, dtype: pl.DataType) -> pl.Expr:
    if name in EINVOICE_ONLY:
        return pl.lit(None, dtype=dtype).alias(name)
    return pl.col(name).cast(dtype)
