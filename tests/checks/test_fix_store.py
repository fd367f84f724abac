"""Issue 15, item 5: safe fixes are saved, so they survive a reload (and reach the transfer),
with an audit log entry; a file corrected at its source is left alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from workbench.checks import SAFE_FIXES
from workbench.pipeline import check_run, fix_run, load_run, map_run
from workbench.pipeline.connection import connect

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def safe(findings: pl.DataFrame) -> pl.DataFrame:
    return findings.filter(
        pl.col("rule").is_in(list(SAFE_FIXES)) & pl.col("suggestion").is_not_null()
    )


@pytest.fixture
def expense(tmp_path):
    path = tmp_path / "receipts_juston_expense.csv"
    shutil.copy(SAMPLES / path.name, path)
    shutil.copytree(SAMPLES / "belege", tmp_path / "belege")
    return path


def test_saved_fixes_survive_a_reload_and_reach_the_mapping(expense):
    with connect() as connection:
        run = check_run(load_run("receipts", [expense]), client="455148-1", connection=connection)
        proposed = safe(run.findings)
        assert proposed.height >= 2  # NBSP and mojibake in the sample
        fixed, applied = fix_run(run, connection)
        assert applied.height == proposed.height
        assert safe(fixed.findings).is_empty()
        reloaded = check_run(
            load_run("receipts", [expense]), client="455148-1", connection=connection
        )
        assert safe(reloaded.findings).is_empty()
        assert reloaded.applied_fixes.height == applied.height
        mapped = map_run(reloaded).mapping
        names = set(mapped.records["supplierName"].drop_nulls().to_list())
        assert {
            row["new"]
            for row in applied.filter(pl.col("column") == "party_name").iter_rows(named=True)
        } <= names
        audit = [
            entry
            for entry in connection.ledger.audit_log()
            if entry["action"] == "Korrekturen gespeichert"
        ]
        assert audit and expense.name in audit[0]["details"]


def test_fixes_belong_to_their_client_and_file_content(expense):
    with connect() as connection:
        run = check_run(load_run("receipts", [expense]), client="455148-1", connection=connection)
        fix_run(run, connection)
        other_client = check_run(
            load_run("receipts", [expense]), client="455148-2", connection=connection
        )
        assert other_client.applied_fixes.is_empty()
        expense.write_bytes(expense.read_bytes() + b"\r\n")  # corrected or changed at the source
        changed = check_run(
            load_run("receipts", [expense]), client="455148-1", connection=connection
        )
        assert changed.applied_fixes.is_empty()
        assert not safe(changed.findings).is_empty()
