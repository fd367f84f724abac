"""``check``: run a kind's suite (polars or GX engine) plus the cross-row rules, as findings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from workbench.checks import engine_polars, rules
from workbench.checks.fixes import suggest
from workbench.checks.suites import Expectation, Suite, load_suite, suite_parameters
from workbench.clients import ClientSettings
from workbench.errors import WorkbenchError
from workbench.findings import FINDINGS_SCHEMA, concat_findings, empty_findings
from workbench.kinds import ITEM_ID_COLUMNS

__all__ = ["ENGINES", "check", "findings_json", "parse_period", "write_data_docs"]

ENGINES = ("polars", "gx")
TARGETS = ("xml", "extf")

Period = str | tuple[Any, Any] | None
ROW = engine_polars.ROW_INDEX


def parse_period(period: Period) -> tuple[date, date] | None:
    """``"2026-01"``, ``("2026-01", "2026-03")`` or ``(date, date)`` as first and last day.

    >>> parse_period("2026-02")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    """
    if period is None:
        return None
    first, last = (period, period) if isinstance(period, str) else period

    def month(value: Any, end: bool) -> date:
        if isinstance(value, date):
            return value
        try:
            year, mon = (int(p) for p in str(value)[:7].split("-"))
            start = date(year, mon, 1)
        except ValueError:
            raise WorkbenchError(
                f"Der Zeitraum '{value}' ist ungültig; erwartet wird JJJJ-MM."
            ) from None
        if not end:
            return start
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)

    return month(first, False), month(last, True)


def _message_expr(
    template: str, values: Mapping[str, pl.Expr], params: Mapping[str, Any]
) -> pl.Expr:
    """The message of each failing row: ``{value}`` is the reported cell's value, ``{checked}``
    the checked column's (a count or a difference the rule computed), as a message shows them."""
    text = _fill(template, params)
    pieces: list[pl.Expr] = []
    for part in re.split(r"(\{value\}|\{checked\})", text):
        if part in ("{value}", "{checked}"):
            pieces.append(values[part[1:-1]].fill_null(""))
        elif part:
            pieces.append(pl.lit(part))
    return pl.concat_str(pieces) if pieces else pl.lit("")


def _fill(template: str, params: Mapping[str, Any]) -> str:
    for name, value in params.items():
        if value is not None and f"{{{name}}}" in template:
            template = template.replace(f"{{{name}}}", str(value))
    return template


def _value_in_words(column: str, dtype: pl.DataType) -> pl.Expr:
    """The value as a message shows it: ``31.01.2026``, ``123,455`` (the finding's ``value``
    keeps the canonical text)."""
    col = pl.col(column)
    if dtype == pl.Date:
        return col.dt.strftime("%d.%m.%Y")
    if isinstance(dtype, pl.Datetime):
        return col.dt.strftime("%d.%m.%Y %H:%M:%S")
    if dtype.is_float():
        # at least two decimals, as amounts are written (850,00; 12,345 stays as it is)
        text = col.cast(pl.String)
        text = pl.when(text.str.contains(r"\.\d\z")).then(text + "0").otherwise(text)
        return text.str.replace(".", ",", literal=True)
    return col.cast(pl.String)


def _value_text(column: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(column)
    if dtype == pl.Date:
        return col.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return col.dt.strftime("%Y-%m-%d %H:%M:%S")
    return col.cast(pl.String)


def suite_hits(
    prepared: pl.DataFrame,
    expectations: list[Expectation],
    rows: Mapping[int, np.ndarray],
    params: Mapping[str, Any],
) -> list[pl.DataFrame]:
    """Hits (see ``rules.HITS_SCHEMA``) for the failing rows of each expectation."""
    by_index = {e.index: e for e in expectations}
    out = []
    for index, positions in rows.items():
        expectation = by_index[index]
        column = expectation.report_column
        value_column = column if column in prepared.columns else expectation.column
        value = _value_text(value_column, prepared.schema[value_column])
        words = {
            "value": _value_in_words(value_column, prepared.schema[value_column]),
            "checked": _value_in_words(expectation.column, prepared.schema[expectation.column]),
        }
        failing = prepared.select(*dict.fromkeys((ROW, value_column, expectation.column))).gather(
            positions
        )
        hits = failing.select(
            pl.col(engine_polars.ROW_INDEX).cast(pl.UInt32),
            pl.lit(expectation.rule, dtype=pl.String).alias("rule"),
            pl.lit(expectation.severity, dtype=pl.String).alias("severity"),
            pl.lit(column, dtype=pl.String).alias("column"),
            value.alias("value"),
            pl.lit(_fill(expectation.meta.get("expected", ""), params), dtype=pl.String).alias(
                "expected"
            ),
            _message_expr(expectation.meta["message"], words, params).alias("message"),
            pl.lit(None, dtype=pl.String).alias("suggestion"),
        )
        name = expectation.meta.get("suggest")
        if name:
            hits = hits.with_columns(suggest(name, hits["value"]).alias("suggestion"))
        out.append(hits)
    return out


def _lineage(
    prepared: pl.DataFrame,
    hits: pl.DataFrame,
    item_column: str | None,
    mapped: Mapping[str, Mapping[str, str]] | Mapping[str, str] | None,
) -> pl.DataFrame:
    # ROW is the row's position: gather each hit's row, in the hits' order (no join)
    needed = [
        c
        for c in dict.fromkeys((ROW, "source_file", "source_row", item_column))
        if c in prepared.columns
    ]
    lineage = (
        prepared.select(needed)
        .gather(hits[ROW])
        .select(
            (
                pl.col("source_file") if "source_file" in needed else pl.lit(None, dtype=pl.String)
            ).alias("source"),
            pl.lit(None, dtype=pl.String).alias("sheet"),  # check_sources knows the sheets
            (
                pl.col("source_row").cast(pl.Int64)
                if "source_row" in needed
                else (pl.col(ROW).cast(pl.Int64) + 1)
            ).alias("row"),
            (
                pl.col(item_column).cast(pl.String)
                if item_column in needed
                else pl.lit(None, dtype=pl.String)
            ).alias("item_id"),
        )
    )
    joined = pl.concat([hits, lineage], how="horizontal")
    joined = joined.with_columns(_source_column(mapped, joined))
    return joined.sort(ROW, "rule", "column", maintain_order=True).select(FINDINGS_SCHEMA.names())


def _source_column(mapped: Any, joined: pl.DataFrame) -> pl.Expr:
    if not mapped:
        return pl.lit(None, dtype=pl.String).alias("source_column")
    first = next(iter(mapped.values()))
    if isinstance(first, str):  # one mapping for every file
        return (
            pl.col("column")
            .replace_strict(dict(mapped), default=None, return_dtype=pl.String)
            .alias("source_column")
        )
    files = list(mapped)
    if all(columns == first for columns in mapped.values()):
        # one file, or files with the same headers: looked up by column alone (the few distinct
        # column names, not ~900k texts of file and column joined for a million rows)
        of_file = pl.col("source") == files[0] if len(files) == 1 else pl.col("source").is_in(files)
        header = pl.col("column").replace_strict(dict(first), default=None, return_dtype=pl.String)
        return pl.when(of_file).then(header).alias("source_column")
    keys = {
        f"{file}\x00{canonical}": header
        for file, columns in mapped.items()
        for canonical, header in columns.items()
    }
    return (
        pl.concat_str(pl.col("source").fill_null(""), pl.lit("\x00"), pl.col("column"))
        .replace_strict(keys, default=None, return_dtype=pl.String)
        .alias("source_column")
    )


def check(
    frame: pl.DataFrame,
    kind: str,
    *,
    settings: ClientSettings | None,
    engine: str = "polars",
    period: Period = None,
    target: str = "xml",
    mapped: Mapping[str, Any] | None = None,
    attachment_folders: Mapping[str, Any] | None = None,
    attachment_sizes: Mapping[str, int] | None = None,
    spark: Any = None,
    suite: Suite | None = None,
    item_column: str | None = None,
) -> pl.DataFrame:
    """Check a canonical frame of ``kind`` for everything DATEV would reject; returns findings.

    ``settings`` parameterise the suite (account length, fiscal years, Beleg-Arten); ``period``
    (``"2026-01"`` or a pair) enables the transfer-period rules; ``target`` ``"extf"`` adds the
    Windows-1252 rule. ``mapped`` gives the source headers (``{canonical: header}`` or per file
    ``{file: {canonical: header}}``), ``attachment_folders`` the folder (or list of folders) of
    each source file's Belegbilder on disk (``attachment_sizes`` declares sizes by file name).
    ``engine="gx"`` runs the same suite in Great Expectations (``spark`` session: on Spark).
    ``suite`` and ``item_column`` (the findings' ``item_id``) default to the kind's.

    >>> frame = pl.DataFrame({"booking_text": ["Brot\\u00a0Laib"]})
    >>> check(frame, "receipts", settings=None)["rule"].to_list()
    ['encoding.exotic_space']
    """
    if engine not in ENGINES:
        raise WorkbenchError(
            f"Unbekannte Prüf-Engine '{engine}': erlaubt sind {', '.join(ENGINES)}."
        )
    if target not in TARGETS:
        raise WorkbenchError(f"Unbekanntes Ziel '{target}': erlaubt sind {', '.join(TARGETS)}.")
    suite = suite or load_suite(kind)
    prepared, expectations, params = _plan(frame, suite, settings, period, target)
    folders = {
        k: [Path(v)] if isinstance(v, (str, Path)) else [Path(p) for p in v]
        for k, v in (attachment_folders or {}).items()
    }
    if engine == "polars":
        # the cross-row rules (duplicates, check digits, cash, fiscal year, Belegbilder) in a
        # second thread beside the suite: both are chains of small polars queries that leave a
        # core idle between them (1M rows: 0.61-0.72 s one after the other, 0.41-0.45 s side
        # by side); the findings' order does not depend on it (sorted below)
        with ThreadPoolExecutor(max_workers=1) as pool:
            cross_row = pool.submit(
                rules.row_rules, prepared, kind, settings, folders=folders, sizes=attachment_sizes
            )
            rows = engine_polars.unexpected_rows(prepared, expectations, params)
            parts = suite_hits(prepared, expectations, rows, params) + cross_row.result()
    else:
        from workbench.checks import engine_gx

        rows = engine_gx.unexpected_rows_gx(
            prepared, expectations, params, spark=spark, name=suite.name
        )
        parts = suite_hits(prepared, expectations, rows, params)
        parts += rules.row_rules(prepared, kind, settings, folders=folders, sizes=attachment_sizes)
    if not parts:
        return empty_findings()
    hits = pl.concat([p.select(rules.HITS_SCHEMA.names()).cast(rules.HITS_SCHEMA) for p in parts])
    return _lineage(prepared, hits, item_column or ITEM_ID_COLUMNS.get(kind), mapped)


def _plan(
    frame: pl.DataFrame, suite: Suite, settings: ClientSettings | None, period: Period, target: str
) -> tuple[pl.DataFrame, list[Expectation], dict[str, Any]]:
    """The prepared frame, the expectations that apply and the suite parameters."""
    params = suite_parameters(settings, period=parse_period(period))
    present = set(frame.columns)
    expectations = [
        e
        for e in suite.select(target=target, parameters=params)
        if _columns_of(e, suite) <= present
    ]
    # derived columns need their inputs
    usable = {name: text for name, text in suite.derived_columns.items() if _names(text) <= present}
    prepared = engine_polars.prepare_frame(
        frame, Suite(suite.name, suite.expectations, usable, suite.raw)
    )
    return prepared, expectations, params


def _names(text: str) -> set[str]:
    import ast

    return {
        node.id
        for node in ast.walk(ast.parse(text, mode="eval"))
        if isinstance(node, ast.Name) and node.id not in ("abs", "round")
    }


def _columns_of(expectation: Expectation, suite: Suite) -> set[str]:
    """Source columns an expectation needs (derived columns resolved to their inputs)."""
    needed = set()
    for name in (expectation.column, expectation.meta.get("report_column")):
        if name is None:
            continue
        if name in suite.derived_columns:
            needed |= _names(suite.derived_columns[name])
        else:
            needed.add(name)
    condition = expectation.kwargs.get("row_condition")
    needed |= _condition_columns(condition)
    return needed


def _condition_columns(condition: Any) -> set[str]:
    if not isinstance(condition, dict):
        return set()
    if "conditions" in condition:
        return set().union(*(_condition_columns(c) for c in condition["conditions"]))
    return {condition["column"]["name"]} if "column" in condition else set()


def findings_json(findings: pl.DataFrame) -> list[dict[str, Any]]:
    """Findings as a JSON-able list of dicts (contract field order)."""
    return concat_findings([findings]).to_dicts() if findings.height else []


def write_data_docs(
    frame: pl.DataFrame,
    kind: str,
    folder: str | Path,
    *,
    settings: ClientSettings | None,
    period: Period = None,
    target: str = "xml",
) -> Path:
    """Run ``kind``'s suite in Great Expectations and write Data Docs HTML into ``folder``.

    Keep the folder out of git (``gx/uncommitted/`` is ignored). Returns the path of index.html.
    """
    from workbench.checks import engine_gx

    suite = load_suite(kind)
    prepared, expectations, params = _plan(frame, suite, settings, period, target)
    result = engine_gx.validate(prepared, expectations, params, name=suite.name)
    return engine_gx.write_docs(result, Path(folder))
