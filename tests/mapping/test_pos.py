"""POS daily sales → EXTF bookings via the transit account; periods balance or are blocked."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from mapping_helpers import assert_accounted, finding, findings

from workbench.datev.extf import ExtfHeader, read_extf, validate_bookings, write_extf
from workbench.mapping import PosMapping, map_pos
from workbench.mapping.pos import business_days, split_periods
from workbench.sources import LoadResult, canonical_schema

ACCOUNTS = {"Speisen": "8300", "Getränke": "8400", "EC-Karte": "1360", "Bar": "1000"}


def settings(**options) -> PosMapping:
    return PosMapping(accounts=ACCOUNTS, transit_account="1590", tip_account="1755", **options)


def header(mapped) -> ExtfHeader:
    return ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=dt.date(2026, 1, 1),
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 1, 31),
        **mapped.header,
    )


def transit_balance(records: pl.DataFrame, transit: str = "1590") -> pl.DataFrame:
    """Balance of the transit account per Belegdatum (debit positive)."""
    signed = (
        pl.when(pl.col("Soll/Haben-Kennzeichen") == "S")
        .then(pl.col("Umsatz (ohne Soll/Haben-Kz)"))
        .otherwise(-pl.col("Umsatz (ohne Soll/Haben-Kz)"))
    )
    on_transit = (
        pl.when(pl.col("Konto") == transit)
        .then(signed)
        .when(pl.col("Gegenkonto (ohne BU-Schlüssel)") == transit)
        .then(-signed)
        .otherwise(0.0)
    )
    return (
        records.group_by("Belegdatum")
        .agg(on_transit.sum().round(2).alias("balance"))
        .sort("Belegdatum")
    )


def test_daily_bookings_balance_the_transit_account(pos_result):
    mapped = map_pos(pos_result, mapping=settings(journal_description="Lightspeed", fixation=True))
    records = mapped.records
    assert validate_bookings(records, header(mapped)).is_empty()
    assert transit_balance(records)["balance"].to_list() == [0.0, 0.0]
    first = records.row(0, named=True)
    assert (
        first["Konto"],
        first["Gegenkonto (ohne BU-Schlüssel)"],
        first["BU-Schlüssel"],
        first["Soll/Haben-Kennzeichen"],
        first["Buchungstext"],
    ) == ("1590", "8300", "2", "S", "Lightspeed Speisen")
    tip = records.filter(pl.col("Buchungstext") == "Lightspeed Trinkgeld").row(0, named=True)
    assert (tip["Konto"], tip["Gegenkonto (ohne BU-Schlüssel)"], tip["BU-Schlüssel"]) == (
        "1590",
        "1755",
        None,
    )
    card = records.filter(pl.col("Buchungstext") == "Lightspeed EC-Karte").row(0, named=True)
    assert (
        card["Konto"],
        card["Gegenkonto (ohne BU-Schlüssel)"],
        card["Soll/Haben-Kennzeichen"],
    ) == ("1360", "1590", "S")
    refund = records.filter(
        (pl.col("Belegdatum") == dt.date(2026, 1, 3))
        & (pl.col("Gegenkonto (ohne BU-Schlüssel)") == "8400")
    )
    assert refund.select("Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen").row(0) == (
        5.0,
        "H",
    )
    assert records["Belegfeld 1"].unique(maintain_order=True).to_list() == [
        "POS20260102",
        "POS20260103",
    ]
    assert mapped.header == {"fixation": 1, "label": "Lightspeed"}
    written = read_extf(write_extf(records, header(mapped)))
    assert (written.header.fixation, written.header.label) == (1, "Lightspeed")
    assert written.frame.height == records.height
    assert_accounted(mapped, 8)


def test_unbalanced_period_is_blocked_with_a_finding(pos_result, write):
    from workbench.sources import load_pos

    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "02.01.2026;Umsatz;Speisen;100,00;7\n"
        "02.01.2026;Zahlung;Bar;100,00;\n"
        "03.01.2026;Umsatz;Speisen;100,00;7\n"
        "03.01.2026;Zahlung;Bar;90,00;\n"
    )
    mapped = map_pos(load_pos(write("pos2.csv", text), profile="lightspeed"), mapping=settings())
    assert mapped.blocked.select("source_row", "rules").rows() == [
        (4, ["pos.unbalanced"]),
        (5, ["pos.unbalanced"]),
    ]
    message = mapped.findings.filter(pl.col("rule") == "pos.unbalanced")["message"][0]
    assert "Zeile 4: am 03.01.2026 ergeben Umsatz und Trinkgeld 10,00 EUR mehr" in message
    assert mapped.records["Belegdatum"].unique().to_list() == [dt.date(2026, 1, 2)]
    assert_accounted(mapped, 4)


def test_a_blocked_row_takes_its_whole_period_with_it(pos_result):
    given = findings(finding("pos.csv", 8, "amount.format", column="amount"))
    mapped = map_pos(pos_result, mapping=settings(), findings=given)
    rules = dict(mapped.blocked.select("source_row", "rules").iter_rows())
    assert rules == {8: ["amount.format"], 7: ["pos.unbalanced"], 9: ["pos.unbalanced"]}
    assert transit_balance(mapped.records)["balance"].to_list() == [0.0]
    assert_accounted(mapped, 8)


@pytest.mark.parametrize(
    ("period", "dates"),
    [
        (
            "daily",
            [dt.date(2026, 1, 30), dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 2)],
        ),
        # ISO week 2026-W05 runs Mon 26.01.–Sun 01.02. and is cut at the month end.
        ("weekly", [dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 2)]),
        ("monthly", [dt.date(2026, 1, 31), dt.date(2026, 2, 2)]),
    ],
)
def test_report_periods_sum_per_category(period, dates):
    days = [dt.date(2026, 1, 30), dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 2)]
    rows = []
    for day in days:
        rows += [
            {
                "business_date": day,
                "category_type": "revenue",
                "category": "Speisen",
                "amount": 10.0,
                "tax": 7.0,
            },
            {
                "business_date": day,
                "category_type": "payment",
                "category": "Bar",
                "amount": 10.0,
                "tax": None,
            },
        ]
    frame = pl.DataFrame(
        [{**row, "source_file": "p.csv", "source_row": i + 2} for i, row in enumerate(rows)],
        schema=canonical_schema("pos"),
    )
    result = LoadResult(kind="pos", frame=frame, findings=findings(), sources=())
    mapped = map_pos(result, mapping=settings(period=period))
    assert mapped.records["Belegdatum"].unique(maintain_order=True).to_list() == dates
    assert transit_balance(mapped.records)["balance"].abs().sum() == 0
    revenue = mapped.records.filter(pl.col("Gegenkonto (ohne BU-Schlüssel)") == "8300")
    assert revenue["Umsatz (ohne Soll/Haben-Kz)"].sum() == 40.0
    assert mapped.lineage.height == 8
    assert_accounted(mapped, 8)


def test_day_close_moves_night_sales_to_the_previous_business_day():
    frame = pl.DataFrame(
        {
            "sold_at": [
                dt.datetime(2026, 1, 3, 1, 30),
                dt.datetime(2026, 1, 3, 4, 0),
                dt.datetime(2026, 1, 2, 23, 0),
            ],
            "business_date": [dt.date(2026, 1, 3), dt.date(2026, 1, 3), dt.date(2026, 1, 2)],
        }
    )
    days = frame.select(business_days(frame, dt.time(4, 0))).to_series().to_list()
    assert days == [dt.date(2026, 1, 2), dt.date(2026, 1, 3), dt.date(2026, 1, 2)]
    # Business dates only (the canonical frame): nothing to move.
    dates = frame.drop("sold_at")
    assert (
        dates.select(business_days(dates, dt.time(4, 0))).to_series().to_list()
        == dates["business_date"].to_list()
    )


def test_day_close_applies_to_timestamped_business_dates():
    schema = dict(canonical_schema("pos")) | {"business_date": pl.Datetime("us")}
    rows = [
        (dt.datetime(2026, 1, 3, 2, 0), "revenue", "Speisen", 20.0, 7.0),
        (dt.datetime(2026, 1, 3, 2, 5), "payment", "Bar", 20.0, None),
    ]
    frame = pl.DataFrame(
        [
            dict(
                zip(
                    ("business_date", "category_type", "category", "amount", "tax"),
                    row,
                    strict=True,
                )
            )
            | {"source_file": "p.csv", "source_row": i + 2}
            for i, row in enumerate(rows)
        ],
        schema=schema,
    )
    result = LoadResult(kind="pos", frame=frame, findings=findings(), sources=())
    mapped = map_pos(result, mapping=settings(day_close=dt.time(5, 0)))
    assert mapped.records["Belegdatum"].unique().to_list() == [dt.date(2026, 1, 2)]


def test_unmapped_categories_and_unknown_rates_are_blocked(write):
    from workbench.sources import load_pos

    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "02.01.2026;Umsatz;Merchandise;30,00;19\n"
        "02.01.2026;Umsatz;Speisen;10,00;16\n"
        "02.01.2026;Zahlung;Bar;40,00;\n"
    )
    mapped = map_pos(load_pos(write("pos3.csv", text), profile="lightspeed"), mapping=settings())
    rules = dict(mapped.blocked.select("source_row", "rules").iter_rows())
    assert rules == {2: ["pos.unmapped_category"], 3: ["tax.no_bu_code"], 4: ["pos.unbalanced"]}
    unmapped = mapped.findings.filter(pl.col("rule") == "pos.unmapped_category").row(0, named=True)
    assert (unmapped["source_column"], unmapped["value"]) == ("Buchhaltungsgruppe", "Merchandise")
    assert mapped.records.is_empty()
    assert_accounted(mapped, 3)


def test_categories_that_sum_to_zero_are_skipped_not_lost(write):
    from workbench.sources import load_pos

    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "02.01.2026;Umsatz;Speisen;10,00;7\n"
        "02.01.2026;Umsatz;Getränke;5,00;19\n"
        "02.01.2026;Umsatz;Getränke;-5,00;19\n"
        "02.01.2026;Zahlung;Bar;10,00;\n"
    )
    mapped = map_pos(load_pos(write("pos4.csv", text), profile="lightspeed"), mapping=settings())
    assert mapped.skipped["source_row"].to_list() == [3, 4]
    assert "0,00" in mapped.skipped["reason"][0]
    assert mapped.records.height == 2
    assert_accounted(mapped, 4)


def test_invalid_account_in_the_mapping_blocks_the_period(pos_result):
    mapping = PosMapping(
        accounts={**ACCOUNTS, "Bar": "10000000000"}, transit_account="1590", tip_account="1755"
    )
    mapped = map_pos(pos_result, mapping=mapping)
    assert mapped.records.is_empty()
    assert set(mapped.blocked["rules"].explode()) == {"field.datev"}
    problem = mapped.findings.filter(pl.col("rule") == "field.datev").row(0, named=True)
    assert "Konto" in problem["message"]
    assert_accounted(mapped, 8)


def test_a_skipped_zero_category_stays_skipped_when_its_period_is_blocked(write):
    # Getränke sum to 0,00 over the week (skipped); Speisen's Sachkonto has a letter O for a zero,
    # so the week's EXTF bookings are invalid and the week is blocked. Each row must end up in
    # one place: this mapping used to fail its own count ("Interner Fehler der Abbildung").
    from workbench.sources import load_pos

    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "05.01.2026;Umsatz;Speisen;100,00;7\n"
        "05.01.2026;Umsatz;Getränke;10,00;19\n"
        "05.01.2026;Zahlung;Bar;110,00;\n"
        "06.01.2026;Umsatz;Getränke;-10,00;19\n"
        "06.01.2026;Zahlung;Bar;-10,00;\n"
    )
    mapping = PosMapping(
        accounts={**ACCOUNTS, "Speisen": "83O0"},
        transit_account="1590",
        tip_account="1755",
        period="weekly",
    )
    mapped = map_pos(load_pos(write("pos6.csv", text), profile="lightspeed"), mapping=mapping)
    assert mapped.skipped["source_row"].to_list() == [3, 5]
    assert mapped.blocked.select("source_row", "rules").rows() == [
        (2, ["field.datev"]),
        (4, ["field.datev"]),
        (6, ["field.datev"]),
    ]
    assert mapped.records.is_empty()
    assert_accounted(mapped, 5)


def test_period_must_be_known():
    with pytest.raises(ValueError, match="period"):
        PosMapping(accounts={}, transit_account="1590", tip_account="1755", period="hourly")


def test_rows_without_category_are_blocked(write):
    from workbench.sources import load_pos

    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "02.01.2026;Umsatz;;10,00;7\n"
        "02.01.2026;Zahlung;Bar;10,00;\n"
    )
    mapped = map_pos(load_pos(write("pos5.csv", text), profile="lightspeed"), mapping=settings())
    rules = dict(mapped.blocked.select("source_row", "rules").iter_rows())
    assert rules == {2: ["field.required"], 3: ["pos.unbalanced"]}
    assert_accounted(mapped, 2)


CATEGORIES = [
    ("revenue", "Speisen", 7.0),
    ("revenue", "Getränke", 19.0),
    ("revenue", "Eis", 19.0),
    ("revenue", "Speisen", 16.0),
    ("payment", "Bar", None),
    ("payment", "EC-Karte", None),
    ("tip", "Trinkgeld", None),
]


@st.composite
def pos_days(draw):
    rows = []
    for day in range(draw(st.integers(min_value=0, max_value=5))):
        date = dt.date(2026, 1, 28) + dt.timedelta(days=day)
        revenue = 0
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            kind, category, tax = draw(st.sampled_from(CATEGORIES[:4] + CATEGORIES[6:]))
            cents = draw(st.integers(min_value=-500, max_value=50_000))
            revenue += cents
            rows.append((date, kind, category, cents / 100, tax))
        # Usually the day's payments match; sometimes they are off by a few cents.
        off = draw(st.sampled_from([0, 0, 0, 1, -250]))
        rows.append(
            (
                date,
                "payment",
                draw(st.sampled_from(["Bar", "EC-Karte"])),
                (revenue + off) / 100,
                None,
            )
        )
    errors = (
        draw(st.lists(st.integers(min_value=0, max_value=max(len(rows) - 1, 0)), max_size=2))
        if rows
        else []
    )
    return rows, errors, draw(st.sampled_from(["daily", "weekly", "monthly"]))


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pos_days())
def test_every_pos_row_is_accounted_for_and_every_period_balances(case):
    rows, errors, period = case
    frame = pl.DataFrame(
        [
            {
                "business_date": r[0],
                "category_type": r[1],
                "category": r[2],
                "amount": r[3],
                "tax": r[4],
                "source_file": "p.csv",
                "source_row": i + 2,
            }
            for i, r in enumerate(rows)
        ],
        schema=canonical_schema("pos"),
    )
    result = LoadResult(kind="pos", frame=frame, findings=findings(), sources=())
    given_findings = findings(*[finding("p.csv", i + 2, "amount.format") for i in errors])
    mapped = map_pos(result, mapping=settings(period=period), findings=given_findings)
    if frame.height:
        assert_accounted(mapped, frame.height)
    if mapped.records.height:
        any_period = ExtfHeader(
            consultant_number=29098, client_number=55003, fiscal_year_start=dt.date(2026, 1, 1)
        )
        assert validate_bookings(mapped.records, any_period).is_empty()
        assert transit_balance(mapped.records)["balance"].abs().max() == 0
    blocked = set(mapped.blocked["source_row"])
    assert {i + 2 for i in errors} <= blocked


@pytest.mark.parametrize(
    ("period", "files"),
    [
        (
            "daily",
            [
                (dt.date(2026, 1, 2), dt.date(2026, 1, 2), 5),
                (dt.date(2026, 1, 3), dt.date(2026, 1, 3), 3),
            ],
        ),
        (
            "weekly",
            [(dt.date(2026, 1, 1), dt.date(2026, 1, 4), 5)],
        ),  # week 1 cut at the month start
        ("monthly", [(dt.date(2026, 1, 1), dt.date(2026, 1, 31), 5)]),
    ],
)
def test_one_extf_file_per_report_period(pos_result, period, files):
    mapped = map_pos(pos_result, mapping=settings(period=period))
    parts = split_periods(mapped.records, period=period)
    assert [(start, end, part.height) for start, end, part in parts] == files
    for start, end, part in parts:
        file_header = ExtfHeader(
            consultant_number=29098,
            client_number=55003,
            fiscal_year_start=dt.date(2026, 1, 1),
            date_from=start,
            date_to=end,
        )
        assert read_extf(write_extf(part, file_header)).frame.height == part.height
