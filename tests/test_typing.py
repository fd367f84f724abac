"""The pipeline's public types say what flows between the stages: no ``Any`` in them.

``make lint`` runs mypy on ``workbench/``; this test keeps the stage functions and ``Run`` (in
``workbench/pipeline.py`` or a ``workbench/pipeline/`` package) free of ``Any``, which mypy
accepts silently.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


def _pipeline_modules() -> list[Path]:
    single = PACKAGE / "pipeline.py"
    return [single] if single.exists() else sorted((PACKAGE / "pipeline").glob("*.py"))


def _annotations(node: ast.AST) -> list[ast.expr]:
    """Parameter, return and field annotations of a public function or class."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
        found = [a.annotation for a in every if a.annotation is not None]
        return [*found, node.returns] if node.returns is not None else found
    if isinstance(node, ast.ClassDef):
        found = []
        for item in node.body:
            if isinstance(item, ast.AnnAssign):
                found.append(item.annotation)
            elif isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                found += _annotations(item)
        return found
    return []


def _mentions_any(annotation: ast.expr) -> bool:
    return any(
        (isinstance(part, ast.Name) and part.id == "Any")
        or (isinstance(part, ast.Attribute) and part.attr == "Any")
        for part in ast.walk(annotation)
    )


def test_no_any_in_the_pipelines_public_types():
    offenders = [
        f"{path.name}:{annotation.lineno} {node.name}"
        for path in _pipeline_modules()
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        for annotation in _annotations(node)
        if _mentions_any(annotation)
    ]
    assert offenders == []
