"""``workbench check pos --pos-mapping``: the transit account's balance per period
(``pos.unbalanced``) and the mapping's other POS findings show at ``check`` as they do at
``map``, in the terminal, the JSON and the Excel Prüfbericht (tour 27, defect 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from workbench.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
POS = SAMPLES / "pos_lightspeed.csv"
MAPPING = SAMPLES / "pos_mapping.toml"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def _rules_by_row(findings: list[dict]) -> set[tuple[int, str]]:
    return {(finding["row"], finding["rule"]) for finding in findings}


@pytest.fixture(scope="module")
def mapped_findings(tmp_path_factory):
    """What ``map`` reports for the sample POS file: the yardstick for ``check``."""
    out = tmp_path_factory.mktemp("map")
    result = invoke(
        "map", "pos", POS, "--client", "455148-1", "--pos-mapping", MAPPING,
        "--out", out, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert any(finding["rule"] == "pos.unbalanced" for finding in findings)
    return findings


def test_check_with_the_mapping_reports_what_map_reports(mapped_findings):
    result = invoke(
        "check", "pos", POS, "--client", "455148-1", "--pos-mapping", MAPPING, "--format", "json"
    )
    assert result.exit_code == 2, result.stderr
    checked = json.loads(result.stdout)
    assert _rules_by_row(checked) == _rules_by_row(mapped_findings)
    unbalanced = [finding for finding in checked if finding["rule"] == "pos.unbalanced"]
    rows = {finding["row"] for finding in unbalanced}
    assert rows == {56, 58, 59, 60, 61, 338, 339, 340, 341, 342}
    assert "am 14.01.2026" in unbalanced[0]["message"]
    assert "Zwischenkonto" not in result.stderr  # the balance was checked: no note


def test_check_table_and_excel_list_the_unbalanced_days(tmp_path):
    table = invoke("check", "pos", POS, "--client", "455148-1", "--pos-mapping", MAPPING)
    assert table.exit_code == 2, table.stderr
    assert "pos.unbalanced" in table.stdout and "Tagesabschluss nicht ausgeglichen" in table.stdout
    written = invoke(
        "check", "pos", POS, "--client", "455148-1", "--pos-mapping", MAPPING,
        "--format", "xlsx", "--out", tmp_path / "pruef.xlsx",
    )  # fmt: skip
    assert written.exit_code == 2, written.stderr
    sheet = load_workbook(tmp_path / "pruef.xlsx")["Befunde"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    rule = header.index("Regel")
    rules = [row[rule] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rules.count("pos.unbalanced") == 10


def test_check_without_the_mapping_says_the_balance_was_not_checked():
    table = invoke("check", "pos", POS, "--client", "455148-1")
    assert table.exit_code == 2, table.stderr  # the loader's errors, as before
    assert "Fehler pos.unbalanced" not in table.stdout
    note = "Zwischenkonto nicht geprüft"
    assert note in table.stdout and "--pos-mapping" in table.stdout
    as_json = invoke("check", "pos", POS, "--client", "455148-1", "--format", "json")
    assert note in as_json.stderr
    assert {finding["rule"] for finding in json.loads(as_json.stdout)} == {
        "field.unparseable",
        "amount.zero",
    }


def test_check_help_offers_the_mapping_as_map_does():
    check = invoke("check", "--help").stdout
    assert "--pos-mapping" in check and "Kontenzuordnung für Kassenumsätze" in check
