"""Safe fixes (applied only when asked) and the findings outputs: frame, JSON, summary."""

from __future__ import annotations

import json

import polars as pl
import pytest

from workbench.checks import (
    FINDINGS_SCHEMA,
    apply_fixes,
    check,
    exit_code,
    findings_json,
    summarize_findings,
)


@pytest.fixture
def frame(with_lineage) -> pl.DataFrame:
    return with_lineage(
        pl.DataFrame(
            {
                "booking_text": ["Brot\u00a0Laib ", "Brötchen", "Kaffee\u200b", "Brot\x1fLaib"],
                "party_name": ["MÃ¼ller GmbH", "Bäckerei", None, "Weiß"],
            }
        )
    )


def test_fixes_are_only_proposed(frame):
    findings = check(frame, "receipts", settings=None)
    assert findings.schema == FINDINGS_SCHEMA
    proposed = (
        findings.filter(pl.col("suggestion").is_not_null())
        .select("row", "rule", "suggestion")
        .rows()
    )
    assert sorted(proposed) == [
        (2, "encoding.exotic_space", "Brot Laib "),
        (2, "encoding.mojibake", "Müller GmbH"),
        (2, "encoding.outer_space", "Brot\u00a0Laib"),
        (4, "encoding.exotic_space", "Kaffee"),
    ]
    assert frame["booking_text"][0] == "Brot\u00a0Laib "


def test_apply_fixes_records_changes(frame):
    findings = check(frame, "receipts", settings=None)
    fixed, applied = apply_fixes(frame, findings)
    assert fixed["booking_text"].to_list() == ["Brot Laib", "Brötchen", "Kaffee", "Brot\x1fLaib"]
    assert fixed["party_name"][0] == "Müller GmbH"
    assert applied.columns == ["file", "row", "column", "rule", "old", "new"]
    assert applied.filter(pl.col("column") == "booking_text").select(
        "row", "old", "new"
    ).rows() == [
        (2, "Brot\u00a0Laib ", "Brot Laib "),
        (2, "Brot Laib ", "Brot Laib"),
        (4, "Kaffee\u200b", "Kaffee"),
    ]
    # after the fixes only the control character is left (not a safe fix)
    assert check(fixed, "receipts", settings=None)["rule"].to_list() == [
        "encoding.control_character"
    ]


def test_apply_fixes_without_lineage():
    frame = pl.DataFrame({"party_name": ["Bäckerei", " NÃ¼rnberger Hof"]})
    fixed, applied = apply_fixes(frame, check(frame, "receipts", settings=None))
    assert fixed["party_name"].to_list() == ["Bäckerei", "Nürnberger Hof"]
    assert applied.select("file", "row").rows() == [(None, 2), (None, 2)]


def test_apply_selected_rules_only(frame):
    findings = check(frame, "receipts", settings=None)
    fixed, applied = apply_fixes(frame, findings, rules=["encoding.mojibake"])
    assert applied["rule"].to_list() == ["encoding.mojibake"]
    assert fixed["booking_text"].equals(frame["booking_text"])
    with pytest.raises(ValueError, match="not a safe"):
        apply_fixes(frame, findings, rules=["encoding.control_character"])


def test_json_and_summary(frame):
    findings = check(frame, "receipts", settings=None)
    records = findings_json(findings)
    assert list(records[0]) == list(FINDINGS_SCHEMA)
    assert json.loads(json.dumps(records, ensure_ascii=False)) == records
    summary = summarize_findings(findings)
    assert dict(zip(summary["rule"], summary["count"], strict=True))["encoding.exotic_space"] == 2
    assert exit_code(findings) == 2
    assert findings_json(findings.clear()) == []
