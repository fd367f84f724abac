"""POS daily sales → EXTF Buchungsstapel via an account mapping (seed 003, Lightspeed K-Series).

Every sale passes through the transit account (Zwischenkonto): revenue is booked against it
(Konto = transit, Gegenkonto = the category's Sachkonto, BU-Schlüssel from the tax rate), tips
likewise against the tip account (Trinkgeld-Konto), and each payment category takes the money
out of it (Konto = the payment's Sachkonto, Gegenkonto = transit). Positive amounts are
debits (S) on Konto, negative ones credits (H).

Rows are summed per report period (``daily``, ``weekly`` or ``monthly``: "Bericht ausführen
bis") and category; a period's revenue plus tips must equal its payments, or the transit
account keeps a balance: then every row of the period is blocked (``pos.unbalanced``), since
DATEV must not get half a day. Weekly periods are cut at month ends so that no booking
crosses a booking period. All bookings of a period carry the period's last business day as
Belegdatum.

Tagesabschluss (``day_close``): sales before the close time belong to the previous business
day. The canonical ``pos`` frame carries business dates only, for which this is a no-op; it
applies when ``business_date`` holds timestamps or the frame has a ``sold_at`` timestamp column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from workbench.datev.extf_header import HeaderOptions
from workbench.mapping.findings import all_findings, source_maps, validation_findings
from workbench.mapping.gate import RowGate, lineage
from workbench.mapping.result import Mapped
from workbench.mapping.validation import extf_problems
from workbench.sources.loader import LoadResult

__all__ = ["PERIODS", "POS_FIELDS", "PosMapping", "business_days", "map_pos", "split_periods"]

PERIODS = ("daily", "weekly", "monthly")
_ROLE = "pos"
POS_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "Umsatz (ohne Soll/Haben-Kz)": ((_ROLE, "amount"),),
    "Soll/Haben-Kennzeichen": ((_ROLE, "category_type"),),
    "Konto": ((_ROLE, "category"),),
    "Gegenkonto (ohne BU-Schlüssel)": ((_ROLE, "category"),),
    "BU-Schlüssel": ((_ROLE, "tax"),),
    "Belegdatum": ((_ROLE, "business_date"),),
    "Belegfeld 1": ((_ROLE, "business_date"),),
    "Buchungstext": ((_ROLE, "category"),),
}


@dataclass(frozen=True)
class PosMapping:
    """Seed 003's settings: Omniboost "Accounting-Mapping" and "Integrationseinstellungen".

    ``accounts``: revenue and payment category → Sachkonto. ``transit_account``: Zwischenkonto.
    ``tip_account``: Trinkgeld-Konto. ``period``: daily, weekly or monthly. ``day_close``:
    Tagesabschluss. ``fixation``: Festschreibung (EXTF header field 21). ``journal_description``:
    Journalbeschreibung, used as Buchungstext prefix and header Bezeichnung. ``bu_codes``: tax
    rate → BU-Schlüssel for revenue (SKR03: 19 % → 3, 7 % → 2; rate 0 books without one).
    ``voucher_prefix``: Belegfeld 1 is this prefix plus the Belegdatum (``POS20260102``).

    >>> PosMapping(accounts={"Speisen": "8300", "EC-Karte": "1360"}, transit_account="1590",
    ...            tip_account="1755", period="daily")
    """

    accounts: Mapping[str, str]
    transit_account: str
    tip_account: str
    period: str = "daily"
    day_close: dt.time | None = None
    fixation: bool = False
    journal_description: str = ""
    bu_codes: Mapping[float, str] = field(default_factory=lambda: {19.0: "3", 7.0: "2"})
    voucher_prefix: str = "POS"

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")

    def header(self) -> HeaderOptions:
        """``ExtfHeader`` keyword arguments this mapping fixes (Festschreibung, Bezeichnung)."""
        return HeaderOptions(fixation=int(self.fixation), label=self.journal_description[:30])


def business_days(frame: pl.DataFrame, day_close: dt.time | None) -> pl.Expr:
    """The business day of each row: timestamps before ``day_close`` belong to the day before.

    With business dates only (the canonical frame) the date itself: Tagesabschluss has nothing
    to move.
    """
    column = "sold_at" if "sold_at" in frame.columns else "business_date"
    dtype = frame.schema[column]
    if not isinstance(dtype, pl.Datetime):
        return pl.col("business_date").cast(pl.Date)
    close = day_close or dt.time(0, 0)
    offset = pl.duration(hours=close.hour, minutes=close.minute, seconds=close.second)
    return (pl.col(column) - offset).dt.date()


def _period(day: pl.Expr, period: str) -> tuple[pl.Expr, pl.Expr]:
    month = day.dt.truncate("1mo")
    if period == "daily":
        return day, day
    if period == "monthly":
        return month, day.dt.month_end()
    start = pl.max_horizontal(day.dt.truncate("1w"), month)
    end = pl.min_horizontal(day.dt.truncate("1w").dt.offset_by("6d"), day.dt.month_end())
    return start, end


def split_periods(
    records: pl.DataFrame, *, period: str
) -> list[tuple[dt.date, dt.date, pl.DataFrame]]:
    """Bookings of :func:`map_pos` cut into one part per report period (one EXTF file each).

    Seed 003 sends one file per day, week or month; each part's ``(start, end)`` goes into the
    EXTF header as Datum vom/bis. Works because all bookings of a period carry its last
    business day as Belegdatum.

    >>> for start, end, part in split_periods(mapped.records, period="daily"):
    ...     write_extf(part, replace(header, date_from=start, date_to=end))
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    start, end = _period(pl.col("Belegdatum"), period)
    keyed = records.with_columns(start.alias("_start"), end.alias("_end"))
    return [
        (first, last, part.drop("_start", "_end"))
        for (first, last), part in keyed.group_by("_start", "_end", maintain_order=True)
    ]


def map_pos(
    result: LoadResult,
    *,
    mapping: PosMapping,
    findings: pl.DataFrame | None = None,
    account_length: int = 4,
) -> Mapped:
    """Map POS daily sales to Buchungsstapel bookings (``mapped.header`` has the header options).

    >>> mapped = map_pos(load_pos("pos.csv", profile="lightspeed"), mapping=settings)
    >>> write_extf(mapped.records, ExtfHeader(..., **mapped.header))
    """
    start, end = _period(pl.col("_day"), mapping.period)
    frame = result.frame.with_columns(
        business_days(result.frame, mapping.day_close).alias("_day")
    ).with_columns(start.alias("_period"), end.alias("_period_end"))
    gate = RowGate(
        frame,
        role=_ROLE,
        item="category",
        findings=all_findings(result.findings, findings),
        sources=source_maps(result.sources),
    )
    gate.block_on_errors()
    gate.require(
        {
            "business_date": None,
            "category_type": ("revenue", "payment", "tip"),
            "category": None,
            "amount": None,
        }
    )
    rows = _reject_unmapped(gate, _with_accounts(gate.rows, mapping))
    rows = _reject_unbalanced(gate, rows)

    groups, zero = _groups(rows)
    gate.skip(zero, reason="Summe der Kategorie im Zeitraum ist 0,00: keine Buchung nötig")
    records = _bookings(groups, mapping)
    # What the EXTF writer would reject blocks the whole period (half a period would not balance).
    problems = extf_problems(records, account_length=account_length)
    if problems.height:
        periods = _block_invalid_periods(gate, problems, groups, rows)
        keep = ~pl.col("_period").is_in(periods)
        records = records.filter(groups.select(keep).to_series())
        groups = groups.filter(keep)

    exploded = groups.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("record"), pl.col("_rows").alias("_index")
    ).explode("_index")
    located = exploded.join(
        rows.select("_index", "source_file", "source_row", "_item"),
        on="_index",
        how="left",
        maintain_order="left",
    )
    return gate.finish(
        kind="pos",
        target="extf",
        records=records,
        lineage=lineage(located, _ROLE, record="record"),
        field_sources=POS_FIELDS,
        frames={_ROLE: result.frame},
        sources=result.sources,
        header=mapping.header(),
    )


def _with_accounts(rows: pl.DataFrame, mapping: PosMapping) -> pl.DataFrame:
    """``_account`` (the category's Sachkonto) and ``_bu`` (BU-Schlüssel of the tax rate)."""
    accounts = pl.DataFrame(
        {
            "category": list(mapping.accounts),
            "_account": [str(v) for v in mapping.accounts.values()],
        },
        schema={"category": pl.String, "_account": pl.String},
    )
    codes = pl.DataFrame(
        {"tax": [float(k) for k in mapping.bu_codes], "_bu": list(mapping.bu_codes.values())},
        schema={"tax": pl.Float64, "_bu": pl.String},
    )
    return rows.join(accounts, on="category", how="left", maintain_order="left").join(
        codes, on="tax", how="left", maintain_order="left"
    )


def _reject_unmapped(gate: RowGate, rows: pl.DataFrame) -> pl.DataFrame:
    """Categories without a Sachkonto, revenue rates without a BU-Schlüssel; the rest returned."""
    is_revenue = pl.col("category_type") == "revenue"
    checks = (
        (
            "pos.unmapped_category",
            "category",
            pl.col("category_type").is_in(["revenue", "payment"]) & pl.col("_account").is_null(),
            "der Kategorie '{}' ist kein Sachkonto zugeordnet; ergänzen Sie das Accounting-Mapping",
        ),
        (
            "tax.no_bu_code",
            "tax",
            is_revenue & pl.col("_bu").is_null() & (pl.col("tax").fill_null(0) != 0),
            "für den Steuersatz der Kategorie '{}' gibt es keinen BU-Schlüssel",
        ),
    )
    for rule, column, condition, what in checks:
        message = pl.format("{}, Zeile {}: " + what + ".", "source_file", "source_row", "category")
        gate.reject(
            rows.filter(condition),
            rule=rule,
            column=column,
            message=message,
            value=pl.col(column).cast(pl.String),
        )
        rows = rows.filter(~condition)
    return rows


def _reject_unbalanced(gate: RowGate, rows: pl.DataFrame) -> pl.DataFrame:
    """The transit account must come out even per period, or nothing of that period goes."""
    cents = (pl.col("amount") * 100).round(0).cast(pl.Int64)
    signed = pl.when(pl.col("category_type") == "payment").then(-cents).otherwise(cents)
    rows = rows.with_columns(cents.alias("_cents"), signed.alias("_balance"))
    balance = rows.group_by("_period").agg(pl.col("_balance").sum().alias("_difference"))
    rows = rows.join(balance, on="_period", how="left", maintain_order="left")
    off = pl.col("_difference") != 0
    first, last = (pl.col(c).dt.strftime("%d.%m.%Y") for c in ("_period", "_period_end"))
    when = (
        pl.when(pl.col("_period") == pl.col("_period_end"))
        .then(pl.concat_str(pl.lit("am "), first))
        .otherwise(pl.concat_str(pl.lit("vom "), first, pl.lit(" bis "), last))
    )
    message = pl.format(
        "{}, Zeile {}: {} ergeben Umsatz und Trinkgeld {} EUR mehr als die Zahlungen "
        "(negativ: weniger); das Zwischenkonto würde nicht ausgeglichen. Prüfen Sie Umsätze "
        "und Zahlungen des Zeitraums in der Kasse.",
        "source_file",
        "source_row",
        when,
        _euros(pl.col("_difference")),
    )
    gate.reject(
        rows.filter(off),
        rule="pos.unbalanced",
        column="amount",
        message=message,
        value=pl.col("amount"),
    )
    return rows.filter(~off)


def _block_invalid_periods(
    gate: RowGate, problems: pl.DataFrame, groups: pl.DataFrame, rows: pl.DataFrame
) -> pl.Series:
    """``field.datev`` findings for the invalid bookings; their periods are blocked whole.

    Returns the blocked periods (imploded, for ``is_in``).
    """
    culprits = groups.with_row_index("_pos").filter(
        pl.col("_pos").is_in(problems["row"].cast(pl.UInt32).implode())
    )
    lookup = culprits.select(
        pl.col("_pos").cast(pl.Int64), pl.col("_rows").list.first().alias("_index")
    ).join(rows.select("_index", "source_file", "source_row", "_item"), on="_index", how="left")
    gate.findings.append(
        validation_findings(
            problems,
            lookup,
            field_sources=POS_FIELDS,
            sources=gate.sources,
            role=_ROLE,
            target="extf",
        )
    )
    periods = culprits["_period"].unique().implode()
    message = pl.format(
        "{}, Zeile {}: eine Buchung des Zeitraums {} bis {} verletzt das EXTF-Format (siehe "
        "field.datev); der Zeitraum wird nicht übertragen.",
        "source_file",
        "source_row",
        "_period",
        "_period_end",
    )
    gate.block(rows.filter(pl.col("_period").is_in(periods)), rule="field.datev", message=message)
    return periods


def _euros(cents: pl.Expr) -> pl.Expr:
    """Cents as German money text (``-1234,50``)."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (
        sign
        + (cents.abs() // 100).cast(pl.String)
        + pl.lit(",")
        + (cents.abs() % 100).cast(pl.String).str.zfill(2)
    )


def _groups(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Sums per period, category type, category and tax rate; groups that sum to 0 book nothing."""
    order = pl.col("category_type").replace_strict(
        {"revenue": 0, "tip": 1, "payment": 2}, default=3, return_dtype=pl.Int64
    )
    rows = rows.with_columns(pl.max("_day").over("_period").alias("_date"), order.alias("_order"))
    groups = (
        rows.group_by("_period", "_order", "category_type", "category", "tax", maintain_order=True)
        .agg(
            pl.col("_cents").sum(),
            pl.col("_date", "_account", "_bu").first(),
            pl.col("_index").alias("_rows"),
        )
        .sort("_period", "_order", maintain_order=True)
    )
    zero_groups = groups.filter(pl.col("_cents") == 0)
    zero = rows.filter(pl.col("_index").is_in(zero_groups["_rows"].explode().implode()))
    return groups.filter(pl.col("_cents") != 0), zero


def _bookings(groups: pl.DataFrame, mapping: PosMapping) -> pl.DataFrame:
    kind = pl.col("category_type")
    transit, tip = pl.lit(str(mapping.transit_account)), pl.lit(str(mapping.tip_account))
    konto = pl.when(kind == "payment").then(pl.col("_account")).otherwise(transit)
    gegenkonto = (
        pl.when(kind == "revenue")
        .then(pl.col("_account"))
        .when(kind == "tip")
        .then(tip)
        .otherwise(transit)
    )
    text = pl.lit(
        f"{mapping.journal_description} " if mapping.journal_description else ""
    ) + pl.col("category")
    return groups.select(
        (pl.col("_cents").abs() / 100).alias("Umsatz (ohne Soll/Haben-Kz)"),
        pl.when(pl.col("_cents") > 0)
        .then(pl.lit("S"))
        .otherwise(pl.lit("H"))
        .alias("Soll/Haben-Kennzeichen"),
        konto.alias("Konto"),
        gegenkonto.alias("Gegenkonto (ohne BU-Schlüssel)"),
        pl.when(kind == "revenue").then(pl.col("_bu")).alias("BU-Schlüssel"),
        pl.col("_date").alias("Belegdatum"),
        (pl.lit(mapping.voucher_prefix) + pl.col("_date").dt.strftime("%Y%m%d")).alias(
            "Belegfeld 1"
        ),
        text.str.slice(0, 60).alias("Buchungstext"),
    )
