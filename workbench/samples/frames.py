"""Clean canonical frames, generated vectorised (numpy draws, polars gathers: no per-row loop).

"Clean" means clean under DATEV's rules for the client: amounts with two decimals and never
zero, net + tax = gross to the cent, accounts of the client's length, personal accounts one digit
longer in the Debitoren/Kreditoren range, dates inside the period and a created fiscal year,
invoice ids unique per document and of Belegfeld 1's charset, texts within their lengths, valid
IBANs and VAT ids. Defects are added afterwards (``defects.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from workbench.samples.parties import (
    CLIENTS,
    ROLES,
    ClientSpec,
    Role,
    account,
    parties,
    personal_range,
)
from workbench.sources.schema import canonical_schema

__all__ = ["clean_calls", "clean_pos", "clean_receipts", "schema"]

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


@dataclass(frozen=True)
class _Documents:
    """Drawn documents (Belege) of 1-3 items, and the document of each item."""

    kinds: tuple[str, ...]  # the Beleg-Arten drawn from
    kind: np.ndarray  # per document: index into ``kinds``
    dates: np.ndarray
    income: np.ndarray  # cash documents: takings (True) or expenses
    credit: np.ndarray  # credit notes (Gutschrift): negative
    party: np.ndarray  # row in ``parties()``; its height for none (Kasse)
    item_doc: np.ndarray  # per item: its document

    @property
    def item_kind(self) -> np.ndarray:
        return self.kind[self.item_doc]


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
    """``n`` clean receipt items (Belegpositionen) of ``client``, documents in date order.

    All draws come from one seeded generator in a fixed order (documents, items, document
    details, cost centres): the same seed gives the same items.
    """
    spec = CLIENTS[client]
    rng = np.random.default_rng(seed)
    if kinds is None:
        kinds = RECEIPT_KINDS if spec.cash else RECEIPT_KINDS[:2]
    first_day, last_day = first_day or spec.first_day, last_day or spec.last_day
    pool = parties()
    docs = _draw_documents(rng, n, kinds, first_day, last_day, pool)
    roles, role_index, cents = _draw_items(rng, spec, docs, n)
    doc_frame = _document_frame(rng, spec, docs, pool, first_document)
    items = _item_frame(rng, spec, roles, role_index, cents, docs.item_doc)
    frame = items.join(doc_frame, on="__doc", how="left", maintain_order="left").with_columns(
        # ids in the document numbers' range (ten per document number): one system's exports
        # never share an id, so files loaded together never look like one file twice
        pl.concat_str(
            pl.lit("a0B7Q000"),
            _zfill(pl.col("item_id") + (first_document - 1) * 10, 7),
            pl.lit("AAK"),
        ).alias("item_id"),
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


def _draw_documents(
    rng: np.random.Generator,
    n: int,
    kinds: tuple[str, ...],
    first_day: date,
    last_day: date,
    pool: pl.DataFrame,
) -> _Documents:
    """Documents of 1-3 items (``n`` in all): Beleg-Art, date, cash direction, credit, party."""
    weights = np.array(
        [{"Rechnungsausgang": 0.45, "Rechnungseingang": 0.45, "Kasse": 0.1}[k] for k in kinds]
    )
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
    return _Documents(kinds, doc_kind, doc_dates, doc_income, doc_credit, doc_party, item_doc)


def _draw_items(
    rng: np.random.Generator, spec: ClientSpec, docs: _Documents, n: int
) -> tuple[list[Role], np.ndarray, np.ndarray]:
    """Each item's role (of its document's kind; cash: takings or expenses) and amount in cents."""
    kinds, item_doc, item_kind = docs.kinds, docs.item_doc, docs.item_kind
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
            mask = (item_kind == k) & ((docs.income[item_doc] == income) | (kind != "Kasse"))
            if kind != "Kasse" and not income:
                continue
            if mask.any():
                role_index[mask] = candidates[rng.integers(0, len(candidates), mask.sum())]
    low = np.array([role.low for role in roles])[role_index] * 100
    high = np.array([role.high for role in roles])[role_index] * 100
    cents = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    sign = np.array([role.sign for role in roles])[role_index]
    sign = np.where(docs.credit[item_doc] & (np.array(kinds)[item_kind] != "Kasse"), -sign, sign)
    cents = cents * sign
    is_cash = np.array(kinds)[item_kind] == "Kasse"
    cents[is_cash] = _non_negative_balance(cents[is_cash])
    return roles, role_index, cents


def _document_frame(
    rng: np.random.Generator,
    spec: ClientSpec,
    docs: _Documents,
    pool: pl.DataFrame,
    first_document: int,
) -> pl.DataFrame:
    """One row per document: ids, invoice number, party with its personal account, dates."""
    count = len(docs.kind)
    debtor_low, _ = personal_range(spec.account_length, debtor=True)
    creditor_low, _ = personal_range(spec.account_length, debtor=False)
    doc_frame = pl.DataFrame(
        {
            "__doc": np.arange(count),
            "__docnum": first_document + np.arange(count),
            "document_kind": pl.Series(list(docs.kinds)).gather(pl.Series(docs.kind)),
            "date": docs.dates,
            "__party": docs.party,
            "__credit": docs.credit,
            "__due": rng.choice([14, 30], size=count),
            "__paid": rng.integers(3, 25, size=count),
            "__paid_flag": rng.random(count) < 0.6,
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    year = pl.col("date").dt.year().cast(pl.String)
    number = pl.col("__docnum")
    document_kind = pl.col("document_kind")
    doc_frame = doc_frame.with_columns(
        pl.concat_str(pl.lit("BEL-"), _zfill(number, 6)).alias("document_id"),
        pl.when(document_kind == "Rechnungsausgang")
        .then(
            pl.concat_str(
                pl.when(pl.col("__credit")).then(pl.lit("GS-")).otherwise(pl.lit("RA-")),
                year,
                pl.lit("-"),
                _zfill(number, 5),
            )
        )
        .when(document_kind == "Kasse")
        .then(pl.concat_str(pl.lit("KB-"), year, pl.lit("-"), _zfill(number, 5)))
        .when(number % 3 == 0)
        .then(pl.concat_str(pl.lit("RE-"), year, pl.lit("-"), _zfill(number, 5)))
        .when(number % 3 == 1)
        .then(pl.concat_str(year, pl.lit("/"), _zfill(number * 7 + 101, 6)))
        .otherwise(pl.concat_str(pl.lit("V"), _zfill(number + 900000, 7)))
        .alias("invoice_id"),
        pl.when(document_kind == "Rechnungseingang")
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
    customer_doc = document_kind == "Rechnungsausgang"
    supplier_doc = document_kind == "Rechnungseingang"
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
        pl.when(document_kind != "Kasse")
        .then(pl.col("date") + pl.duration(days=pl.col("__due")))
        .alias("due_date"),
        pl.when(document_kind != "Kasse")
        .then(pl.concat_str(pl.col("document_id"), pl.lit(".pdf")))
        .alias("attachment"),
    )
    return doc_frame


def _item_frame(
    rng: np.random.Generator,
    spec: ClientSpec,
    roles: list[Role],
    role_index: np.ndarray,
    cents: np.ndarray,
    item_doc: np.ndarray,
) -> pl.DataFrame:
    """One row per item: its document, amount, account, tax rate, text and cost centre."""
    n = len(role_index)
    chart_column = "skr03" if spec.chart == "SKR03" else "skr04"
    # Strings are gathered by polars from small lookup Series: numpy string arrays are slow.
    role_rows = pl.Series(role_index)
    accounts = pl.Series(
        [account(getattr(role, chart_column), spec.account_length) for role in roles]
    ).gather(role_rows)
    texts = pl.Series([role.text for role in roles]).gather(role_rows)
    taxes = np.array([role.tax for role in roles])[role_index]
    centers = COST_CENTERS[spec.trade]
    return pl.DataFrame(
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


def _non_negative_balance(cents: np.ndarray) -> np.ndarray:
    """Turn cash expenses into takings until the running balance (from 0) never goes negative."""
    cents = cents.copy()
    balance = np.cumsum(cents)
    while len(balance) and balance.min() < 0:
        first = int(np.argmax(balance < 0))
        cents[first] = abs(cents[first])
        balance = np.cumsum(cents)
    return cents


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
