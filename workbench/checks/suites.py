"""Load the Great Expectations suites in ``expectations/`` and resolve their client parameters.

A suite is plain GX 1.x ExpectationSuite JSON. The workbench reads three things from it besides
GX's own fields: each expectation's ``meta`` (``rule``, ``severity``, German ``message`` and
``expected`` templates, optional ``targets``, ``report_column`` and ``suggest``) and the suite's
``meta.workbench.derived_columns`` (helper columns such as ``net + tax_amount - gross`` that both
engines receive precomputed, because core GX has no expectation for a sum of two columns against
a third).

Parameters: client-dependent bounds are GX suite parameters (``{"$PARAMETER": "account_length"}``)
that GX 1.24 resolves from ``expectation_parameters``; the polars engine resolves them the same
way. An expectation whose parameter is not known (no period given, no account length) is skipped
on both engines.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from workbench.clients import ClientSettings
from workbench.errors import ConfigError
from workbench.resources import resource_path

__all__ = ["Expectation", "Suite", "load_suite", "suite_parameters", "suites_dir"]

SEVERITIES = ("error", "warning", "info")


def suites_dir() -> Path:
    """``$WORKBENCH_EXPECTATIONS`` or the suites shipped with the package."""
    override = os.environ.get("WORKBENCH_EXPECTATIONS")
    if override:
        return Path(override)
    return resource_path("expectations")


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite, as GX JSON plus the workbench's reading of its ``meta``."""

    index: int
    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]

    @property
    def rule(self) -> str:
        return self.meta["rule"]

    @property
    def severity(self) -> str:
        return self.meta["severity"]

    @property
    def column(self) -> str:
        return self.kwargs["column"]

    @property
    def report_column(self) -> str:
        return self.meta.get("report_column") or self.column

    @property
    def parameters(self) -> set[str]:
        return _parameter_names(self.kwargs)

    def applies_to(self, target: str) -> bool:
        targets = self.meta.get("targets")
        return targets is None or target in targets

    def to_gx(self) -> dict[str, Any]:
        """The GX configuration (with the suite index in ``meta`` to map results back)."""
        return {
            "type": self.type,
            "kwargs": self.kwargs,
            "meta": {**self.meta, "workbench_index": self.index},
        }


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its name, expectations and derived helper columns."""

    name: str
    expectations: tuple[Expectation, ...]
    derived_columns: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def derived_exprs(self) -> list[pl.Expr]:
        return [to_polars(text).alias(name) for name, text in self.derived_columns.items()]

    def select(self, *, target: str, parameters: Mapping[str, Any]) -> list[Expectation]:
        """The expectations that apply to ``target`` and whose parameters are all known."""
        return [
            e
            for e in self.expectations
            if e.applies_to(target) and all(parameters.get(p) is not None for p in e.parameters)
        ]


def load_suite(kind: str, *, folder: Path | None = None) -> Suite:
    """Read ``expectations/<kind>.json``.

    >>> load_suite("receipts").name
    'receipts'
    """
    return _load(str(folder or suites_dir()), kind)


@cache
def _load(folder: str, kind: str) -> Suite:
    path = Path(folder) / f"{kind}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Die Prüfregeln für '{kind}' fehlen ({path}).", file=path.name) from None
    except ValueError as error:
        raise ConfigError(
            f"Die Prüfregeln {path} sind kein gültiges JSON: {error}", file=path.name
        ) from error
    expectations = []
    for index, item in enumerate(raw.get("expectations", ())):
        meta = item.get("meta") or {}
        if "rule" not in meta or meta.get("severity") not in SEVERITIES or "message" not in meta:
            raise ConfigError(
                f"Erwartung {index} in {path.name} hat kein vollständiges 'meta' "
                "(rule, severity, message).",
                file=path.name,
            )
        # Both engines check columns, row by row: a table-level expectation has no rows to name.
        if not (item.get("kwargs") or {}).get("column"):
            raise ConfigError(
                f"Erwartung {index} ({item.get('type')}) in {path.name} nennt keine Spalte "
                "(kwargs.column); die Workbench prüft nur Erwartungen an Spalten.",
                file=path.name,
            )
        expectations.append(
            Expectation(index, item["type"], dict(item.get("kwargs") or {}), dict(meta))
        )
    derived = ((raw.get("meta") or {}).get("workbench") or {}).get("derived_columns") or {}
    return Suite(raw.get("name", kind), tuple(expectations), dict(derived), raw)


def suite_parameters(
    settings: ClientSettings | None, *, period: tuple[date, date] | None = None
) -> dict[str, Any]:
    """The values of the suites' ``$PARAMETER``s for a client and transfer period."""
    params: dict[str, Any] = {}
    if settings is not None:
        params["account_length"] = settings.account_length
        params["personal_account_length"] = settings.personal_account_length
        if settings.document_types:
            params["activated_document_types"] = settings.activated_document_types
            params["document_types_without_folder"] = settings.document_types_without_folder
    if period is not None:
        start, end = period
        params["period_start"] = start
        params["period_end"] = end
        months, year, month = [], start.year, start.month
        while (year, month) <= (end.year, end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        params["period_months"] = months
        params["period_label"] = f"{start:%d.%m.%Y} bis {end:%d.%m.%Y}"
    return params


def resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    """Replace ``{"$PARAMETER": name}`` by its value (recursively)."""
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return parameters[value["$PARAMETER"]]
        return {k: resolve(v, parameters) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, parameters) for v in value]
    return value


def _parameter_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {value["$PARAMETER"]}
        return set().union(*(_parameter_names(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_parameter_names(v) for v in value)) if value else set()
    return set()


# --- derived-column expressions -------------------------------------------------------------------

_BINARY = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__"}


def to_polars(text: str) -> pl.Expr:
    """Translate a small arithmetic expression (columns, numbers, + - * /, abs, round) to polars.

    >>> str(to_polars("net + tax_amount - gross"))
    '[([(col("net")) + (col("tax_amount"))]) - (col("gross"))]'
    """
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as error:
        raise ConfigError(f"Die abgeleitete Spalte '{text}' ist ungültig: {error}") from error
    return _node(tree, text)


def _node(node: ast.AST, text: str) -> pl.Expr:
    if isinstance(node, ast.Name):
        return pl.col(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return pl.lit(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return getattr(_node(node.left, text), _BINARY[type(node.op)])(_node(node.right, text))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_node(node.operand, text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_node(a, text) for a in node.args]
        if node.func.id == "abs" and len(args) == 1:
            return args[0].abs()
        if node.func.id == "round" and len(node.args) in (1, 2):
            digits = node.args[1].value if len(node.args) == 2 else 0  # type: ignore[attr-defined]
            # half away from zero: XPath's round() in the EN 16931 artefacts rounds 53,305 to
            # 53,31 (polars' default, half to even, gives 53,30); equal for the absolute values
            # the suites round
            return args[0].round(int(digits), mode="half_away_from_zero")
    raise ConfigError(
        f"Die abgeleitete Spalte '{text}' verwendet nicht unterstützte Ausdrücke "
        "(erlaubt: Spalten, Zahlen, + - * /, abs, round)."
    )
