"""Tour 27, defect 3: every error finding of an e-invoice blocks that invoice in map and
transfer (ARCHITECTURE §4.2), though e-invoice findings name the line of an XML element, not
the invoice's row. Through the real pipeline (load, check against the sandbox, map) with the
defect samples, beside clean ones that still map."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.pipeline import check_run, load_run, map_run
from workbench.pipeline.connection import connect

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CLEAN = (
    "einvoice_RE-2026-0101_xrechnung_ubl.xml",
    "einvoice_RE-2026-0102_xrechnung_cii.xml",
    "einvoice_RE-2026-0103_zugferd_en16931.pdf",
)
#: defect samples whose errors sit on another line than the root element's
DEFECTIVE = {
    "einvoice_RE-2026-0112_xsd.xml": "einvoice.xsd",
    "einvoice_RE-2026-0117_br-ae-05.xml": "en16931.BR-AE-05",
    "einvoice_RE-2026-0123_br-ae-01.xml": "en16931.BR-AE-01",
}


@pytest.fixture(scope="module")
def every_sample():
    """All e-invoice samples checked and mapped (Rechnungsdatenservice) in one run."""
    files = sorted(SAMPLES.glob("einvoice_*"))
    with connect() as connection:
        checked = check_run(load_run("invoices", files), client="455148-1", connection=connection)
    return checked, map_run(checked).mapping


def test_named_defect_samples_are_blocked_with_their_rule_and_clean_ones_map(every_sample):
    _, mapped = every_sample
    blocked = {row["source_file"]: row for row in mapped.blocked.iter_rows(named=True)}
    for name, rule in DEFECTIVE.items():
        assert name in blocked, name
        assert rule in blocked[name]["rules"]
        assert blocked[name]["item_id"] == name[9:21]
        assert blocked[name]["message"]  # the reason shown as for other kinds
    mapped_files = set(mapped.lineage["source_file"])
    assert set(CLEAN) <= mapped_files
    assert not set(CLEAN) & set(blocked)


def test_every_error_of_an_einvoice_blocks_it_and_the_counts_add_up(every_sample):
    checked, mapped = every_sample
    errors = checked.findings.filter(pl.col("severity") == "error")
    with_errors = set(errors["source"])
    blocked = set(mapped.blocked["source_file"])
    assert with_errors <= blocked, sorted(with_errors - blocked)
    # the blocked reasons carry every error rule of the file
    for row in mapped.blocked.iter_rows(named=True):
        own = set(errors.filter(pl.col("source") == row["source_file"])["rule"])
        assert own <= set(row["rules"]), row["source_file"]
    # no record of a blocked invoice (nor of its positions) reaches DATEV
    assert not blocked & set(mapped.lineage["source_file"])
    invoices = mapped.lineage.filter(pl.col("role") == "invoices")["source_file"]
    assert set(invoices) == set(checked.loaded.result.frame["source_file"]) - blocked
    counts = mapped.counts()
    assert counts["balanced"].all()
    total = counts.select(pl.col("loaded", "mapped", "blocked", "skipped").sum()).row(0)
    assert total[0] == total[1] + total[2] + total[3] == len(list(SAMPLES.glob("einvoice_*")))


def test_an_einvoice_of_another_month_takes_its_errors_with_it():
    """Selecting a month sets e-invoices of other months aside with every finding they have,
    whichever XML line it names: they are neither checked nor blocked for this month."""
    files = [SAMPLES / "einvoice_RE-2026-0117_br-ae-05.xml", SAMPLES / CLEAN[0]]  # Jan, Mar
    with connect() as connection:
        checked = check_run(
            load_run("invoices", files), client="455148-1", connection=connection,
            period="2026-03",
        )  # fmt: skip
    assert checked.other_months == {files[0].name: 1}
    left = checked.findings.select("source", "rule").rows()
    assert left == [(files[0].name, "period.other_months")]
    assert checked.exit_code == 0
    mapped = map_run(checked).mapping
    assert mapped.blocked.is_empty()
    assert set(mapped.lineage["source_file"]) == {CLEAN[0]}
