"""The suites in ``expectations/``: in step with their build script, complete metadata, polars
engine details (regex dialect, row conditions) and the invoices' required fields per kind."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from workbench.checks import check, load_suite
from workbench.checks.engine_polars import SUPPORTED, condition_expr, python_regex_to_rust
from workbench.checks.suites import to_polars
from workbench.errors import ConfigError

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
KINDS = ("receipts", "invoices", "positions", "calls", "pos")


def _build():
    spec = importlib.util.spec_from_file_location("expectations_build", EXPECTATIONS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "kind", [*KINDS, "einvoice", "einvoice_lines", "einvoice_vat", "einvoice_charges"]
)
def test_suite_json_is_in_step_with_build_script(kind):
    assert (EXPECTATIONS / f"{kind}.json").read_text(encoding="utf-8") == _build().render(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_every_expectation_has_rule_severity_and_german_message(kind):
    suite = load_suite(kind)
    assert suite.name == kind and suite.expectations
    for expectation in suite.expectations:
        assert expectation.type in SUPPORTED
        family = expectation.rule.split(".")[0]
        assert family in {
            "encoding",
            "account",
            "fiscal_year",
            "field",
            "amount",
            "duplicate",
            "cash",
            "attachment",
            "document_types",
            "transfer",
            "calls",
        }
        assert expectation.severity in ("error", "warning", "info")
        message = expectation.meta["message"]
        assert message.endswith(".") and any(w in message for w in ("Sie", "wird nicht"))
    raw = json.loads((EXPECTATIONS / f"{kind}.json").read_text(encoding="utf-8"))
    assert {"name", "expectations", "meta"} <= set(raw)


def test_client_parameters_are_gx_suite_parameters():
    suite = load_suite("receipts")
    parameters = set().union(*(e.parameters for e in suite.expectations))
    assert parameters == {
        "account_length",
        "personal_account_length",
        "period_start",
        "period_end",
        "period_months",
        "activated_document_types",
        "document_types_without_folder",
    }


@pytest.mark.parametrize(
    ("pattern", "text", "python"),
    [
        ("^[A-Z]{2}$", "DE\n", True),
        ("^[A-Z]{2}$", "DE", True),
        ("[^A-Z$]", "A$", False),
        ("a\\$", "a$", True),
        ("(?i)\\.(pdf)$", "x.PDF", True),
        ("[]$]", "$", True),
    ],
)
def test_python_regex_semantics_in_polars(pattern, text, python):
    import re

    assert bool(re.search(pattern, text)) is python
    assert pl.Series([text]).str.contains(python_regex_to_rust(pattern))[0] is python


def test_row_conditions_follow_pandas_query():
    frame = pl.DataFrame({"k": ["DE", None, "AT"], "n": [1, None, 3]})

    def rows(condition):
        return frame.select(condition_expr(condition)).to_series().to_list()

    column = {"name": "k"}
    assert rows(
        {"type": "comparison", "column": column, "operator": "IN", "parameter": ["DE"]}
    ) == [True, False, False]
    assert rows(
        {"type": "comparison", "column": column, "operator": "NOT_IN", "parameter": ["DE"]}
    ) == [False, True, True]
    assert rows({"type": "comparison", "column": column, "operator": "!=", "parameter": "DE"}) == [
        False,
        True,
        True,
    ]
    assert rows(
        {
            "type": "and",
            "conditions": [
                {"type": "nullity", "column": {"name": "n"}, "is_null": False},
                {"type": "comparison", "column": {"name": "n"}, "operator": ">", "parameter": 1},
            ],
        }
    ) == [False, False, True]
    with pytest.raises(ConfigError, match="Zeichenketten"):
        condition_expr('k == "DE"')


def test_derived_columns():
    frame = pl.DataFrame({"net": [100.0], "tax_amount": [19.0], "gross": [119.01]})
    assert frame.select(to_polars("abs(net + tax_amount - gross)")).item() == pytest.approx(0.01)
    with pytest.raises(ConfigError, match="nicht unterstützte"):
        to_polars("__import__('os')")


@pytest.mark.parametrize(
    ("kind", "missing", "rules"),
    [
        ("Rechnung", "city", ["field.required"]),
        ("Storno", "city", []),
        ("Eingangsrechnung", "net", []),
        ("Gutschrift", "net", ["field.required"]),
        ("Storno", "terms", ["field.required"]),
    ],
)
def test_invoice_required_fields_per_kind(kind, missing, rules, settings):
    row = {
        "invoice_kind": kind,
        "invoice_id": "RE-2026-0001",
        "date": date(2026, 1, 5),
        "party_name": "Bäckerei Müller GmbH",
        "street": "Hauptstraße 1",
        "zip": "90402",
        "city": "Nürnberg",
        "country": "DE",
        "currency_code": "EUR",
        "net": 100.0,
        "tax_amount": 19.0,
        "gross": 119.0,
        "account_no": "8400",
        "party_account_no": "10001",
        "attachment": "RE-2026-0001.pdf",
        "terms": "AGB",
    }
    row[missing] = None
    from workbench.sources import canonical_schema

    schema = {k: v for k, v in canonical_schema("invoices").items() if k in row}
    frame = pl.DataFrame([row], schema=schema)
    findings = check(frame, "invoices", settings=settings, period=("2026-01", "2026-03"))
    assert findings["rule"].to_list() == rules


def test_unknown_suite(tmp_path):
    with pytest.raises(ConfigError, match="fehlen"):
        load_suite("nope", folder=tmp_path)


def test_a_table_level_expectation_is_refused_when_the_suite_loads(tmp_path):
    meta = {"rule": "table.rows", "severity": "error", "message": "zu wenige Zeilen"}
    suite = {
        "name": "tablewide",
        "expectations": [
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {"min_value": 1},
                "meta": meta,
            }
        ],
    }
    (tmp_path / "tablewide.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"Erwartung 0 \(expect_table_row_count.*nennt keine Spalte"
    ):
        load_suite("tablewide", folder=tmp_path)
