"""Habits the test suite keeps: speed is measured in benchmarks/, and nothing is skipped for data
the repository ships.

A test that times code and asserts on the result fails on a busy machine and passes on a fast
one; ``benchmarks/`` measures against a baseline in the same run instead. A skip is for an outside
resource only: ``conftest.shared_datev_path`` skips when DATEV's reference material is not beside
the checkout, and ``sandbox_contract.load`` when an OpenAPI file read from there is not.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: Clocks that measure how long code takes (waiting for a deadline uses ``time.monotonic``).
STOPWATCHES = {
    f"time.{name}"
    for name in ("perf_counter", "perf_counter_ns", "process_time", "process_time_ns")
}
SKIPS = {f"pytest.{name}" for name in ("skip", "skipif", "importorskip", "xfail")}
ALLOWED_SKIPS = {("conftest.py", "shared_datev_path"), ("sandbox_contract.py", "load")}


class _Attributes(ast.NodeVisitor):
    """(``root.name``, line, innermost enclosing function) of every attribute in a module."""

    def __init__(self) -> None:
        self.found: list[tuple[str, int, str | None]] = []
        self._functions: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        function = self._functions[-1] if self._functions else None
        self.found.append((f"{_root(node)}.{node.attr}", node.lineno, function))
        self.generic_visit(node)


def _root(node: ast.expr) -> str:
    """The name an attribute chain starts from: ``pytest`` for ``pytest.mark.skipif``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _calls(tree: ast.AST) -> list[tuple[str, int, str | None]]:
    visitor = _Attributes()
    visitor.visit(tree)
    return visitor.found


def _modules() -> list[tuple[Path, ast.AST]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(TESTS.rglob("*.py"))
        if ".ipynb_checkpoints" not in path.parts
    ]


def test_no_test_times_code():
    timed = sorted(
        {
            f"{path.relative_to(TESTS)}:{line}"
            for path, tree in _modules()
            for attr, line, _ in _calls(tree)
            if attr in STOPWATCHES
        }
    )
    assert timed == [], "time code in benchmarks/, not in tests"


def test_skips_only_for_outside_resources():
    skips = sorted(
        {
            f"{path.relative_to(TESTS)}:{line}"
            for path, tree in _modules()
            for attr, line, function in _calls(tree)
            if attr in SKIPS and (path.name, function) not in ALLOWED_SKIPS
        }
    )
    assert skips == []
