"""Module and function sizes of ``workbench/``, measured with ``ast`` (house rule: small pieces).

The rule (issue 12, item 4): no function over 100 lines, no module over 500 lines. Field tables
are excepted: a ``*_fields.py`` module, or one that is mostly module-level data (top-level
assignments span at least half of its lines). ``tests/test_code_size.py`` enforces the rule;
run this file to see the numbers, for the working tree or for any git revision:

    .venv/bin/python tests/code_size.py                      # working tree
    .venv/bin/python tests/code_size.py --rev origin/main    # a commit, read through git
    .venv/bin/python tests/code_size.py --rev A --rev B      # before/after, side by side

A function's length counts from its first decorator to its last line, docstring included; a
nested function counts for itself and as part of the function around it.

Scope: the ``workbench`` package. ``expectations/build.py`` (about 790 lines, no function over
100) is outside it: a developer script that writes the committed suite JSON, most of it the
suites' content, and never imported at run time.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FUNCTION_LINES = 100
MAX_MODULE_LINES = 500
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "workbench"


@dataclass(frozen=True)
class ModuleSize:
    path: str
    lines: int
    data_lines: int

    @property
    def field_table(self) -> bool:
        """A ``*_fields.py`` module, or one whose top-level assignments span half its lines."""
        return self.path.endswith("_fields.py") or 2 * self.data_lines >= self.lines


@dataclass(frozen=True)
class FunctionSize:
    path: str
    name: str
    line: int
    lines: int


def _functions(
    node: ast.AST, prefix: str = ""
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{prefix}{child.name}", child
            yield from _functions(child, f"{prefix}{child.name}.")
        elif isinstance(child, ast.ClassDef):
            yield from _functions(child, f"{prefix}{child.name}.")
        else:
            yield from _functions(child, prefix)


def measure_source(path: str, text: str) -> tuple[ModuleSize, list[FunctionSize]]:
    """The size of one module and of each function (and method) in it."""
    tree = ast.parse(text, filename=path)
    data = sum(
        node.end_lineno - node.lineno + 1  # type: ignore[operator]
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
    )
    module = ModuleSize(path=path, lines=len(text.splitlines()), data_lines=data)
    functions = []
    for name, node in _functions(tree):
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = node.end_lineno - first + 1  # type: ignore[operator]
        functions.append(FunctionSize(path=path, name=name, line=first, lines=length))
    return module, functions


def _sources(rev: str | None) -> Iterator[tuple[str, str]]:
    if rev is None:
        for file in sorted((ROOT / PACKAGE).rglob("*.py")):
            yield file.relative_to(ROOT).as_posix(), file.read_text(encoding="utf-8")
        return
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, "--", PACKAGE],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in sorted(p for p in listing if p.endswith(".py")):
        text = subprocess.run(
            ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        yield path, text


def measure(rev: str | None = None) -> tuple[list[ModuleSize], list[FunctionSize]]:
    """Every module of ``workbench/`` and every function in it (working tree, or ``rev``)."""
    modules, functions = [], []
    for path, text in _sources(rev):
        module, found = measure_source(path, text)
        modules.append(module)
        functions += found
    return modules, functions


def offenders(
    modules: list[ModuleSize], functions: list[FunctionSize]
) -> tuple[list[ModuleSize], list[FunctionSize]]:
    """Modules over the limit (field tables excepted) and functions over the limit."""
    big = [m for m in modules if m.lines > MAX_MODULE_LINES and not m.field_table]
    long = [f for f in functions if f.lines > MAX_FUNCTION_LINES]
    return big, long


def _report(label: str, modules: list[ModuleSize], functions: list[FunctionSize], top: int) -> str:
    big, long = offenders(modules, functions)
    out = [
        f"## {label}",
        "",
        f"{len(modules)} modules, {sum(m.lines for m in modules)} lines; "
        f"{len(big)} modules over {MAX_MODULE_LINES} lines (field tables excepted), "
        f"{len(long)} functions over {MAX_FUNCTION_LINES} lines.",
        "",
        f"Modules over {MAX_MODULE_LINES * 4 // 5} lines:",
        "",
        "| module | lines | top-level data lines | field table |",
        "|---|---:|---:|---|",
    ]
    for m in sorted(modules, key=lambda m: -m.lines):
        if m.lines > MAX_MODULE_LINES * 4 // 5:
            out.append(
                f"| {m.path} | {m.lines} | {m.data_lines} | {'yes' if m.field_table else ''} |"
            )
    out += ["", f"The {top} longest functions:", "", "| function | lines |", "|---|---:|"]
    for f in sorted(functions, key=lambda f: (-f.lines, f.path, f.line))[:top]:
        out.append(f"| {f.path}:{f.line} `{f.name}` | {f.lines} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", action="append", help="a git revision (repeatable)")
    parser.add_argument("--top", type=int, default=15, help="how many functions to list")
    args = parser.parse_args()
    for rev in args.rev or [None]:
        modules, functions = measure(rev)
        print(_report(rev or "working tree", modules, functions, args.top))
        print()


if __name__ == "__main__":
    main()
