"""Great Expectations on Spark finds exactly what the polars engine finds (issue 18, item 5).

These run in ``make test-spark`` (the ``[spark]`` extra and Java 17), which CI calls after the
main suite: on every sample file (the canonical invoices with their positions file, the
e-invoices as one run) and on one million generated receipt items. In a plain ``make test`` they
are deselected (see ``tests/conftest.py``: only ``-m spark`` selects them).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.checks import check, check_sources
from workbench.checks.spark import spark_session
from workbench.pipeline import load_run
from workbench.samples import generate

pytestmark = [
    pytest.mark.spark,
    # py4j, Spark's Python-Java bridge, leaves its gateway sockets to the garbage collector.
    pytest.mark.filterwarnings("ignore:unclosed <socket:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <socket:pytest.PytestUnraisableExceptionWarning"
    ),
]

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
PERIOD = ("2026-01", "2026-03")
KEY = ["source", "row", "rule", "column", "severity"]


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    yield session
    session.stop()


def assert_same(fast: pl.DataFrame, on_spark: pl.DataFrame) -> None:
    only_fast = fast.join(on_spark, on=KEY, how="anti", nulls_equal=True)
    only_spark = on_spark.join(fast, on=KEY, how="anti", nulls_equal=True)
    assert only_fast.is_empty() and only_spark.is_empty(), (
        only_fast.select(KEY).head(5).to_dicts(),
        only_spark.select(KEY).head(5).to_dicts(),
    )
    assert fast.equals(on_spark)


@pytest.mark.parametrize(
    ("name", "kind", "profile", "target"),
    [
        ("receipts_juston_booking_detail.csv", "receipts", "juston", "xml"),
        ("receipts_juston_expense.csv", "receipts", "juston", "xml"),
        ("receipts_juston_kasse.csv", "receipts", "juston", "xml"),
        ("receipts_canonical.csv", "receipts", "canonical", "xml"),
        ("receipts_canonical.json", "receipts", "canonical", "xml"),
        ("receipts_juston_booking_detail.csv", "receipts", "juston", "extf"),
        ("invoices_crmplus.xlsx", "invoices", "crmplus", "extf"),
        ("invoices_canonical.csv", "invoices", "canonical", "xml"),
        ("pos_lightspeed.csv", "pos", "lightspeed", "extf"),
        ("calls_starface.csv", "calls", "starface", "xml"),
    ],
)
def test_spark_agrees_with_polars_on_samples(name, kind, profile, target, spark, seed_settings):
    files = [SAMPLES / name]
    if name == "invoices_canonical.csv":  # its positions come in their own file
        files.append(SAMPLES / "invoices_canonical_positions.csv")
    result = load_run(kind, files, profile=profile).result
    options = dict(settings=seed_settings("455148-1"), period=PERIOD, target=target, folder=SAMPLES)
    fast = check_sources(result, engine="polars", **options)
    on_spark = check_sources(result, engine="gx", spark=spark, **options)
    assert_same(fast, on_spark)


def test_spark_agrees_with_polars_on_the_einvoices(spark, seed_settings):
    """Every e-invoice sample (XRechnung UBL/CII, ZUGFeRD, the seeded rule breaches) in one run."""
    files = sorted(SAMPLES.glob("einvoice_*"))
    assert len(files) > 10
    result = load_run("invoices", files, profile="einvoice").result
    options = dict(settings=seed_settings("455148-1"), period=PERIOD, folder=SAMPLES)
    fast = check_sources(result, engine="polars", **options)
    on_spark = check_sources(result, engine="gx", spark=spark, **options)
    assert fast.height  # the seeded breaches are there, so agreeing means something
    assert_same(fast, on_spark)


def test_spark_agrees_with_polars_on_a_million_rows(spark, settings, with_lineage):
    generated = generate("receipts", 1_000_000, seed=18, defect_rate=0.01)
    frame = with_lineage(generated.frame)
    options = dict(settings=settings, period=PERIOD, target="extf")
    fast = check(frame, "receipts", engine="polars", **options)
    on_spark = check(frame, "receipts", engine="gx", spark=spark, **options)
    assert fast.height > 5_000  # the seeded defects are there, so agreeing means something
    assert_same(fast, on_spark)
