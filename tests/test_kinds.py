"""One registry of source kinds: complete for every kind, and nothing branches on a kind's name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbench.checks.suites import load_suite
from workbench.errors import ConfigError
from workbench.kinds import ITEM_ID_COLUMNS, KINDS, MATCH_FRAMES, SourceKind, Target, kind_spec
from workbench.pipeline.registry import REGISTRY
from workbench.sources import canonical_columns

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


@pytest.mark.parametrize("kind", list(SourceKind))
def test_every_kind_is_described_and_wired(kind):
    spec = KINDS[kind]
    assert spec.kind is kind and spec.label
    assert spec.default_target is spec.targets[0]
    columns = {column.name for column in canonical_columns(kind.value)}
    assert {spec.item_id_column, spec.period_column} <= columns
    assert spec.date_column is None or spec.date_column in columns
    for frame, item_column in spec.part_frames:
        assert item_column in {column.name for column in canonical_columns(frame)}
    assert load_suite(kind.value).name
    functions = REGISTRY[kind]
    assert callable(functions.load) and callable(functions.map)


def test_registry_and_vocabulary_list_the_same_kinds():
    assert set(REGISTRY) == set(KINDS) == set(SourceKind)
    frames = {kind.value for kind in SourceKind} | {"positions"} | dict(MATCH_FRAMES).keys()
    assert set(ITEM_ID_COLUMNS) == frames
    for frame, item_column in MATCH_FRAMES:
        assert item_column in {column.name for column in canonical_columns(frame)}


def test_kind_spec_takes_the_cli_name_and_says_what_is_allowed():
    assert kind_spec("pos").default_target is Target.EXTF
    assert kind_spec(SourceKind.CALLS).needs_client is False
    with pytest.raises(ConfigError, match="Quellart 'bank' ist unbekannt; erlaubt sind calls"):
        kind_spec("bank")


def test_the_cli_offers_exactly_the_registered_kinds():
    from typer.testing import CliRunner

    from workbench.cli import app

    result = CliRunner().invoke(app, ["check", "bank", "x.csv"])
    assert result.exit_code != 0
    for kind in SourceKind:
        assert kind.value in result.output + result.stderr


def _kind_name_branches(path: Path) -> list[str]:
    """``kind == "receipts"``-style tests (and ``in``/``!=``) on a kind's name."""
    names = {kind.value for kind in SourceKind}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        texts = {
            operand.value
            for operand in operands
            if isinstance(operand, ast.Constant) and isinstance(operand.value, str)
        }
        subjects = [
            operand.attr if isinstance(operand, ast.Attribute) else operand.id
            for operand in operands
            if isinstance(operand, ast.Attribute | ast.Name)
        ]
        if texts & names and any(subject.endswith("kind") for subject in subjects):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_no_module_branches_on_a_kind_name():
    """A place that needs to know something about a kind reads its KindSpec (there were 21
    ``kind == "…"`` tests before the registry)."""
    paths = sorted(PACKAGE.rglob("*.py"))
    assert [hit for path in paths for hit in _kind_name_branches(path)] == []
