"""The two engines agree: Great Expectations (reference) and the compiled polars query give the
same findings on generated data, on the samples and on random frames (hypothesis).

GX is slow (seconds to import, ~1 s a run), so example counts are small.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from workbench.checks import check, check_sources, load_suite, write_data_docs
from workbench.checks.engine_gx import gx_context
from workbench.errors import WorkbenchError
from workbench.samples import generate

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
PERIOD = ("2026-01", "2026-03")


@pytest.fixture(scope="module", autouse=True)
def _gx():
    gx_context()  # import once for the module


def both(frame: pl.DataFrame, kind: str, **options) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (
        check(frame, kind, engine="polars", **options),
        check(frame, kind, engine="gx", **options),
    )


def assert_same(fast: pl.DataFrame, reference: pl.DataFrame) -> None:
    key = ["row", "rule", "column"]
    only_fast = fast.join(reference, on=key, how="anti", nulls_equal=True)
    only_gx = reference.join(fast, on=key, how="anti", nulls_equal=True)
    assert only_fast.is_empty() and only_gx.is_empty(), (
        only_fast.select([*key, "value"]).to_dicts()[:5],
        only_gx.select([*key, "value"]).to_dicts()[:5],
    )
    assert fast.equals(reference)


def test_every_suite_is_a_gx_suite():
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    for kind in ("receipts", "invoices", "positions", "calls", "pos"):
        suite = load_suite(kind)
        gx_suite = ExpectationSuite(
            name=suite.name,
            expectations=[
                ExpectationConfiguration(**e.to_gx()).to_domain_obj() for e in suite.expectations
            ],
        )
        assert len(gx_suite.expectations) == len(suite.expectations)


@pytest.mark.parametrize("kind", ["receipts", "invoices", "calls", "pos"])
def test_engines_agree_on_generated_data(kind, with_lineage, settings):
    generated = generate(kind, 400, seed=7, defect_rate=0.05)
    fast, reference = both(
        with_lineage(generated.frame), kind, settings=settings, period=PERIOD, target="extf"
    )
    assert fast.height > 5
    assert_same(fast, reference)
    if generated.positions is not None:
        positions = with_lineage(
            generated.positions.with_columns(
                pl.when(pl.int_range(pl.len()) % 7 == 0)
                .then(pl.col("tax_amount") + 0.01)
                .otherwise(pl.col("tax_amount"))
                .alias("tax_amount")
            ),
            "positionen.csv",
        )
        assert_same(*both(positions, "positions", settings=settings))


@pytest.mark.parametrize(
    ("name", "kind", "profile", "client"),
    [
        ("receipts_juston_booking_detail.csv", "receipts", "juston", "455148-1"),
        ("invoices_crmplus.xlsx", "invoices", "crmplus", "455148-1"),
    ],
)
def test_engines_agree_on_samples(name, kind, profile, client, seed_settings):
    from workbench.pipeline.registry import REGISTRY

    result = REGISTRY[kind].load(SAMPLES / name, profile=profile)
    options = dict(settings=seed_settings(client), period=PERIOD, target="extf", folder=SAMPLES)
    fast = check_sources(result, engine="polars", **options)
    reference = check_sources(result, engine="gx", **options)
    assert fast.height >= 15
    assert_same(fast, reference)


# --- random frames -------------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("aZ09 -/&;#\\3Ã¼â‚¬Â\u00a0\u202f\u200b\x1f\x0c\n\t\x85ő🥨€ä_.,$%"))
TEXT = st.one_of(st.none(), st.text(ALPHABET, max_size=70))
SHORT = st.one_of(st.none(), st.text(ALPHABET, max_size=14))
ACCOUNT = st.one_of(
    st.none(), st.text(st.sampled_from(list("0123456789K-")), min_size=1, max_size=7)
)
AMOUNT = st.one_of(
    st.none(),
    st.sampled_from([0.0, -0.0, 12.5, 12.345, 1e11, -80.0]),
    st.floats(-1e6, 1e6, allow_nan=False),
)
DAY = st.one_of(st.none(), st.dates(date(2025, 11, 1), date(2026, 5, 31)))


@st.composite
def receipts(draw) -> pl.DataFrame:
    n = draw(st.integers(1, 12))
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "document_id": st.one_of(st.none(), st.sampled_from(["B1", "B2", "B3", "  "])),
                    "item_id": st.text("abc123", min_size=1, max_size=4),
                    "document_kind": st.one_of(
                        st.none(),
                        st.sampled_from(
                            [
                                "Rechnungseingang",
                                "Rechnungsausgang",
                                "Kasse",
                                "Sonstige",
                                "Unbekannt",
                            ]
                        ),
                    ),
                    "date": DAY,
                    "accounting_month": st.one_of(
                        st.none(), st.sampled_from(["2025-12", "2026-01", "2026-03", "2026-04"])
                    ),
                    "amount": AMOUNT,
                    "currency_code": st.one_of(
                        st.none(), st.sampled_from(["EUR", "eur", "USD", "EURO"])
                    ),
                    "account_no": ACCOUNT,
                    "party_account_no": ACCOUNT,
                    "tax": st.one_of(st.none(), st.sampled_from([0.0, 7.0, 19.0, 17.0, 5.5])),
                    "invoice_id": SHORT,
                    "internal_invoice_id": SHORT,
                    "booking_text": TEXT,
                    "party_name": TEXT,
                    "party_city": SHORT,
                    "information": TEXT,
                    "vat_id": st.one_of(
                        st.none(), st.sampled_from(["DE136695976", "DE136695977", "DE-1", "ATU1"])
                    ),
                    "iban": st.one_of(
                        st.none(),
                        st.sampled_from(
                            [
                                "DE89370400440532013000",
                                "DE89370400440532013001",
                                "DE89 3704",
                                "de89370400440532013000",
                            ]
                        ),
                    ),
                    "swift_code": st.one_of(
                        st.none(), st.sampled_from(["COBADEFFXXX", "COBADEFF", "COBADE"])
                    ),
                    "attachment": st.one_of(
                        st.none(), st.sampled_from(["a.pdf", "b.PDF", "c.zip", "d.pdf\n", "e"])
                    ),
                    "block_transfer": st.one_of(st.none(), st.booleans()),
                }
            ),
            min_size=n,
            max_size=n,
        )
    )
    schema = {
        "document_id": pl.String,
        "item_id": pl.String,
        "document_kind": pl.String,
        "date": pl.Date,
        "accounting_month": pl.String,
        "amount": pl.Float64,
        "currency_code": pl.String,
        "account_no": pl.String,
        "party_account_no": pl.String,
        "tax": pl.Float64,
        "invoice_id": pl.String,
        "internal_invoice_id": pl.String,
        "booking_text": pl.String,
        "party_name": pl.String,
        "party_city": pl.String,
        "information": pl.String,
        "vat_id": pl.String,
        "iban": pl.String,
        "swift_code": pl.String,
        "attachment": pl.String,
        "block_transfer": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema)


@st.composite
def invoices(draw) -> pl.DataFrame:
    n = draw(st.integers(1, 10))
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "invoice_kind": st.one_of(
                        st.none(),
                        st.sampled_from(
                            ["Rechnung", "Eingangsrechnung", "Gutschrift", "Storno", "Angebot"]
                        ),
                    ),
                    "invoice_id": SHORT,
                    "date": DAY,
                    "party_name": TEXT,
                    "street": SHORT,
                    "zip": st.one_of(
                        st.none(), st.sampled_from(["01067", "1067", "8056", "A-1010", "x"])
                    ),
                    "city": SHORT,
                    "country": st.one_of(st.none(), st.sampled_from(["DE", "AT", "de"])),
                    "currency_code": st.one_of(st.none(), st.sampled_from(["EUR", "eur"])),
                    "net": AMOUNT,
                    "tax_amount": AMOUNT,
                    "gross": AMOUNT,
                    "account_no": ACCOUNT,
                    "party_account_no": ACCOUNT,
                    "attachment": SHORT,
                    "terms": SHORT,
                }
            ),
            min_size=n,
            max_size=n,
        )
    )
    return pl.DataFrame(
        rows,
        schema={
            "invoice_kind": pl.String,
            "invoice_id": pl.String,
            "date": pl.Date,
            "party_name": pl.String,
            "street": pl.String,
            "zip": pl.String,
            "city": pl.String,
            "country": pl.String,
            "currency_code": pl.String,
            "net": pl.Float64,
            "tax_amount": pl.Float64,
            "gross": pl.Float64,
            "account_no": pl.String,
            "party_account_no": pl.String,
            "attachment": pl.String,
            "terms": pl.String,
        },
    )


@st.composite
def calls(draw) -> pl.DataFrame:
    n = draw(st.integers(1, 10))
    start = datetime(2026, 1, 5, 8)
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "call_id": st.sampled_from(["C1", "C2", "C3", "C4", None]),
                    "started_at": st.one_of(
                        st.none(), st.integers(0, 7200).map(lambda s: start + timedelta(seconds=s))
                    ),
                    "duration_s": st.one_of(st.none(), st.integers(-10, 50_000)),
                    "direction": st.one_of(
                        st.none(), st.sampled_from(["inbound", "outbound", "internal", "x"])
                    ),
                    "remote_number": SHORT,
                    "extension": st.sampled_from(["11", "12"]),
                    "note": TEXT,
                }
            ),
            min_size=n,
            max_size=n,
        )
    )
    return pl.DataFrame(
        rows,
        schema={
            "call_id": pl.String,
            "started_at": pl.Datetime("us"),
            "duration_s": pl.Int64,
            "direction": pl.String,
            "remote_number": pl.String,
            "extension": pl.String,
            "note": pl.String,
        },
    )


FEW = hsettings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FEW
@given(frame=receipts(), target=st.sampled_from(["xml", "extf"]))
def test_engines_agree_on_random_receipts(frame, target, settings):
    assert_same(*both(frame, "receipts", settings=settings, period=PERIOD, target=target))


@hsettings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frame=invoices())
def test_engines_agree_on_random_invoices(frame, settings):
    assert_same(*both(frame, "invoices", settings=settings, period=PERIOD))


@hsettings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(frame=calls())
def test_engines_agree_on_random_calls(frame):
    assert_same(*both(frame, "calls", settings=None))


def test_spark_needs_pyspark(settings, monkeypatch):
    # Whether or not the [spark] extra is installed here: without pyspark the message says so.
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    frame = generate("receipts", 5, seed=1, defects=False).frame
    with pytest.raises(WorkbenchError, match="datev-workbench\\[spark\\]"):
        check(frame, "receipts", settings=settings, engine="gx", spark=object())


def test_data_docs(tmp_path, settings):
    frame = generate("receipts", 200, seed=3, defect_rate=0.05).frame
    index = write_data_docs(frame, "receipts", tmp_path / "docs", settings=settings, period=PERIOD)
    assert index.name == "index.html" and index.exists()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    page = pages[0].read_text(encoding="utf-8")
    assert "account_no" in page and "party_account_no" in page
