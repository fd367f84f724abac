"""The shipped STARFACE sample log (data/samples) against the sandbox's master data."""

import json
import math
from pathlib import Path

import polars as pl
import pytest

from workbench.calls import CallSettings, bill_calls
from workbench.sources import load_calls

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "calls_starface.csv"
DEFECTS = ROOT / "data" / "samples" / "defects.json"


#: Anna Müller's mobile: a sandbox addressee that belongs to no Mandant (no client, no
#: relationship), so its calls cannot be billed; the samples count them as matched.
ANNA_MOBILE = "+491705550123"


@pytest.fixture(scope="module")
def sample():
    return load_calls(SAMPLE, profile="starface")


@pytest.fixture(scope="module")
def billing(sample, directory):
    return bill_calls(sample, directory)


def test_every_call_billed_to_one_mandant_or_listed_with_a_reason(sample, billing):
    lines = billing.lines
    assert lines["source_row"].to_list() == sample.frame["source_row"].to_list()
    billed = lines.filter(pl.col("status") == "billed")
    assert billed["client_id"].null_count() == 0
    assert billed["reason"].null_count() == billed.height
    others = lines.filter(pl.col("status") != "billed")
    assert others["reason"].null_count() == 0
    assert set(lines["status"]) <= {"billed", "ignored", "blocked", "unresolved", "not_billable"}
    assert billed.height > 100


def test_seeded_defects_are_found_at_their_rows(sample, billing):
    defects = [
        d
        for d in json.loads(DEFECTS.read_text(encoding="utf-8"))
        if d["file"] == SAMPLE.name and d["row"] is not None
    ]
    assert defects
    # the loader's findings (unreadable time, note over two lines) and the billing's own
    findings = pl.concat([sample.findings.select(billing.findings.columns), billing.findings])
    found = set(findings.select("row", "rule").rows())
    missing = [
        (d["row"], d["rule"], d["note"]) for d in defects if (d["row"], d["rule"]) not in found
    ]
    assert not missing
    expected = {(d["row"], d["rule"]) for d in defects}
    extra = findings.filter(
        ~pl.struct("row", "rule").is_in([{"row": r, "rule": rule} for r, rule in expected])
    )
    # The only findings beyond the seeded defects: calls to Anna Müller's mobile.
    assert set(extra["rule"]) <= {"calls.no_client"}
    rows = extra["row"].to_list()
    numbers = billing.lines.filter(pl.col("source_row").is_in(rows))["number"]
    assert set(numbers) <= {ANNA_MOBILE}


@pytest.mark.parametrize("rounding", ["minute", "6min", "10min", "15min"])
def test_totals_per_mandant_are_the_rounded_call_minutes(sample, directory, rounding):
    settings = CallSettings(rounding=rounding)
    billing = bill_calls(sample, directory, settings=settings)
    unit = settings.unit_minutes
    expected: dict[str, int] = {}
    for row in billing.billed.iter_rows(named=True):
        minutes = math.ceil(row["duration_s"] / (unit * 60)) * unit
        expected[row["client_id"]] = expected.get(row["client_id"], 0) + minutes
    summary = billing.summary()
    totals = dict(summary.group_by("client_id").agg(pl.col("billed_minutes").sum()).rows())
    assert totals == expected
    assert summary["time_units"].sum() == 20 * sum(expected.values())
    assert set(summary["month"]) == {"2026-01", "2026-02", "2026-03"}


def test_the_check_stage_reports_each_finding_once_and_the_file_encoding():
    """``workbench check calls``: the loader's findings came twice (once of their own, once
    inside the billing's), and the UTF-16 file drew no ``encoding.non_utf8``."""
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect

    with connect() as connection:
        run = check_run(load_run("calls", [SAMPLE]), client=None, connection=connection)
    keys = ["source", "row", "column", "rule", "value"]
    repeated = run.findings.filter(pl.struct(keys).is_duplicated())
    assert repeated.is_empty(), repeated.select(keys).rows()
    unreadable = run.findings.filter(pl.col("rule") == "field.unparseable")
    assert unreadable.select("row", "column").rows() == [(193, "started_at")]
    encoding = run.findings.filter(pl.col("rule") == "encoding.non_utf8")
    assert encoding.select("source", "row", "severity").rows() == [
        ("calls_starface.csv", None, "warning")
    ]
