"""Preview with lineage: each DATEV field next to where its value came from.

``preview`` returns a long frame, one line per (record, DATEV field) with the value as DATEV
will see it (formatted by the DATEV writers' field types, unquoted), the canonical column,
the source column (the header in the file, from ``SourceInfo.mapped``), the source value,
file and row, and the findings on that value (rule ids and the worst severity).
``preview_wide`` puts the same page side by side, one line per record, for notebooks.

Pages are cut from the records *before* anything is formatted or melted, so one page of a
million-record mapping costs milliseconds.
"""

from __future__ import annotations

import polars as pl

from workbench.datev import ledger_xml
from workbench.datev.extf_fields import BUCHUNGSSTAPEL
from workbench.datev.fields import Context
from workbench.findings import SEVERITIES
from workbench.mapping.result import Mapped
from workbench.sources.einvoice.loader import FORMATS as EINVOICE_FORMATS

__all__ = ["PREVIEW_SCHEMA", "preview", "preview_wide"]

PREVIEW_SCHEMA = pl.Schema(
    {
        "record": pl.Int64(),
        "field": pl.String(),
        "value": pl.String(),
        "column": pl.String(),
        "source_column": pl.String(),
        "source_value": pl.String(),
        "source_file": pl.String(),
        "source_row": pl.Int64(),
        "item_id": pl.String(),
        "source_rows": pl.Int64(),
        "rules": pl.List(pl.String()),
        "severity": pl.String(),
    }
)
_LEDGER_CTX = Context(encoding="utf-8", decimal_separator=".")
_EXTF_CTX = Context(encoding="cp1252", decimal_separator=",")
_EXTF_TYPES = {f.name: f.type for f in BUCHUNGSSTAPEL.fields}
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}  # error first


def _formatted(records: pl.DataFrame, target: str) -> pl.DataFrame:
    """Every column as the text DATEV will read (null: element absent / field empty)."""
    exprs = []
    for name, dtype in records.schema.items():
        ftype = ledger_xml.TYPES.get(name) if target == "ledger" else _EXTF_TYPES.get(name)
        if ftype is None:
            value = pl.col(name).cast(pl.String)
        else:
            ctx = _LEDGER_CTX if target == "ledger" else _EXTF_CTX
            value = ftype.format(ftype.prepare(pl.col(name), dtype), ctx).cast(pl.String)
        exprs.append(value.alias(name))
    return records.select(exprs)


def _page_lineage(mapped: Mapped, lo: int, hi: int) -> pl.DataFrame:
    lineage = mapped.lineage
    records = lineage["record"]
    start = int(records.search_sorted(lo, side="left"))
    end = int(records.search_sorted(hi, side="left"))
    return lineage.slice(start, end - start)


def _source_values(mapped: Mapped, lineage: pl.DataFrame) -> pl.DataFrame:
    """The page's canonical source values (``role``, ``index``, ``column``, ``source_value``)."""
    parts = []
    for role, frame in mapped.frames.items():
        indices = lineage.filter(pl.col("role") == role)["index"].unique().sort()
        if indices.is_empty():
            continue
        columns = [c for c in frame.columns if c not in ("source_file", "source_row")]
        rows = frame.select(columns).gather(indices).select(pl.all().cast(pl.String))
        parts.append(
            rows.with_columns(pl.lit(role).alias("role"), indices.alias("index")).unpivot(
                index=["role", "index"], variable_name="column", value_name="source_value"
            )
        )
    schema = {"role": pl.String, "index": pl.Int64, "column": pl.String, "source_value": pl.String}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _source_columns(mapped: Mapped) -> pl.DataFrame:
    rows = [
        {"source_file": info.file, "role": info.kind, "column": column, "source_column": header}
        for info in mapped.sources
        for column, header in info.mapped.items()
    ]
    schema = {
        "source_file": pl.String,
        "role": pl.String,
        "column": pl.String,
        "source_column": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).unique(["source_file", "role", "column"], keep="first")


def _page_findings(mapped: Mapped, lineage: pl.DataFrame) -> pl.DataFrame:
    """Findings of the page's source rows per (record, role, column).

    Findings name file and row but not the Excel sheet, so a finding with an ``item_id`` only
    counts for the lineage row with that item (an invoices sheet and a positions sheet share
    row numbers). An e-invoice is one document whose findings name the line of an XML element,
    not a record's row: they count for every record of its file, by column.
    """
    rows = lineage.select("record", "role", "source_file", "source_row", "item_id")
    findings = mapped.findings.select(
        pl.col("source").alias("source_file"),
        pl.col("row").alias("source_row"),
        pl.col("item_id").alias("_finding_item"),
        "column",
        "rule",
        "severity",
    )
    documents = sorted({info.file for info in mapped.sources if info.format in EINVOICE_FORMATS})
    in_document = pl.col("source_file").is_in(documents)
    found = findings.filter(~in_document).join(rows, on=["source_file", "source_row"], how="inner")
    found = found.filter(
        pl.col("_finding_item").is_null() | (pl.col("_finding_item") == pl.col("item_id"))
    )
    if documents:
        whole = findings.filter(in_document).drop("source_row")
        on_document = whole.join(rows, on="source_file", how="inner")
        found = pl.concat([found, on_document.select(found.columns)])
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int64)
    return found.group_by("record", "role", "column", maintain_order=True).agg(
        pl.col("rule").unique(maintain_order=True).alias("rules"),
        pl.col("severity").sort_by(rank).first().alias("severity"),
    )


def preview(mapped: Mapped, *, page: int = 0, page_size: int = 50) -> pl.DataFrame:
    """One line per (record, DATEV field) of page ``page``: value, columns, source row, findings.

    ``source_row`` is the 1-based row as the user sees it in the file; where one DATEV record
    sums several source rows (POS periods), it is the first of them and ``source_rows`` says
    how many. Empty DATEV fields are left out.

    >>> preview(map_receipts(result), page=0, page_size=20).filter(pl.col("field") == "invoiceId")
    """
    if page < 0 or page_size < 1:
        raise ValueError(
            f"page must be >= 0 and page_size >= 1 (got page={page}, page_size={page_size})"
        )
    total = mapped.records.height
    lo = min(page * page_size, total)
    hi = min(lo + page_size, total)
    if hi <= lo:
        return pl.DataFrame(schema=PREVIEW_SCHEMA)
    records = _formatted(mapped.records.slice(lo, hi - lo), mapped.target)
    long = (
        records.with_columns(pl.int_range(lo, hi, dtype=pl.Int64).alias("record"))
        .unpivot(index="record", variable_name="field", value_name="value")
        .filter(pl.col("value").is_not_null())
        .sort("record", maintain_order=True)
    )
    sources = pl.DataFrame(
        [
            {"field": name, "role": role, "column": column, "_priority": priority}
            for name, candidates in mapped.field_sources.items()
            for priority, (role, column) in enumerate(candidates)
        ],
        schema={"field": pl.String, "role": pl.String, "column": pl.String, "_priority": pl.Int64},
    )
    long = long.with_row_index("_line").join(sources, on="field", how="left", maintain_order="left")
    lineage = _page_lineage(mapped, lo, hi)
    per_role = lineage.group_by("record", "role", maintain_order=True).agg(
        pl.col("index", "source_file", "source_row", "item_id").first(),
        pl.len().cast(pl.Int64).alias("source_rows"),
    )
    long = long.join(per_role, on=["record", "role"], how="left", maintain_order="left")
    # Of several candidate sources, the first one the record has lineage for.
    long = long.sort("_line", pl.col("source_file").is_null(), "_priority", nulls_last=True).unique(
        "_line", keep="first", maintain_order=True
    )
    long = long.join(
        _source_columns(mapped),
        on=["source_file", "role", "column"],
        how="left",
        maintain_order="left",
    )
    long = long.join(
        _source_values(mapped, lineage),
        on=["role", "index", "column"],
        how="left",
        maintain_order="left",
    )
    found = _page_findings(mapped, lineage)
    # Findings on a value go to its field; findings on the whole row (no column) to every field.
    long = long.join(
        found.filter(pl.col("column").is_not_null()),
        on=["record", "role", "column"],
        how="left",
        maintain_order="left",
    )
    row_level = (
        found.filter(pl.col("column").is_null())
        .drop("column")
        .rename({"rules": "_row_rules", "severity": "_row_severity"})
    )
    long = long.join(row_level, on=["record", "role"], how="left", maintain_order="left")
    worst = pl.min_horizontal(
        pl.col("severity").replace_strict(SEVERITY_RANK, default=None, return_dtype=pl.Int64),
        pl.col("_row_severity").replace_strict(SEVERITY_RANK, default=None, return_dtype=pl.Int64),
    )
    by_rank = {rank: name for name, rank in SEVERITY_RANK.items()}
    long = long.with_columns(
        pl.concat_list(
            pl.col("rules").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("_row_rules").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        ).alias("rules"),
        worst.replace_strict(by_rank, default=None, return_dtype=pl.String).alias("severity"),
    )
    return long.select(PREVIEW_SCHEMA.names()).cast(dict(PREVIEW_SCHEMA))  # type: ignore[arg-type]


def preview_wide(mapped: Mapped, *, page: int = 0, page_size: int = 50) -> pl.DataFrame:
    """One line per record: file and row, then each DATEV field next to its source value.

    Columns: ``record``, ``source_file``, ``source_row``, ``item_id``, then per DATEV field
    ``<field>`` (DATEV value) and ``<field> ← <source column>`` style ``<field> [Quelle]``
    (the canonical value it came from).
    """
    long = preview(mapped, page=page, page_size=page_size)
    head = long.group_by("record", maintain_order=True).agg(
        pl.col("source_file", "source_row", "item_id")
        .filter(pl.col("source_file").is_not_null())
        .first()
    )
    if long.is_empty():
        return head
    values = long.pivot(on="field", index="record", values="value")
    quelle = long.pivot(on="field", index="record", values="source_value")
    fields = [c for c in mapped.records.columns if c in values.columns]
    quelle = quelle.rename({name: f"{name} [Quelle]" for name in fields})
    wide = head.join(values, on="record", how="left", maintain_order="left").join(
        quelle, on="record", how="left", maintain_order="left"
    )
    ordered = ["record", "source_file", "source_row", "item_id"]
    for name in fields:
        ordered += [name, f"{name} [Quelle]"]
    return wide.select(ordered)
