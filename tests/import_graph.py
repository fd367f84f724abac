"""The import graph of ``workbench/``, read from the source with ``ast`` (nothing is imported).

Used by ``tests/test_layers.py`` (layers only point down, no cycles) and run as a script to print
the table of who imports whom between subpackages for ``docs/architecture.md``::

    python tests/import_graph.py          # the Markdown table
    python tests/import_graph.py --write  # refresh the table in docs/architecture.md
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "workbench"
DOC = REPO / "docs" / "architecture.md"
BEGIN, END = "<!-- import-graph:begin -->", "<!-- import-graph:end -->"


@dataclass(frozen=True)
class Import:
    """One ``import`` statement of a workbench module that names another workbench module."""

    source: str  # importing module, e.g. "workbench.pipeline.check"
    target: str  # imported module, e.g. "workbench.checks" (a package means its __init__)
    line: int
    type_checking: bool  # inside ``if TYPE_CHECKING:``
    local: bool  # inside a function


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (``workbench.x`` for ``workbench/x/__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def subpackage(module: str) -> str:
    """``workbench.pipeline.check`` → ``pipeline``; the package itself → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of one workbench module by another, wherever it is written."""
    known = modules(package)
    found = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, type_checking, local in _walk(tree):
            for target in _targets(node, name, path, known):
                if target != name:
                    found.append(Import(name, target, node.lineno, type_checking, local))
    return found


def _walk(tree: ast.AST):
    """Import nodes with whether they sit under ``if TYPE_CHECKING:`` and inside a function."""
    stack = [(tree, False, False)]
    while stack:
        node, type_checking, local = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, type_checking, local
        for child in ast.iter_child_nodes(node):
            guarded = type_checking or (
                isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body
            )
            inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            stack.append((child, guarded, inner))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(
    node: ast.Import | ast.ImportFrom, name: str, path: Path, known: dict[str, Path]
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in known]
    base = node.module or ""
    if node.level:
        anchor = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    if base not in known:
        return []
    # ``from workbench.transfer import jobs`` imports the module workbench.transfer.jobs
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def subpackage_graph(found: list[Import]) -> dict[str, set[str]]:
    """Who imports whom between subpackages (any import, function-local and TYPE_CHECKING
    ones included)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in found:
        source, target = subpackage(edge.source), subpackage(edge.target)
        if source != target:
            graph[source].add(target)
    return graph


def markdown_table(graph: dict[str, set[str]]) -> str:
    """The graph as a Markdown table, one row per importing subpackage."""
    rows = ["| subpackage | imports from |", "|---|---|"]
    names = sorted(set(graph) | {target for targets in graph.values() for target in targets})
    for name in names:
        targets = ", ".join(f"`{target}`" for target in sorted(graph.get(name, ())))
        rows.append(f"| `{name}` | {targets or '–'} |")
    return "\n".join(rows)


def documented_table(doc: Path = DOC) -> str:
    """The table as committed in docs/architecture.md (between the markers)."""
    text = doc.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write_table(doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    table = markdown_table(subpackage_graph(imports()))
    doc.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write_table()
    else:
        print(markdown_table(subpackage_graph(imports())))
