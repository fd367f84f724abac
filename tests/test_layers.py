"""Layers only point down, and no two modules import each other (issue 12, item 3).

Read from the source with ``ast``: function-local imports and ``if TYPE_CHECKING:`` imports
count for the layer rule; for cycles, ``TYPE_CHECKING`` imports are left out (they never run).
"""

from __future__ import annotations

import textwrap

import pytest
from import_graph import (
    Import,
    documented_table,
    imports,
    markdown_table,
    modules,
    subpackage,
    subpackage_graph,
)

#: Bottom first. A subpackage may import from its own and from lower layers only.
LAYERS: list[set[str]] = [
    {"errors", "rule_titles"},  # no imports at all
    {
        "config",
        "findings",
        "german",
        "kinds",
        "listings",
        "resources",
        "spreadsheets",
        "sqlite_file",
    },
    {"charts", "clients", "excel", "mail"},
    {"sources", "datev"},
    {"checks", "samples", "bank"},
    {"mapping"},
    {"transfer"},
    {"calls", "talk", "reconcile"},
    # The sandbox stands in for DATEV: only the composition above the transfer layer starts it
    # (pipeline/connection.py), and it knows nothing of the client side (see BOTTOM_ONLY).
    {"sandbox"},
    {"pipeline"},
    {"reports", "ui"},
    # Unattended runs (schedules, backfill, fan-out) call the stages and the reports.
    {"operations"},
    {"cli"},
    {"__init__", "__main__"},
]
#: Subpackages that may import from the bottom layers only, whatever their own layer.
BOTTOM_ONLY = {"sandbox": 2}
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def violations(found: list[Import]) -> list[str]:
    problems = []
    for edge in found:
        source, target = subpackage(edge.source), subpackage(edge.target)
        if source == target:
            continue
        highest = BOTTOM_ONLY.get(source, RANK[source] - 1)
        if RANK[target] > highest:
            problems.append(
                f"{edge.source} (line {edge.line}) imports {edge.target}: "
                f"{source} may not import {target}"
            )
    return problems


def cycles(found: list[Import]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {}
    for edge in found:
        if not edge.type_checking:
            graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_every_subpackage_has_a_layer():
    names = {subpackage(name) for name in modules()}
    assert names <= set(RANK), f"give these a layer in LAYERS: {sorted(names - set(RANK))}"


def test_layers_only_point_down():
    assert violations(imports()) == []


def test_no_import_cycles_between_modules():
    assert cycles(imports()) == []


def test_issue_12_layer_rules_hold():
    """The rules as issue 12 words them, checked on the subpackage graph."""
    graph = subpackage_graph(imports())
    forbidden = {
        "sources": {"checks", "mapping", "transfer", "ui", "reports"},
        "datev": {"mapping", "transfer", "checks", "ui"},
        "checks": {"mapping", "transfer", "ui"},
        "mapping": {"transfer", "ui"},
        "transfer": {"sandbox"},
    }
    for source, targets in forbidden.items():
        assert not graph.get(source, set()) & targets, (source, graph.get(source))


def test_the_documented_import_graph_is_current():
    assert documented_table() == markdown_table(subpackage_graph(imports())), (
        "run: python tests/import_graph.py --write"
    )


# --- the checker itself ------------------------------------------------------------------------


@pytest.fixture
def package(tmp_path):
    root = tmp_path / "workbench"

    def write(files: dict[str, str]):
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


def test_a_function_local_upward_import_is_a_violation(package):
    root = package(
        {
            "__init__.py": "",
            "sources/__init__.py": "",
            "sources/loader.py": "def load():\n    from workbench.checks import check\n",
            "checks/__init__.py": "check = 1\n",
        }
    )
    assert violations(imports(root)) == [
        "workbench.sources.loader (line 2) imports workbench.checks: sources may not import checks"
    ]


def test_a_type_checking_import_counts_for_layers_but_not_for_cycles(package):
    root = package(
        {
            "__init__.py": "",
            "transfer/__init__.py": "",
            "transfer/jobs.py": """\
                from typing import TYPE_CHECKING

                from workbench.transfer.extf import send

                if TYPE_CHECKING:
                    from workbench.sandbox import Sandbox
                """,
            "transfer/extf.py": """\
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from workbench.transfer.jobs import Upload
                send = 1
                """,
            "sandbox/__init__.py": "Sandbox = 1\n",
        }
    )
    found = imports(root)
    assert violations(found) == [
        "workbench.transfer.jobs (line 6) imports workbench.sandbox: "
        "transfer may not import sandbox"
    ]
    assert cycles(found) == []


def test_a_cycle_through_a_function_local_import_is_found(package):
    root = package(
        {
            "__init__.py": "",
            "transfer/__init__.py": "",
            "transfer/jobs.py": "def resume():\n    from workbench.transfer.extf import send\n",
            "transfer/extf.py": "from workbench.transfer.jobs import resume\nsend = 1\n",
        }
    )
    assert cycles(imports(root)) == [["workbench.transfer.extf", "workbench.transfer.jobs"]]


def test_the_sandbox_may_use_only_the_bottom(package):
    root = package(
        {
            "__init__.py": "",
            "sandbox/__init__.py": "from workbench.datev import limits\n",
            "datev/__init__.py": "",
            "datev/limits.py": "",
        }
    )
    assert violations(imports(root)) == [
        "workbench.sandbox (line 1) imports workbench.datev.limits: sandbox may not import datev"
    ]
