"""Clean canonical frames, generated vectorised (numpy draws, polars gathers: no per-row loop).

"Clean" means clean under DATEV's rules for the client: amounts with two decimals and never
zero, net + tax = gross to the cent, accounts of the client's length, personal accounts one digit
longer in the Debitoren/Kreditoren range, dates inside the period and a created fiscal year,
invoice ids unique per document and of Belegfeld 1's charset, texts within their lengths, valid
IBANs and VAT ids. Defects are added afterwards (``defects.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from workbench.samples.parties import CLIENTS, ROLES, account, parties, personal_range
from workbench.sources.schema import canonical_schema

__all__ = ["clean_calls", "clean_invoices", "clean_pos", "clean_receipts", "schema"]

#: Public holidays in Bavaria the generator keeps free (Neujahr, Dreikönig, Ostern, 1. Mai, ...).
HOLIDAYS = (
    "2025-10-03",
    "2025-11-01",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-01-06",
    "2026-04-03",
    "2026-04-06",
    "2026-05-01",
)
RECEIPT_KINDS = ("Rechnungsausgang", "Rechnungseingang", "Kasse")
COST_CENTERS = {
    "bakery": ("Backstube", "Café", "Filiale Fürth", "Verwaltung"),
    "garden": ("Gärtnerei", "Landschaftsbau", "Floristik"),
    "construction": ("Baustelle Nord", "Baustelle Süd", "Bauhof"),
}


def schema(kind: str) -> pl.Schema:
    """The canonical schema of ``kind`` without the lineage columns."""
    full = canonical_schema(kind)
    return pl.Schema(
        {name: dtype for name, dtype in full.items() if name not in ("source_file", "source_row")}
    )


def _zfill(expr: pl.Expr, width: int) -> pl.Expr:
    return expr.cast(pl.String).str.zfill(width)


def _business_days(rng: np.random.Generator, first: date, last: date, size: int) -> np.ndarray:
    """``size`` sorted random working days (Mon-Fri, no public holiday) in [first, last]."""
    holidays = np.array(HOLIDAYS, dtype="datetime64[D]")
    start, end = np.datetime64(first, "D"), np.datetime64(last, "D") + 1
    count = int(np.busday_count(start, end, holidays=holidays))
    offsets = np.sort(rng.integers(0, max(count, 1), size=size))
    return np.busday_offset(start, offsets, roll="forward", holidays=holidays).astype(
        "datetime64[D]"
    )


def _cents_tax(net: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Tax in cents, rounded half away from zero (as invoices print it)."""
    raw = np.abs(net) * np.round(rate * 100).astype(np.int64)
    return np.sign(net) * ((raw + 5000) // 10000)


# --- receipts ------------------------------------------------------------------------------------


def clean_receipts(
    n: int,
    *,
    seed: int,
    client: str,
    kinds: tuple[str, ...] | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    first_document: int = 1,
) -> pl.DataFrame:
    """``n`` clean receipt items (Belegpositionen) of ``client``, documents in date order."""
    spec = CLIENTS[client]
    rng = np.random.default_rng(seed)
    if kinds is None:
        kinds = RECEIPT_KINDS if spec.cash else RECEIPT_KINDS[:2]
    weights = np.array(
        [{"Rechnungsausgang": 0.45, "Rechnungseingang": 0.45, "Kasse": 0.1}[k] for k in kinds]
    )
    first_day, last_day = first_day or spec.first_day, last_day or spec.last_day
    # Documents of 1-3 items.
    sizes = rng.choice([1, 2, 3], p=[0.55, 0.3, 0.15], size=max(n, 1))
    ends = np.cumsum(sizes)
    docs = int(np.searchsorted(ends, n)) + 1 if n else 0
    sizes = sizes[:docs].copy()
    if docs:
        sizes[-1] -= ends[docs - 1] - n
    doc_kind = rng.choice(len(kinds), p=weights / weights.sum(), size=docs)
    doc_dates = _business_days(rng, first_day, last_day, docs)
    doc_income = rng.random(docs) < 0.75  # cash documents: takings or expenses
    doc_credit = rng.random(docs) < 0.03  # credit notes (Gutschrift): negative
    pool = parties()
    customers = int(pool["customer"].sum())
    suppliers = pool.height - customers
    doc_party = np.where(
        np.array(kinds)[doc_kind] == "Rechnungsausgang",
        rng.integers(0, customers, docs),
        np.where(
            np.array(kinds)[doc_kind] == "Rechnungseingang",
            customers + rng.integers(0, suppliers, docs),
            pool.height,
        ),
    )
    item_doc = np.repeat(np.arange(docs), sizes)
    item_kind = doc_kind[item_doc]

    # Each item gets a role of its document's kind (cash: takings or expenses per document).
    roles = [
        role
        for role in ROLES
        if role.trade in (spec.trade, "any") or (role.kind == "Kasse" and spec.cash)
    ]
    role_index = np.zeros(n, dtype=np.int64)
    for k, kind in enumerate(kinds):
        for income in (True, False):
            candidates = np.array(
                [
                    i
                    for i, role in enumerate(roles)
                    if role.kind == kind and (kind != "Kasse" or (role.sign > 0) == income)
                ]
            )
            mask = (item_kind == k) & ((doc_income[item_doc] == income) | (kind != "Kasse"))
            if kind != "Kasse" and not income:
                continue
            if mask.any():
                role_index[mask] = candidates[rng.integers(0, len(candidates), mask.sum())]
    low = np.array([role.low for role in roles])[role_index] * 100
    high = np.array([role.high for role in roles])[role_index] * 100
    cents = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    sign = np.array([role.sign for role in roles])[role_index]
    sign = np.where(doc_credit[item_doc] & (np.array(kinds)[item_kind] != "Kasse"), -sign, sign)
    cents = cents * sign
    is_cash = np.array(kinds)[item_kind] == "Kasse"
    cents[is_cash] = _non_negative_balance(cents[is_cash])

    chart_column = "skr03" if spec.chart == "SKR03" else "skr04"
    # Strings are gathered by polars from small lookup Series: numpy string arrays are slow.
    role_rows = pl.Series(role_index)
    accounts = pl.Series(
        [account(getattr(role, chart_column), spec.account_length) for role in roles]
    ).gather(role_rows)
    texts = pl.Series([role.text for role in roles]).gather(role_rows)
    taxes = np.array([role.tax for role in roles])[role_index]
    centers = COST_CENTERS[spec.trade]
    debtor_low, _ = personal_range(spec.account_length, debtor=True)
    creditor_low, _ = personal_range(spec.account_length, debtor=False)

    docnum = first_document + np.arange(docs)
    doc_frame = pl.DataFrame(
        {
            "__doc": np.arange(docs),
            "__docnum": docnum,
            "document_kind": pl.Series(list(kinds)).gather(pl.Series(doc_kind)),
            "date": doc_dates,
            "__party": doc_party,
            "__credit": doc_credit,
            "__due": rng.choice([14, 30], size=docs),
            "__paid": rng.integers(3, 25, size=docs),
            "__paid_flag": rng.random(docs) < 0.6,
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    year = pl.col("date").dt.year().cast(pl.String)
    number = pl.col("__docnum")
    kind = pl.col("document_kind")
    doc_frame = doc_frame.with_columns(
        pl.concat_str(pl.lit("BEL-"), _zfill(number, 6)).alias("document_id"),
        pl.when(kind == "Rechnungsausgang")
        .then(
            pl.concat_str(
                pl.when(pl.col("__credit")).then(pl.lit("GS-")).otherwise(pl.lit("RA-")),
                year,
                pl.lit("-"),
                _zfill(number, 5),
            )
        )
        .when(kind == "Kasse")
        .then(pl.concat_str(pl.lit("KB-"), year, pl.lit("-"), _zfill(number, 5)))
        .when(number % 3 == 0)
        .then(pl.concat_str(pl.lit("RE-"), year, pl.lit("-"), _zfill(number, 5)))
        .when(number % 3 == 1)
        .then(pl.concat_str(year, pl.lit("/"), _zfill(number * 7 + 101, 6)))
        .otherwise(pl.concat_str(pl.lit("V"), _zfill(number + 900000, 7)))
        .alias("invoice_id"),
        pl.when(kind == "Rechnungseingang")
        .then(pl.concat_str(pl.lit("EXP-"), _zfill(number, 6)))
        .alias("internal_invoice_id"),
    )
    pool_ext = pl.concat([pool, pool.clear(1)], how="vertical")
    party = pool_ext.select(
        pl.col("name").alias("party_name"),
        pl.col("city").alias("party_city"),
        pl.col("vat_id"),
        pl.col("iban"),
        pl.col("bic").alias("swift_code"),
        pl.col("number").alias("__party_number"),
    )[doc_frame["__party"].to_numpy()]
    doc_frame = pl.concat([doc_frame, party], how="horizontal")
    customer_doc = kind == "Rechnungsausgang"
    supplier_doc = kind == "Rechnungseingang"
    doc_frame = doc_frame.with_columns(
        pl.when(customer_doc)
        .then((pl.col("__party_number") + debtor_low + 100).cast(pl.String))
        .when(supplier_doc)
        .then((pl.col("__party_number") + creditor_low + 100).cast(pl.String))
        .alias("party_account_no"),
        # Customers pay by transfer: their IBAN is not part of an outgoing invoice.
        pl.when(supplier_doc).then(pl.col("iban")).alias("iban"),
        pl.when(supplier_doc).then(pl.col("swift_code")).alias("swift_code"),
        pl.when(customer_doc).then(pl.col("date")).alias("delivery_date"),
        pl.when(supplier_doc & pl.col("__paid_flag"))
        .then(pl.col("date") + pl.duration(days=pl.col("__paid")))
        .alias("paid_at"),
        pl.when(kind != "Kasse")
        .then(pl.col("date") + pl.duration(days=pl.col("__due")))
        .alias("due_date"),
        pl.when(kind != "Kasse")
        .then(pl.concat_str(pl.col("document_id"), pl.lit(".pdf")))
        .alias("attachment"),
    )
    items = pl.DataFrame(
        {
            "__doc": item_doc,
            "item_id": np.arange(1, n + 1),
            "amount": cents / 100,
            "account_no": accounts,
            "tax": taxes,
            "booking_text": texts,
            "cost_category_id": pl.Series(list(centers)).gather(
                pl.Series(rng.integers(0, len(centers), n))
            ),
        }
    )
    frame = items.join(doc_frame, on="__doc", how="left", maintain_order="left").with_columns(
        pl.concat_str(pl.lit("a0B7Q000"), _zfill(pl.col("item_id"), 7), pl.lit("AAK")).alias(
            "item_id"
        ),
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month"),
        pl.lit("EUR").alias("currency_code"),
        pl.lit(None, dtype=pl.String).alias("bu_code"),
        pl.lit(None, dtype=pl.String).alias("cost_category_id2"),
        pl.lit(None, dtype=pl.Float64).alias("cost_amount"),
        pl.when(pl.col("document_kind") == "Rechnungsausgang")
        .then(pl.concat_str(pl.lit("Lieferschein LS-"), _zfill(pl.col("__docnum") * 3 + 7, 6)))
        .alias("information"),
        pl.lit(False).alias("block_transfer"),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema("receipts").items()])


def _non_negative_balance(cents: np.ndarray) -> np.ndarray:
    """Turn cash expenses into takings until the running balance (from 0) never goes negative."""
    cents = cents.copy()
    balance = np.cumsum(cents)
    while len(balance) and balance.min() < 0:
        first = int(np.argmax(balance < 0))
        cents[first] = abs(cents[first])
        balance = np.cumsum(cents)
    return cents


# --- invoices ------------------------------------------------------------------------------------

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
    counts = rng.integers(1, 5, size=n)
    position_invoice = np.repeat(np.arange(n), counts)
    products = PRODUCTS[spec.trade]
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
    sums = (
        pl.DataFrame(
            {"i": position_invoice, "net": net, "tax": tax, "gross": gross, "full": rates == 19.0}
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
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema("invoices").items()])
    )
    positions = pl.DataFrame(
        {
            "__i": position_invoice,
            "name": names,
            "tax": rates,
            "net": net / 100,
            "tax_amount": tax / 100,
            "gross": gross / 100,
            "quantity": quantity.astype(float),
        }
    ).with_columns(
        pl.int_range(1, pl.len() + 1).over("__i").alias("position"),
        header["invoice_id"].gather(position_invoice).alias("invoice_id"),
    )
    positions = positions.select(
        [pl.col(name).cast(dtype) for name, dtype in schema("positions").items()]
    )
    return header, positions


# --- calls ---------------------------------------------------------------------------------------

#: Numbers of sandbox addressees that match exactly one active addressee, in export spellings.
MATCHED_NUMBERS = (
    "+49 170 5550123",
    "0170 5550123",
    "+491705550123",  # Anna Müller (mobile)
    "+49 171 2233445",
    "0171 2233445",  # Grün & Söhne Gärtnerei KG
    "+49 30 9876540",
    "030 9876540",
    "0049 30 9876540",  # Weiß Straßen- und Tiefbau AG
    "+49 9131 80880",
    "09131 80880",  # Musterholz Möbelwerkstätten
)
EXTENSIONS = {"11": "Schröder, Sabine", "12": "Özdemir, Elif"}
NOTES = (
    "Rückfrage zur USt-Voranmeldung Januar",
    "Belege für Februar fehlen noch",
    "Termin Jahresabschluss vereinbart",
    "Frage zur Lohnabrechnung Aushilfe",
    "Kassenbuch März besprochen",
    "Rückruf erbeten wegen Fahrtenbuch",
    "Mahnung Finanzamt geklärt",
    "Unterlagen Grundsteuer per Post",
)


def clean_calls(n: int, *, seed: int, first_day: date = date(2026, 1, 2)) -> pl.DataFrame:
    """``n`` clean calls of the office's two extensions, never overlapping on one extension."""
    rng = np.random.default_rng(seed)
    extension = rng.integers(0, len(EXTENSIONS), n)
    direction = np.array(["inbound", "outbound", "internal"])[
        rng.choice(3, p=[0.55, 0.35, 0.1], size=n)
    ]
    answered = rng.random(n) < np.where(direction == "internal", 0.95, 0.82)
    duration = np.where(answered, np.clip(rng.lognormal(5.3, 0.8, n), 15, 2400), 0).astype(np.int64)
    gap = rng.integers(3600, 18000, n)
    # A timeline of working seconds per extension: 10 hours a working day from 08:00.
    order = np.argsort(extension, kind="stable")
    working = np.empty(n, dtype=np.int64)
    for ext in range(len(EXTENSIONS)):
        idx = order[extension[order] == ext]
        working[idx] = np.cumsum(gap[idx] + duration[idx]) - duration[idx]
    day = working // 36000
    holidays = np.array(HOLIDAYS, dtype="datetime64[D]")
    dates = np.busday_offset(np.datetime64(first_day, "D"), day, roll="forward", holidays=holidays)
    offset = (working % 36000).astype("timedelta64[s]")
    started = dates.astype("datetime64[s]") + np.timedelta64(8 * 3600, "s") + offset
    ext_names = np.array(list(EXTENSIONS))
    remote = np.array(MATCHED_NUMBERS)[rng.integers(0, len(MATCHED_NUMBERS), n)]
    other = ext_names[(extension + 1) % len(EXTENSIONS)]
    remote = np.where(direction == "internal", other, remote)
    note = np.where(
        answered & (direction != "internal") & (rng.random(n) < 0.5),
        np.array(NOTES)[rng.integers(0, len(NOTES), n)],
        "",
    )
    frame = (
        pl.DataFrame(
            {
                "started_at": started.astype("datetime64[us]"),
                "duration_s": duration,
                "direction": direction,
                "answered": answered,
                "remote_number": remote,
                "extension": ext_names[extension],
                "note": note,
            }
        )
        .with_columns(pl.col("note").replace("", None))
        .sort("started_at", "extension", maintain_order=True)
        .with_columns(
            pl.concat_str(pl.lit("SF-"), _zfill(pl.int_range(1, pl.len() + 1) + 40000, 7)).alias(
                "call_id"
            ),
            pl.col("extension").replace_strict(EXTENSIONS).alias("user"),
        )
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema("calls").items()])


# --- POS -----------------------------------------------------------------------------------------

POS_REVENUE = (("Speisen", 7.0, 52000, 148000), ("Getränke", 19.0, 21000, 69000))
POS_PAYMENTS = (("Bar", 0.46), ("EC-Karte", 0.39), ("Kreditkarte", 0.15))


def clean_pos(n: int, *, seed: int, first_day: date = date(2026, 1, 2)) -> pl.DataFrame:
    """Daily sales by category (6 rows a business day: 2 revenue, 3 payment, 1 tip), balanced:
    payments = revenue + tips to the cent. Closed on Sundays and public holidays."""
    rng = np.random.default_rng(seed)
    days = -(-n // 6)
    holidays = np.array(HOLIDAYS, dtype="datetime64[D]")
    dates = np.busday_offset(
        np.datetime64(first_day, "D"),
        np.arange(days),
        roll="forward",
        weekmask="1111110",
        holidays=holidays,
    )
    revenue = np.stack(
        [
            low + (rng.random(days) * (high - low)).astype(np.int64)
            for _, _, low, high in POS_REVENUE
        ]
    )
    tips = rng.integers(800, 6500, days)
    total = revenue.sum(axis=0) + tips
    shares = np.stack([np.full(days, share) for _, share in POS_PAYMENTS])
    shares = shares * rng.uniform(0.8, 1.2, shares.shape)
    shares = shares / shares.sum(axis=0)
    paid = np.floor(total * shares).astype(np.int64)
    paid[0] += total - paid.sum(axis=0)  # cash takes the rounding remainder
    amounts = np.concatenate([revenue, paid, tips[None, :]]).T.reshape(-1)
    categories = [c for c, *_ in POS_REVENUE] + [c for c, _ in POS_PAYMENTS] + ["Trinkgeld"]
    types = ["revenue"] * 2 + ["payment"] * 3 + ["tip"]
    taxes = [t for _, t, *_ in POS_REVENUE] + [None] * 4
    frame = pl.DataFrame(
        {
            "business_date": np.repeat(dates, 6).astype("datetime64[D]"),
            "category_type": types * days,
            "category": categories * days,
            "amount": amounts / 100,
            "tax": pl.Series(taxes * days, dtype=pl.Float64),
        }
    ).head(n)
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema("pos").items()])


def period_end(first: date, months: int) -> date:
    """Last day of the ``months``-th month starting with ``first``'s month."""
    year, month = divmod(first.month - 1 + months, 12)
    return date(first.year + year, month + 1, 1) - timedelta(days=1)
