"""The result of a mapping: DATEV records plus lineage, blocked and skipped rows, findings.

Nothing is lost between loading and mapping (ARCHITECTURE §2): every loaded row of the
*primary* source (receipt items, invoices, POS rows) ends up in exactly one of

* ``lineage`` (it contributed to at least one DATEV record),
* ``blocked`` (an error finding stops it; ``rules`` says which), or
* ``skipped`` (``block_transfer`` is set: seed 004's BlockTransfer__c),

and :meth:`Mapped.counts` proves it per source file.

Records never carry lineage columns: ``records`` is exactly what the DATEV writers take.
``lineage`` links a record (its 0-based row in ``records``) to the canonical rows it came
from; ``role`` names the canonical frame (``receipts``, ``invoices``, ``positions``, ``pos``)
and ``index`` the row within it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench.errors import WorkbenchError
from workbench.findings import FINDINGS_SCHEMA, concat_findings, empty_findings
from workbench.sources.loader import SourceInfo

__all__ = [
    "BLOCKED_SCHEMA",
    "LINEAGE_SCHEMA",
    "Mapped",
    "SKIPPED_SCHEMA",
]

LINEAGE_SCHEMA = pl.Schema(
    {
        "record": pl.Int64,
        "role": pl.String,
        "index": pl.Int64,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "item_id": pl.String,
    }
)
BLOCKED_SCHEMA = pl.Schema(
    {
        "role": pl.String,
        "index": pl.Int64,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "item_id": pl.String,
        "rules": pl.List(pl.String),
        "message": pl.String,
    }
)
SKIPPED_SCHEMA = pl.Schema(
    {
        "role": pl.String,
        "index": pl.Int64,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "item_id": pl.String,
        "reason": pl.String,
    }
)


@dataclass(frozen=True)
class Mapped:
    """DATEV records of one source, with where each came from and what did not make it.

    ``target`` is ``"ledger"`` (LedgerImport records for ``build_packages``) or ``"extf"``
    (Buchungsstapel bookings with the verbatim DATEV column names for ``write_extf``).
    ``field_sources`` maps each DATEV field to its ``(role, canonical column)`` candidates, for
    the preview: the first candidate a record has lineage for is where the value came from
    (an invoice record's amount comes from its position, or from the invoice without positions).
    ``frames`` holds the canonical frames by role (for source values in the preview).
    """

    kind: str
    target: str
    records: pl.DataFrame
    lineage: pl.DataFrame
    blocked: pl.DataFrame
    skipped: pl.DataFrame
    findings: pl.DataFrame
    field_sources: dict[str, tuple[tuple[str, str], ...]]
    frames: dict[str, pl.DataFrame]
    sources: tuple[SourceInfo, ...] = ()
    primary: str = ""
    master_data: pl.DataFrame | None = None
    header: dict[str, object] = field(default_factory=dict)

    def counts(self) -> pl.DataFrame:
        """Per source file of the primary frame: loaded, mapped, blocked, skipped rows.

        ``loaded == mapped + blocked + skipped`` holds for every file (the ``balanced`` column).
        """
        frame = self.frames[self.primary]
        loaded = frame.group_by("source_file").agg(pl.len().cast(pl.Int64).alias("loaded"))

        def per_file(rows: pl.DataFrame, name: str) -> pl.DataFrame:
            rows = rows.filter(pl.col("role") == self.primary).unique(["index"])
            return rows.group_by("source_file").agg(pl.len().cast(pl.Int64).alias(name))

        out = loaded
        for rows, name in (
            (self.lineage, "mapped"),
            (self.blocked, "blocked"),
            (self.skipped, "skipped"),
        ):
            out = out.join(per_file(rows, name), on="source_file", how="left")
        out = out.with_columns(pl.col("mapped", "blocked", "skipped").fill_null(0))
        return out.with_columns(
            (pl.col("loaded") == pl.col("mapped") + pl.col("blocked") + pl.col("skipped")).alias(
                "balanced"
            )
        ).sort("source_file")

    def verified(self) -> Mapped:
        """``self``, after making sure every loaded row is in exactly one place.

        A failure is a bug of the mapping, not a data problem, so it raises.
        """
        counts = self.counts()
        primary = pl.col("role") == self.primary
        places = pl.concat(
            [
                self.lineage.filter(primary)["index"].unique(),
                self.blocked.filter(primary)["index"],
                self.skipped.filter(primary)["index"],
            ]
        )
        once = places.len() == places.n_unique() == self.frames[self.primary].height
        if not (counts["balanced"].all() and once):
            bad = counts.sort("balanced").row(0, named=True)
            raise WorkbenchError(
                f"Interner Fehler der Abbildung: in {bad['source_file']} wurden {bad['loaded']} Zeilen "
                f"geladen, aber {bad['mapped']} abgebildet, {bad['blocked']} gesperrt und "
                f"{bad['skipped']} übersprungen. Bitte melden Sie diesen Fehler.",
                file=bad["source_file"],
            )
        return self


# -- helpers shared by the mapping modules -------------------------------------------------------

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def with_index(frame: pl.DataFrame) -> pl.DataFrame:
    """The canonical frame with its row position as ``_index`` (Int64)."""
    return frame.with_row_index("_index").with_columns(pl.col("_index").cast(pl.Int64))


def all_findings(loaded: pl.DataFrame, given: pl.DataFrame | None) -> pl.DataFrame:
    """Loader findings plus the caller's (check) findings, without exact duplicates."""
    parts = [loaded] if given is None else [loaded, given]
    merged = concat_findings(parts)
    return merged.unique(maintain_order=True) if given is not None else merged


def error_rules(findings: pl.DataFrame, *, by_item: bool = False) -> pl.DataFrame:
    """Error findings per (source, row): ``source_file``, ``source_row``, ``rules``, ``message``.

    ``by_item`` keeps ``item_id`` as a key too (to tell apart two Excel sheets of one file).
    """
    errors = findings.filter(pl.col("severity") == "error")
    keys = ["source", "row", "item_id"] if by_item else ["source", "row"]
    return (
        errors.group_by(*keys, maintain_order=True)
        .agg(
            pl.col("rule").unique(maintain_order=True).alias("rules"),
            pl.col("message").first().alias("message"),
        )
        .rename({"source": "source_file", "row": "source_row"})
    )


def blocked_rows(
    rows: pl.DataFrame, role: str, *, rules: str = "rules", message: str = "message"
) -> pl.DataFrame:
    """Shape ``rows`` (``_index``, ``source_file``, ``source_row``, ``_item`` + rules/message) as blocked."""
    return rows.select(
        pl.lit(role).alias("role"),
        pl.col("_index").alias("index"),
        "source_file",
        "source_row",
        pl.col("_item").cast(pl.String).alias("item_id"),
        pl.col(rules).alias("rules"),
        pl.col(message).alias("message"),
    ).cast(dict(BLOCKED_SCHEMA))  # type: ignore[arg-type]


def block_with_finding(
    rows: pl.DataFrame,
    *,
    rule: str,
    severity: str,
    column: str,
    message: pl.Expr,
    value: pl.Expr,
    sources: dict,
    role: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A finding per row and the rows blocked for it: the pair every mapping rule emits."""
    found = row_findings(
        rows,
        rule=rule,
        severity=severity,
        column=column,
        message=message,
        value=value,
        sources=sources,
        role=role,
    )
    stopped = blocked_rows(
        rows.with_columns(pl.lit([rule]).alias("rules"), message.alias("message")), role
    )
    return found, stopped


def _nothing_bad(
    bad: pl.DataFrame, condition: pl.Expr
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Expr]:
    """The (blocked rows, findings, condition) triple of a check that found nothing."""
    return (
        bad.with_columns(
            pl.lit([], dtype=pl.List(pl.String)).alias("rules"),
            pl.lit(None, dtype=pl.String).alias("message"),
        ),
        empty_findings(),
        condition,
    )


def empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def concat_blocked(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Blocked rows, one line per row: rules of several reasons are merged."""
    frames = [p for p in parts if p.height]
    if not frames:
        return empty(BLOCKED_SCHEMA)
    merged = pl.concat(frames)
    return (
        merged.group_by("role", "index", maintain_order=True)
        .agg(
            pl.col("source_file", "source_row", "item_id", "message").first(),
            pl.col("rules")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique(maintain_order=True),
        )
        .select(BLOCKED_SCHEMA.names())
        .sort("role", "index")
    )


def validation_findings(
    problems: pl.DataFrame,
    rows: pl.DataFrame,
    *,
    field_sources: dict[str, tuple[tuple[str, str], ...]],
    sources: dict[tuple[str, str], dict[str, str]],
    role: str,
    target: str,
) -> pl.DataFrame:
    """Findings for the DATEV writers' validation problems (``row``, ``field``, ``value``, ``message``).

    ``rows`` gives, per validated row position (``_pos``), the ``source_file``, ``source_row``
    and ``_item`` of the canonical row the record came from.
    """
    if problems.is_empty():
        return empty_findings()
    what = "Belegsatzdaten (LedgerImport)" if target == "ledger" else "EXTF-Buchungsstapel"
    hits = problems.join(rows, left_on="row", right_on="_pos", how="left", maintain_order="left")
    records = []
    for hit in hits.iter_rows(named=True):
        column = field_sources.get(hit["field"], ((role, None),))[0][1]
        source_column = sources.get((hit["source_file"], role), {}).get(column) if column else None
        where = f"Spalte '{source_column}'" if source_column else f"Feld '{hit['field']}'"
        records.append(
            {
                "source": hit["source_file"],
                "row": hit["source_row"],
                "item_id": hit["_item"],
                "column": column,
                "source_column": source_column,
                "rule": "field.datev",
                "severity": "error",
                "value": hit["value"],
                "expected": hit["message"],
                "message": (
                    f"{hit['source_file']}, Zeile {hit['source_row']}, {where}: der Wert "
                    f"'{hit['value'] or ''}' für das DATEV-Feld '{hit['field']}' {hit['message']}. "
                    f"DATEV würde die {what} ablehnen; korrigieren Sie den Wert in der Quelle."
                ),
            }
        )
    return pl.DataFrame(records, schema=FINDINGS_SCHEMA)


def source_maps(infos: Iterable[SourceInfo]) -> dict[tuple[str, str], dict[str, str]]:
    """(file, kind) → canonical column → source header."""
    return {(info.file, info.kind): dict(info.mapped) for info in infos}


def row_findings(
    rows: pl.DataFrame,
    *,
    rule: str,
    severity: str,
    column: str | None,
    message: pl.Expr,
    value: pl.Expr | None = None,
    expected: str | None = None,
    sources: dict[tuple[str, str], dict[str, str]] | None = None,
    role: str = "",
) -> pl.DataFrame:
    """One finding per row of ``rows`` (``source_file``, ``source_row``, ``_item``)."""
    if rows.is_empty():
        return empty_findings()
    source_column = None
    frame = rows.with_columns(
        message.alias("_message"),
        (value if value is not None else pl.lit(None, dtype=pl.String))
        .cast(pl.String)
        .alias("_value"),
    )
    if sources is not None and column is not None:
        lookup = pl.DataFrame(
            [
                {"source_file": file, "_sc": mapped.get(column)}
                for (file, kind), mapped in sources.items()
                if kind == role
            ],
            schema={"source_file": pl.String, "_sc": pl.String},
        )
        frame = frame.join(lookup, on="source_file", how="left", maintain_order="left")
        source_column = pl.col("_sc")
    return frame.select(
        pl.col("source_file").alias("source"),
        pl.col("source_row").alias("row"),
        pl.col("_item").cast(pl.String).alias("item_id"),
        pl.lit(column, dtype=pl.String).alias("column"),
        (source_column if source_column is not None else pl.lit(None, dtype=pl.String)).alias(
            "source_column"
        ),
        pl.lit(rule).alias("rule"),
        pl.lit(severity).alias("severity"),
        pl.col("_value").alias("value"),
        pl.lit(expected, dtype=pl.String).alias("expected"),
        pl.col("_message").alias("message"),
        pl.lit(None, dtype=pl.String).alias("suggestion"),
    )


def require(
    rows: pl.DataFrame,
    columns: dict[str, tuple[str, ...] | None],
    *,
    role: str,
    sources: dict[tuple[str, str], dict[str, str]],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Expr]:
    """Rows that lack a value the mapping cannot do without (``field.required``).

    ``columns`` maps a canonical column to its allowed values (``None``: any non-empty value).
    Returns the offending rows (with ``rules`` and ``message``), their findings, and the
    condition that selects them.
    """
    conditions = []
    for column, allowed in columns.items():
        missing = pl.col(column).is_null()
        if rows.schema[column] == pl.String:
            missing = missing | (pl.col(column).str.strip_chars() == "")
        if allowed is not None:
            missing = missing | ~pl.col(column).is_in(list(allowed))
        conditions.append((column, missing))
    # A null condition would make ``filter`` drop the row silently: null counts as missing.
    conditions = [(column, missing.fill_null(True)) for column, missing in conditions]
    condition = pl.any_horizontal(*[c for _, c in conditions]) if conditions else pl.lit(False)
    bad = rows.filter(condition)
    if bad.is_empty():
        return _nothing_bad(bad, condition)
    parts = []
    for column, missing in conditions:
        hit = bad.filter(missing)
        message = pl.format(
            "{}, Zeile {}: die Spalte für '{}' ist leer oder ungültig ('{}'); ohne sie lässt "
            "sich kein DATEV-Satz bilden. Ergänzen Sie den Wert in der Quelle.",
            "source_file",
            "source_row",
            pl.lit(column),
            pl.col(column).cast(pl.String).fill_null(""),
        )
        parts.append(
            row_findings(
                hit,
                rule="field.required",
                severity="error",
                column=column,
                message=message,
                value=pl.col(column),
                sources=sources,
                role=role,
            )
        )
    found = concat_findings(parts)
    first = found.unique(["source", "row"], keep="first", maintain_order=True)
    bad = bad.drop("rules", "message", strict=False).join(
        first.select(
            pl.col("source").alias("source_file"),
            pl.col("row").alias("source_row"),
            pl.lit(["field.required"]).alias("rules"),
            "message",
        ),
        on=["source_file", "source_row"],
        how="left",
        maintain_order="left",
    )
    return bad, found, condition


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # DATEV rejects larger Belegbilder (dxso-jobs #DCO01016)


def unreadable_attachments(
    rows: pl.DataFrame,
    *,
    role: str,
    sources: dict[tuple[str, str], dict[str, str]],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Expr]:
    """Rows whose Belegbild is missing on disk or larger than 20 MB (``attachment.*``).

    The package writer reads the files; a row it could not package is blocked here instead.
    Paths are taken as given (resolve them against the source folder before mapping).
    """
    paths = rows["attachment"].drop_nulls().unique().to_list()
    problems: dict[str, str] = {}
    for text in paths:
        try:
            size = Path(text).stat().st_size if Path(text).is_file() else None
        except OSError:
            size = None
        if size is None:
            problems[text] = "attachment.missing"
        elif size > MAX_ATTACHMENT_BYTES:
            problems[text] = "attachment.too_large"
    condition = pl.col("attachment").is_in(list(problems)).fill_null(False)
    bad = rows.filter(condition)
    if bad.is_empty():
        return _nothing_bad(bad, condition)
    rule = pl.col("attachment").replace_strict(problems, return_dtype=pl.String)
    what = (
        pl.when(rule == "attachment.missing")
        .then(pl.lit("fehlt"))
        .otherwise(pl.lit("ist größer als 20 MB"))
    )
    message = pl.format(
        "{}, Zeile {}: das Belegbild '{}' {}; DATEV nimmt den Beleg so nicht an. Legen Sie die "
        "Datei ab, verkleinern Sie sie oder entfernen Sie den Verweis.",
        "source_file",
        "source_row",
        "attachment",
        what,
    )
    bad = bad.with_columns(rule.alias("_rule"), message.alias("message"))
    found = concat_findings(
        [
            row_findings(
                part,
                rule=name,
                severity="error",
                column="attachment",
                message=pl.col("message"),
                value=pl.col("attachment"),
                sources=sources,
                role=role,
            )
            for name in set(problems.values())
            if (part := bad.filter(pl.col("_rule") == name)).height
        ]
    )
    bad = bad.with_columns(pl.concat_list("_rule").alias("rules")).drop("_rule")
    return bad, found, condition
