"""The canonical frames an e-invoice becomes: one ``invoices`` row per invoice, ``positions``
for its lines and document allowances/charges, and the canonical columns' XML locations.

Direction: e-invoices are received (``Eingangsrechnung``; the counterparty is the seller) unless
the profile says ``direction = "outgoing"`` (``Rechnung``/``Gutschrift``; the counterparty is the
buyer). A received credit note books negative amounts.
"""

from __future__ import annotations

import polars as pl

from workbench.sources.schema import canonical_schema

__all__ = [
    "CANONICAL_SOURCES",
    "POSITION_SOURCES",
    "canonical_invoices",
    "canonical_locations",
    "canonical_positions",
]

CREDIT_NOTE_CODES = {"381", "396", "81", "83", "261", "262", "532"}

#: Canonical invoice column ← e-invoice column, per direction (the counterparty differs).
CANONICAL_SOURCES: dict[str, dict[str, str]] = {
    direction: {
        "invoice_id": "invoice_id",
        "date": "issue_date",
        "party_name": f"{party}_name",
        "street": f"{party}_street",
        "zip": f"{party}_zip",
        "city": f"{party}_city",
        "country": f"{party}_country",
        "phone": "seller_phone" if party == "seller" else "",
        "email": "seller_email" if party == "seller" else "",
        "currency_code": "currency",
        "net": "tax_exclusive",
        "tax_amount": "tax_total",
        "gross": "tax_inclusive",
        "terms": "payment_terms",
        "original_invoice_id": "preceding_invoice",
        "vat_id": f"{party}_vat_id",
        # the counterparty's account: a seller is paid to BT-84; a buyer's account is only
        # named where the Mandant collects by direct debit (BT-91); BT-84 there is its own
        "iban": "iban" if party == "seller" else "debited_iban",
        "due_date": "due_date",
        "invoice_kind": "type_code",
    }
    for direction, party in (("incoming", "seller"), ("outgoing", "buyer"))
}
POSITION_SOURCES = {
    "name": "item_name",
    "tax": "rate",
    "net": "line_net",
    "quantity": "quantity",
    "unit_price": "unit_price",
}


def _credit(header: pl.DataFrame) -> pl.Expr:
    return (pl.col("document") == "CreditNote") | pl.col("type_code").is_in(list(CREDIT_NOTE_CODES))


def canonical_invoices(header: pl.DataFrame, direction: str) -> pl.DataFrame:
    sources = CANONICAL_SOURCES[direction]
    credit = _credit(header)
    # a received credit note books negative amounts; an outgoing one is a Gutschrift, whose
    # sign the mapping sets
    sign = pl.when(credit & (direction == "incoming")).then(-1.0).otherwise(1.0)
    kind = (
        pl.lit("Eingangsrechnung")
        if direction == "incoming"
        else pl.when(credit).then(pl.lit("Gutschrift")).otherwise(pl.lit("Rechnung"))
    )
    schema = canonical_schema("invoices")
    columns = []
    for name, dtype in schema.items():
        source = sources.get(name)
        if name == "invoice_kind":
            columns.append(kind.alias(name))
        elif name in ("net", "tax_amount", "gross"):
            columns.append((pl.col(sources[name]) * sign).alias(name))
        elif name == "attachment" or name in ("source_file", "source_row"):
            columns.append(pl.col(name))
        elif source:
            columns.append(pl.col(source).cast(dtype).alias(name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return header.select(columns).cast(schema)


def canonical_positions(details: dict[str, pl.DataFrame], direction: str) -> pl.DataFrame:
    """Invoice lines, then document allowances (negative) and charges, with their tax amounts.

    EN 16931 states tax per rate only (BG-23): each position gets net × rate, and the cents that
    rounding leaves over go to the largest position of its rate, so the positions add up to the
    invoice's VAT breakdown exactly (DATEV checks the consolidated amount against them).
    """
    header = details["einvoice"].select(
        "source_file", "invoice_id", _credit(details["einvoice"]).alias("_credit")
    )
    # category O (not subject to VAT) names no rate (BR-O-05): DATEV books it at 0 %
    rate = (
        pl.when(pl.col("rate").is_null() & (pl.col("category") == "O"))
        .then(pl.lit(0.0))
        .otherwise(pl.col("rate"))
        .alias("tax")
    )
    lines = details["einvoice_lines"].select(
        "source_file", "source_row", "invoice_id", "index",
        pl.col("item_name").alias("name"), rate,
        pl.col("line_net").alias("net"), "quantity", "unit_price", pl.lit(0).alias("_order"),
    )  # fmt: skip
    is_charge = pl.col("charge").str.to_lowercase() == "true"
    reason = pl.when(pl.col("reason").is_not_null()).then(pl.format(": {}", "reason"))
    charges = details["einvoice_charges"].select(
        "source_file",
        "source_row",
        "invoice_id",
        "index",
        pl.format(
            "{}{}",
            pl.when(is_charge).then(pl.lit("Zuschlag")).otherwise(pl.lit("Nachlass")),
            reason.otherwise(pl.lit("")),
        ).alias("name"),
        rate,
        pl.when(is_charge).then(pl.col("amount")).otherwise(-pl.col("amount")).alias("net"),
        pl.lit(None, dtype=pl.Float64).alias("quantity"),
        pl.lit(None, dtype=pl.Float64).alias("unit_price"),
        pl.lit(1).alias("_order"),
    )
    rows = pl.concat([lines, charges]).sort("source_file", "_order", "index", maintain_order=True)
    rows = rows.with_columns(
        pl.int_range(1, pl.len() + 1).over("source_file").cast(pl.Int64).alias("position"),
        (pl.col("net") * pl.col("tax").fill_null(0) / 100).round(2).alias("_tax"),
    )
    targets = (
        details["einvoice_vat"]
        .group_by("source_file", "rate")
        .agg(pl.col("tax").sum().alias("_target"))
        .rename({"rate": "tax"})
    )
    rows = rows.join(targets, on=["source_file", "tax"], how="left", nulls_equal=True)
    largest = pl.col("net").abs() == pl.col("net").abs().max().over("source_file", "tax")
    first_largest = largest & (largest.cum_sum().over("source_file", "tax") == 1)
    rest = (pl.col("_target") - pl.col("_tax").sum().over("source_file", "tax")).round(2)
    rows = rows.with_columns(
        pl.when(first_largest & pl.col("_target").is_not_null())
        .then((pl.col("_tax") + rest).round(2))
        .otherwise(pl.col("_tax"))
        .alias("tax_amount")
    )
    sign = pl.when(pl.col("_credit") & (direction == "incoming")).then(-1.0).otherwise(1.0)
    rows = rows.join(header, on=["source_file", "invoice_id"], how="left", nulls_equal=True)
    schema = canonical_schema("positions")
    return rows.select(
        "invoice_id",
        "position",
        "name",
        "tax",
        (pl.col("net") * sign).alias("net"),
        (pl.col("tax_amount") * sign).alias("tax_amount"),
        ((pl.col("net") + pl.col("tax_amount")) * sign).round(2).alias("gross"),
        "quantity",
        "unit_price",
        "source_file",
        "source_row",
    ).cast(schema)


def canonical_locations(locations: pl.DataFrame, direction: str) -> pl.DataFrame:
    """Add the canonical columns' locations (``party_name`` is where ``seller_name`` is)."""
    aliases: list[pl.DataFrame] = [locations]
    for group, mapping in (
        ("header", CANONICAL_SOURCES[direction]),
        ("lines", POSITION_SOURCES),
    ):
        pairs = pl.DataFrame(
            {"column": list(mapping.values()), "canonical": list(mapping.keys())},
            schema={"column": pl.String, "canonical": pl.String},
        ).filter(pl.col("column") != "")
        aliases.append(
            locations.filter(pl.col("group") == group)
            .join(pairs, on="column")
            .with_columns(pl.col("canonical").alias("column"))
            .drop("canonical")
            .with_columns(pl.lit("canonical").alias("group"))
        )
    return pl.concat(aliases)
