"""The prediction table is complete: every rule that can raise an error names the DATEV rules it
predicts (or why it is stricter than DATEV), and only rules the sandbox's table lists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbench.checks.predictions import PREDICTIONS
from workbench.checks.suites import load_suite
from workbench.sandbox.rule_table import RULES

WORKBENCH = Path(__file__).resolve().parents[2] / "workbench"
#: The targets each kind's data can go to.
TARGETS = {
    "receipts": ("xml", "extf"),
    "invoices": ("xml", "extf"),
    "positions": ("xml", "extf"),
    "pos": ("extf",),
    "calls": ("expense",),
}
#: Rules that never raise an error (warnings and infos).
NOT_ERRORS = {
    "account.short",
    "calls.ambiguous_number",
    "calls.fax_number",
    "calls.inactive_addressee",
    "calls.no_client",
    "calls.overlap",
    "calls.unmatched_number",
    "calls.unparseable_number",
    "document_types.folder_unknown",
    "encoding.mojibake",
    "encoding.non_utf8",
    "field.formula_like",  # a warning: the value is sent as it is (spreadsheets)
    "field.truncated",
    "field.unnamed_column",  # a warning: the column's values are not taken
    "transfer.blocked",
}


def _error_expectations():
    for kind, targets in TARGETS.items():
        for expectation in load_suite(kind).expectations:
            if expectation.severity == "error":
                chosen = expectation.meta.get("targets") or targets
                yield kind, expectation, [t for t in chosen if t in targets]


@pytest.mark.parametrize("kind", list(TARGETS))
def test_every_error_of_the_suites_predicts_a_datev_rule(kind):
    for found_kind, expectation, targets in _error_expectations():
        if found_kind != kind:
            continue
        for target in targets:
            assert target in PREDICTIONS.get(expectation.rule, {}), (expectation.rule, target)


def _rule_literals() -> set[str]:
    """Rule ids written in the code of the checks, the call rules and the loader."""
    found = set()
    files = [*(WORKBENCH / "checks").glob("*.py"), *(WORKBENCH / "calls").glob("*.py"),
             WORKBENCH / "sources" / "loader.py"]  # fmt: skip
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                family = text.split(".")[0]
                if family in {"account", "amount", "attachment", "calls", "cash", "document_types",
                              "duplicate", "encoding", "field", "fiscal_year", "transfer"} and (
                    text.count(".") == 1 and text.replace(".", "").replace("_", "").isalnum()
                ):  # fmt: skip
                    found.add(text)
    return found


def test_every_rule_in_the_code_is_predicted_or_never_an_error():
    unknown = _rule_literals() - set(PREDICTIONS) - NOT_ERRORS
    assert not unknown, f"add these rules to workbench/checks/predictions.py: {sorted(unknown)}"


def test_predictions_name_only_rules_the_sandbox_lists():
    known = {rule.id for rule in RULES}
    for rule, targets in PREDICTIONS.items():
        for target, predicted in targets.items():
            assert target in {"xml", "extf", "expense"}, (rule, target)
            assert set(predicted.datev) <= known, (rule, target, set(predicted.datev) - known)
            assert predicted.datev or predicted.stricter, (rule, target)


def test_errors_that_are_always_stricter_say_so_in_their_message():
    """The call log itself never goes to DATEV (only the postings billed from it), so its data
    rules say what happens to the call instead ("wird nicht abgerechnet")."""
    for kind, expectation, targets in _error_expectations():
        if kind == "calls":
            continue
        predicted = [PREDICTIONS[expectation.rule][t] for t in targets]
        if predicted and not any(p.datev for p in predicted):
            assert "strenger als DATEV" in expectation.meta["message"], expectation.rule
