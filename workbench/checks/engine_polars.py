"""The fast path: a suite's expectations compiled to one lazy polars query.

Each supported expectation type becomes a boolean "unexpected" expression with GX's semantics on
pandas (nulls are skipped by every map expectation except ``not_be_null``; a ``row_condition``
filters rows first; bounds are inclusive unless ``strict_*``; regexes are searched, Python-style).
All masks are computed in a single ``select`` (polars runs them in parallel), then the failing
row positions are gathered per expectation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl

from workbench.checks.suites import Expectation, Suite, resolve
from workbench.errors import ConfigError

__all__ = ["ROW_INDEX", "SUPPORTED", "prepare_frame", "python_regex_to_rust", "unexpected_rows"]

#: Position of a row in the prepared frame (GX reports it as ``unexpected_index_list``).
ROW_INDEX = "__row_index"

SUPPORTED = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_value_lengths_to_be_between",
    "expect_column_value_lengths_to_equal",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_unique",
})


def prepare_frame(frame: pl.DataFrame, suite: Suite) -> pl.DataFrame:
    """The frame both engines check: blank texts and NaN as null, derived columns, row index.

    Blank or space-only texts of required columns count as missing (a name of only spaces is
    no name); NaN counts as null as it does in pandas.
    """
    required = {e.column for e in suite.expectations
                if e.type == "expect_column_values_to_not_be_null"}
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String and name in required:
            column = frame[name]
            # cheap candidates first: blank values are empty or start with a space or tab
            maybe = (column.str.starts_with(" ") | column.str.starts_with("\t")
                     | (column == "")).fill_null(False)
            if maybe.any():
                where = maybe.arg_true()
                blank = column.gather(where).str.contains(r"^[ \t]*$")
                where = where.filter(blank)
                if len(where):
                    fixes.append(column.clone().scatter(where, None))
        elif dtype.is_float():
            fixes.append(pl.col(name).fill_nan(None))
    lazy = frame.lazy().with_columns(fixes)
    derived = suite.derived_exprs()
    if derived:
        lazy = lazy.with_columns(derived)
    return lazy.with_row_index(ROW_INDEX).collect()


def python_regex_to_rust(pattern: str) -> str:
    """Rewrite ``$`` outside character classes so Rust's regex matches like Python's ``re``.

    Python's ``$`` also matches before a final newline; Rust's only at the end of the text.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # a leading ']' (also after '^') is literal inside the class
            out.append("[")
            i += 1
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":
                out.append("]")
                i += 1
            continue
        elif char == "$":
            out.append(r"(?:\n?\z)")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def condition_expr(condition: Any) -> pl.Expr:
    """A GX 1.x row condition (serialised ``Condition``) as a polars expression."""
    if condition is None:
        return pl.lit(True)
    if isinstance(condition, str):
        raise ConfigError(f"Zeichenketten als row_condition werden nicht unterstützt: {condition!r}; "
                          "verwenden Sie GX-Condition-Objekte (JSON mit 'type').")
    kind = condition.get("type")
    if kind in ("and", "or"):
        parts = [condition_expr(c) for c in condition["conditions"]]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if kind == "and" else (result | part)
        return result
    column = pl.col(condition["column"]["name"])
    if kind == "nullity":
        return column.is_null() if condition["is_null"] else column.is_not_null()
    if kind == "comparison":
        op, value = condition["operator"], condition["parameter"]
        expr = {
            "==": lambda: column == value, "!=": lambda: column != value,
            "<": lambda: column < value, "<=": lambda: column <= value,
            ">": lambda: column > value, ">=": lambda: column >= value,
            "IN": lambda: column.is_in(value), "NOT_IN": lambda: ~column.is_in(value),
        }[op]()
        # GX filters pandas with DataFrame.query: a missing value is "!=" and "not in" anything
        return expr.fill_null(op in ("!=", "NOT_IN"))
    raise ConfigError(f"Unbekannte row_condition: {condition!r}")


def _bound(value: Any, dtype: pl.DataType) -> Any:
    """A parameter value in the column's type (dates stay dates, datetimes get a time)."""
    if value is None:
        return None
    if dtype == pl.Date and isinstance(value, datetime):
        return value.date()
    if isinstance(dtype, pl.Datetime) and isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _between(expr: pl.Expr, kwargs: Mapping[str, Any], dtype: pl.DataType) -> pl.Expr:
    low, high = _bound(kwargs.get("min_value"), dtype), _bound(kwargs.get("max_value"), dtype)
    ok = pl.lit(True)
    if low is not None:
        ok = ok & ((expr > low) if kwargs.get("strict_min") else (expr >= low))
    if high is not None:
        ok = ok & ((expr < high) if kwargs.get("strict_max") else (expr <= high))
    return ~ok


def _in_set(expr: pl.Expr, values: Sequence[Any], dtype: pl.DataType) -> pl.Expr:
    if dtype.is_float() or dtype == pl.Boolean:
        # equality, not hashing: -0.0 is in {0.0}, as in pandas
        result = pl.lit(False)
        for value in values:
            result = result | (expr == value)
        return result
    return expr.is_in(pl.Series(list(values), dtype=dtype, strict=False).implode())


def compile_expectation(expectation: Expectation, schema: pl.Schema,
                        parameters: Mapping[str, Any]) -> pl.Expr:
    """The boolean "unexpected" mask of one expectation."""
    kind = expectation.type
    if kind not in SUPPORTED:
        raise ConfigError(f"Der Erwartungstyp {kind} wird von der polars-Engine nicht "
                          "unterstützt; verwenden Sie --engine gx oder einen unterstützten Typ.")
    kwargs = resolve(expectation.kwargs, parameters)
    condition = condition_expr(kwargs.get("row_condition"))
    name = kwargs["column"]
    if name not in schema:
        raise ConfigError(f"Die Spalte '{name}' der Erwartung {kind} fehlt im Datenrahmen.")
    column, dtype = pl.col(name), schema[name]
    if kind == "expect_column_values_to_not_be_null":
        return condition & column.is_null()
    if kind == "expect_column_values_to_be_null":
        return condition & column.is_not_null()
    present = condition & column.is_not_null()
    if kind == "expect_column_values_to_match_regex":
        bad = ~column.str.contains(python_regex_to_rust(kwargs["regex"]))
    elif kind == "expect_column_values_to_not_match_regex":
        bad = column.str.contains(python_regex_to_rust(kwargs["regex"]))
    elif kind == "expect_column_value_lengths_to_be_between":
        bad = _between(column.cast(pl.String).str.len_chars(), kwargs, pl.Int64)
    elif kind == "expect_column_value_lengths_to_equal":
        bad = column.cast(pl.String).str.len_chars() != kwargs["value"]
    elif kind == "expect_column_values_to_be_between":
        bad = _between(column, kwargs, dtype)
    elif kind == "expect_column_values_to_be_in_set":
        bad = ~_in_set(column, kwargs["value_set"], dtype)
    elif kind == "expect_column_values_to_not_be_in_set":
        bad = _in_set(column, kwargs["value_set"], dtype)
    else:  # expect_column_values_to_be_unique
        bad = pl.when(present).then(column).is_duplicated()
    return present & bad.fill_null(False)


def _regex_groups(expectations: Sequence[Expectation]) -> dict[str, list[Expectation]]:
    """``not_match_regex`` expectations per column (without row condition), two or more."""
    groups: dict[str, list[Expectation]] = {}
    for e in expectations:
        if e.type == "expect_column_values_to_not_match_regex" and "row_condition" not in e.kwargs:
            groups.setdefault(e.kwargs["column"], []).append(e)
    return {column: group for column, group in groups.items() if len(group) > 1}


def unexpected_rows(prepared: pl.DataFrame, expectations: Sequence[Expectation],
                    parameters: Mapping[str, Any]) -> dict[int, np.ndarray]:
    """Row positions (into ``prepared``) that fail each expectation, keyed by suite index.

    The forbidden-character rules of a text column are first searched as one alternation (one
    pass over the column); the single rules then run only on the few rows that matched.
    """
    if not expectations or prepared.is_empty():
        return {}
    schema = prepared.schema
    groups = _regex_groups(expectations)
    grouped = {e.index for group in groups.values() for e in group}
    exprs = [compile_expectation(e, schema, parameters).alias(str(e.index))
             for e in expectations if e.index not in grouped]
    for column, group in groups.items():
        union = "|".join(f"(?:{python_regex_to_rust(e.kwargs['regex'])})" for e in group)
        exprs.append((pl.col(column).is_not_null() & pl.col(column).str.contains(union))
                     .fill_null(False).alias(f"union:{column}"))
    masks = prepared.lazy().select(exprs).collect()
    failing = masks.select(pl.all().any())
    result: dict[int, np.ndarray] = {}
    for expectation in expectations:
        key = str(expectation.index)
        if expectation.index not in grouped and failing[key][0]:
            result[expectation.index] = np.flatnonzero(masks[key].to_numpy())
    for column, group in groups.items():
        key = f"union:{column}"
        if not failing[key][0]:
            continue
        subset = prepared.filter(masks[key]).select(ROW_INDEX, column)
        sub_masks = subset.select(
            pl.col(ROW_INDEX),
            *(compile_expectation(e, subset.schema, parameters).alias(str(e.index)) for e in group))
        for e in group:
            rows = sub_masks.filter(pl.col(str(e.index)))[ROW_INDEX].to_numpy()
            if len(rows):
                result[e.index] = rows.astype(np.int64)
    return result
