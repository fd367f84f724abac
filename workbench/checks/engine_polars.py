"""The fast path: a suite's expectations compiled to one lazy polars query.

Each supported expectation type becomes a boolean "unexpected" expression with GX's semantics on
pandas (nulls are skipped by every map expectation except ``not_be_null``; a ``row_condition``
filters rows first; bounds are inclusive unless ``strict_*``; regexes are searched, Python-style).
All masks are computed in a single ``select`` (polars runs them in parallel), then the failing
row positions are gathered per expectation. Per-row regexes dominate the cost, so text columns go
through a screen first (see ``unexpected_rows``): checked once per distinct value when their
values repeat, or searched with one alternation of their forbidden-character rules.
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

SUPPORTED = frozenset(
    {
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
    }
)


def prepare_frame(frame: pl.DataFrame, suite: Suite) -> pl.DataFrame:
    """The frame both engines check: blank texts and NaN as null, derived columns, row index.

    Blank or space-only texts of required columns count as missing (a name of only spaces is
    no name); NaN counts as null as it does in pandas. Every column in one chunk: the checks
    gather and filter rows by position many times, several times slower across the chunks of a
    large CSV (one join here, ~0.2 s per million rows; nothing for a frame in one chunk).
    """
    frame = frame.rechunk()
    required = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String
        and name
        in {e.column for e in suite.expectations if e.type == "expect_column_values_to_not_be_null"}
    ]
    # cheap candidates first: a blank text sorts before "!" (it is empty or starts with a space
    # or tab), and so does only a text starting with a control character
    fixes: list[pl.Series | pl.Expr] = []
    if required:
        candidates = (
            frame.lazy()
            .select((pl.col(name) < "!").fill_null(False) for name in required)
            .collect()
        )
        for name in required:
            where = candidates[name].arg_true()
            if len(where):
                column = frame[name]
                where = where.filter(column.gather(where).str.contains(r"^[ \t]*$"))
                if len(where):
                    fixes.append(column.clone().scatter(where, None))
    fixes += [
        pl.col(name).fill_nan(None) for name, dtype in frame.schema.items() if dtype.is_float()
    ]
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
            out.append(pattern[i : i + 2])
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
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i : i + 1] == "]":
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
        raise ConfigError(
            f"Zeichenketten als row_condition werden nicht unterstützt: {condition!r}; "
            "verwenden Sie GX-Condition-Objekte (JSON mit 'type')."
        )
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
            "==": lambda: column == value,
            "!=": lambda: column != value,
            "<": lambda: column < value,
            "<=": lambda: column <= value,
            ">": lambda: column > value,
            ">=": lambda: column >= value,
            "IN": lambda: column.is_in(value),
            "NOT_IN": lambda: ~column.is_in(value),
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
    if (
        isinstance(dtype, pl.Datetime)
        and isinstance(value, date)
        and not isinstance(value, datetime)
    ):
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


def compile_expectation(
    expectation: Expectation, schema: pl.Schema, parameters: Mapping[str, Any]
) -> pl.Expr:
    """The boolean "unexpected" mask of one expectation."""
    kind = expectation.type
    if kind not in SUPPORTED:
        raise ConfigError(
            f"Der Erwartungstyp {kind} wird von der polars-Engine nicht "
            "unterstützt; verwenden Sie --engine gx oder einen unterstützten Typ."
        )
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
        bad = _between(column.cast(pl.String).str.len_chars(), kwargs, pl.Int64())
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


#: Expectations that depend on a row's value alone (nulls are skipped): on a text column whose
#: values repeat they are evaluated once per distinct value.
VALUE_TYPES = frozenset(
    {
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
    }
)

REGEX_TYPES = frozenset(
    {"expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"}
)

#: A text column counts as repetitive when a sample of about SAMPLE_ROWS of its values holds at
#: most REPEATED_SHARE distinct ones (supplier names, cities, IBANs, account numbers): hashing
#: a value is cheaper than running several regexes over it again.
SAMPLE_ROWS = 8192
REPEATED_SHARE = 0.1


def _repetitive(prepared: pl.DataFrame, columns: Sequence[str]) -> set[str]:
    """The repetitive ones of ``columns``, judged on an evenly spaced sample of rows."""
    if not columns:
        return set()
    sample = prepared.select(columns).gather_every(max(1, prepared.height // SAMPLE_ROWS))
    counts = sample.select(
        pl.all().drop_nulls().len().name.suffix(":values"),
        pl.all().drop_nulls().n_unique().name.suffix(":distinct"),
    ).row(0, named=True)
    return {
        c for c in columns if 0 < counts[f"{c}:distinct"] <= REPEATED_SHARE * counts[f"{c}:values"]
    }


def _screened_groups(
    prepared: pl.DataFrame, expectations: Sequence[Expectation]
) -> tuple[dict[str, list[Expectation]], dict[str, list[Expectation]]]:
    """Expectations that first go through a cheap screen, per column: *distinct* and *union*.

    *distinct*: the value expectations (without row condition) of a repetitive text column
    that has a regex among them.
    *union*: the forbidden-character and maximum-length expectations of another text column,
    when there are two or more of them or a length among them (one regex pass for all of its
    forbidden characters; a length screened by the byte length, which needs no pass).
    """
    per_column: dict[str, list[Expectation]] = {}
    for e in expectations:
        if (
            e.type in VALUE_TYPES
            and "row_condition" not in e.kwargs
            and prepared.schema.get(e.column) == pl.String
        ):
            per_column.setdefault(e.column, []).append(e)
    distinct: dict[str, list[Expectation]] = {}
    union: dict[str, list[Expectation]] = {}
    # a set or length test costs about what hashing the value costs: only regexes are worth it
    repetitive = _repetitive(
        prepared,
        [c for c, group in per_column.items() if any(e.type in REGEX_TYPES for e in group)],
    )
    for column, group in per_column.items():
        if column in repetitive:
            distinct[column] = group
            continue
        forbidden = [e for e in group if e.type == "expect_column_values_to_not_match_regex"]
        longest = [e for e in group if _maximum_length_only(e)]
        if longest or len(forbidden) > 1:
            union[column] = forbidden + longest
    return distinct, union


def _maximum_length_only(expectation: Expectation) -> bool:
    """A length expectation with an upper bound only (a minimum cannot be screened by bytes)."""
    return (
        expectation.type == "expect_column_value_lengths_to_be_between"
        and expectation.kwargs.get("min_value") is None
        and expectation.kwargs.get("max_value") is not None
    )


def _union_screen(
    column: str, group: Sequence[Expectation], parameters: Mapping[str, Any]
) -> pl.Expr:
    """A superset of the rows of ``column`` that fail an expectation of its *union* group.

    Forbidden characters: one alternation of their regexes. Maximum lengths: a text of at
    most ``max`` bytes has at most ``max`` characters, so only longer texts need counting
    (``len_bytes`` reads the stored length, ``len_chars`` decodes the text).
    """
    text = pl.col(column)
    parts = []
    forbidden = [e for e in group if e.type == "expect_column_values_to_not_match_regex"]
    if forbidden:
        alternation = "|".join(f"(?:{python_regex_to_rust(e.kwargs['regex'])})" for e in forbidden)
        parts.append(text.str.contains(alternation))
    for e in group:
        if _maximum_length_only(e):
            kwargs = resolve(e.kwargs, parameters)
            high = kwargs["max_value"]
            parts.append(
                text.str.len_bytes() >= high
                if kwargs.get("strict_max")
                else text.str.len_bytes() > high
            )
    return (text.is_not_null() & pl.any_horizontal(parts)).fill_null(False)


def _failing_values(
    prepared: pl.DataFrame, distinct: Mapping[str, list[Expectation]], parameters: Mapping[str, Any]
) -> dict[str, pl.Series]:
    """Per repetitive column, its distinct values that fail at least one of its expectations."""
    columns = list(distinct)
    if not columns:
        return {}
    # one query: polars spreads the columns' ``unique`` (one core each) over its threads
    values = (
        prepared.lazy()
        .select(pl.col(name).drop_nulls().unique().implode() for name in columns)
        .collect()
    )
    failing = {}
    for column in columns:
        frame = values[column][0].to_frame(column)
        masks = [compile_expectation(e, frame.schema, parameters) for e in distinct[column]]
        bad = frame.filter(pl.any_horizontal(masks))[column]
        if len(bad):
            failing[column] = bad
    return failing


def unexpected_rows(
    prepared: pl.DataFrame, expectations: Sequence[Expectation], parameters: Mapping[str, Any]
) -> dict[int, np.ndarray]:
    """Row positions (into ``prepared``) that fail each expectation, keyed by suite index.

    Per-row regexes are the cost, so two screens cut them down, and the screened expectations
    then run only on the few rows that passed the screen: a repetitive text column is checked
    once per distinct value (the screen: rows holding a failing value); the forbidden-character
    rules of any other text column are searched as one alternation (one pass over the column).
    """
    if not expectations or prepared.is_empty():
        return {}
    schema = prepared.schema
    distinct, union = _screened_groups(prepared, expectations)
    failing = _failing_values(prepared, distinct, parameters)
    groups = {**union, **{column: distinct[column] for column in failing}}
    screened = {e.index for group in [*union.values(), *distinct.values()] for e in group}
    exprs = [
        compile_expectation(e, schema, parameters).alias(str(e.index))
        for e in expectations
        if e.index not in screened
    ]
    for column, group in union.items():
        exprs.append(_union_screen(column, group, parameters).alias(f"screen:{column}"))
    for column, values in failing.items():
        exprs.append(pl.col(column).is_in(values.implode()).alias(f"screen:{column}"))
    if not exprs:
        return {}
    masks = prepared.lazy().select(exprs).collect()
    hit = masks.select(pl.all().any())
    result: dict[int, np.ndarray] = {}
    for expectation in expectations:
        key = str(expectation.index)
        if expectation.index not in screened and hit[key][0]:
            result[expectation.index] = np.flatnonzero(masks[key].to_numpy())
    for column, group in groups.items():
        key = f"screen:{column}"
        if not hit[key][0]:
            continue
        subset = prepared.select(ROW_INDEX, column).filter(masks[key])
        sub_masks = subset.select(
            pl.col(ROW_INDEX),
            *(compile_expectation(e, subset.schema, parameters).alias(str(e.index)) for e in group),
        )
        for e in group:
            rows = sub_masks.filter(pl.col(str(e.index)))[ROW_INDEX].to_numpy()
            if len(rows):
                result[e.index] = rows.astype(np.int64)
    return result
