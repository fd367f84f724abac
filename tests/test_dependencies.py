"""Every declared dependency is used, and every library the package imports is declared.

A dependency counts as used when ``workbench/`` imports one of its modules (function-local imports
included) or when it is listed in ``USED_WITHOUT_IMPORT`` with what needs it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: Declared, needed at run time, never imported by name.
USED_WITHOUT_IMPORT = {
    "jupyterlab": "hosts the widget app and the notebooks (make lab)",
    "voila": "serves the widget app as a web page (make app)",
    "python-multipart": "starlette parses the sandbox's multipart uploads with it",
}
#: Imported, on purpose not a dependency: the import is guarded and the feature optional.
OPTIONAL_IMPORTS = {
    "pyspark": "Great Expectations on the user's own Spark",
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]).lower()


def _imported_modules() -> set[str]:
    modules = set()
    for path in (REPO / "workbench").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"workbench"}


def _distributions_of(modules: set[str]) -> dict[str, set[str]]:
    """Distribution name -> the imported modules it provides (absent ones under the module)."""
    provided = packages_distributions()
    found: dict[str, set[str]] = {}
    for module in modules:
        for distribution in provided.get(module, [module]):
            found.setdefault(_name(distribution), set()).add(module)
    return found


def test_every_declared_dependency_is_used():
    declared = {_name(requirement) for requirement in PYPROJECT["dependencies"]}
    imported = set(_distributions_of(_imported_modules()))
    unused = sorted(declared - imported - set(USED_WITHOUT_IMPORT))
    assert unused == []
    listed_but_imported = sorted(set(USED_WITHOUT_IMPORT) & imported)
    assert listed_but_imported == []


def test_every_imported_library_is_declared():
    declared = {
        _name(requirement)
        for group in [PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"].values()]
        for requirement in group
    }
    undeclared = {
        distribution: modules
        for distribution, modules in _distributions_of(_imported_modules()).items()
        if distribution not in declared and not modules <= set(OPTIONAL_IMPORTS)
    }
    assert undeclared == {}
