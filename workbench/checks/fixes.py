"""Safe automatic repairs: proposed as a finding's ``suggestion``, applied only when asked.

Safe means the meaning of the text cannot change: exotic spaces become plain spaces (zero-width
ones disappear), mojibake is repaired with ftfy, outer spaces are trimmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import polars as pl

#: One applied fix: where (file, row, column), which rule, the cell before and after.
FIXES_SCHEMA = {
    "file": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "rule": pl.String,
    "old": pl.String,
    "new": pl.String,
}

__all__ = ["FIXES_SCHEMA", "SAFE_FIXES", "apply_fixes", "suggest"]

#: Invisible characters (zero-width, direction marks and embeddings, BOM): removed.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
#: Visible spaces of another kind: a plain space instead.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _exotic_space(text: str) -> str:
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text))


def _mojibake(text: str) -> str:
    import ftfy

    return ftfy.fix_text(
        text,
        normalization="NFC",
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
    )


def _strip(text: str) -> str:
    return text.strip(" \t")


#: Suggestion name (an expectation's ``meta.suggest``) -> repair of one value.
SUGGESTERS: dict[str, Callable[[str], str]] = {
    "exotic_space": _exotic_space,
    "mojibake": _mojibake,
    "strip": _strip,
}
#: Rules whose suggestion :func:`apply_fixes` applies by default.
SAFE_FIXES = ("encoding.exotic_space", "encoding.mojibake", "encoding.outer_space")


def suggest(name: str, values: pl.Series) -> pl.Series:
    """The repaired values (null where the repair changes nothing)."""
    repair = SUGGESTERS[name]
    unique = [v for v in values.unique().to_list() if v is not None]
    fixed = {v: repair(v) for v in unique}
    return values.replace_strict(
        {k: (v if v != k else None) for k, v in fixed.items()}, default=None, return_dtype=pl.String
    )


def apply_fixes(
    frame: pl.DataFrame, findings: pl.DataFrame, *, rules: Iterable[str] = SAFE_FIXES
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply the suggestions of ``findings`` for ``rules`` to ``frame``.

    Rows are matched by ``source_file``/``source_row`` (the findings' ``source``/``row``); several
    fixes of one cell are applied one after the other. Returns the fixed frame and a record of
    every change (``file, row, column, rule, old, new``) for reports.

    >>> frame = pl.DataFrame({"booking_text": ["Brot\\u00a0Laib"], "source_file": ["a.csv"],
    ...                       "source_row": [2]})
    >>> from workbench.checks import check
    >>> fixed, applied = apply_fixes(frame, check(frame, "receipts", settings=None))
    >>> fixed["booking_text"][0], applied["new"][0]
    ('Brot Laib', 'Brot Laib')
    """
    rules = tuple(rules)
    unknown = set(rules) - set(SAFE_FIXES)
    if unknown:
        raise ValueError(f"not a safe automatic fix: {', '.join(sorted(unknown))}")
    schema = FIXES_SCHEMA
    todo = findings.filter(
        pl.col("rule").is_in(list(rules))
        & pl.col("suggestion").is_not_null()
        & pl.col("row").is_not_null()
    )
    if todo.is_empty():
        return frame, pl.DataFrame(schema=schema)
    lineage = "source_file" in frame.columns and "source_row" in frame.columns
    position = frame.select(
        (pl.col("source_file") if lineage else pl.lit(None, dtype=pl.String)).alias("source"),
        (
            pl.col("source_row").cast(pl.Int64)
            if lineage
            else pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
        ).alias("row"),
    ).with_row_index("__pos")
    todo = todo.join(position, on=["source", "row"], how="inner", nulls_equal=True)
    records = []
    updates: dict[str, pl.Series] = {}
    for column, group in todo.group_by("column", maintain_order=True):
        name = column[0]
        series = updates.get(name, frame[name]).clone()
        values = series.to_list()
        for pos, rule in zip(group["__pos"].to_list(), group["rule"].to_list(), strict=True):
            old = values[pos]
            if old is None:
                continue
            name_of_fix = {
                "encoding.exotic_space": "exotic_space",
                "encoding.mojibake": "mojibake",
                "encoding.outer_space": "strip",
            }[rule]
            new = SUGGESTERS[name_of_fix](old)
            if new != old:
                values[pos] = new
                records.append(
                    {
                        "file": frame["source_file"][pos] if lineage else None,
                        "row": frame["source_row"][pos] if lineage else pos + 1,
                        "column": name,
                        "rule": rule,
                        "old": old,
                        "new": new,
                    }
                )
        updates[name] = pl.Series(name, values, dtype=series.dtype)
    fixed = frame.with_columns(list(updates.values()))
    return fixed, pl.DataFrame(records, schema=schema) if records else pl.DataFrame(schema=schema)
