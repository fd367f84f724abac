"""The row gate: every row a mapper takes in is mapped, blocked with findings, or skipped.

Nothing is lost between loading and mapping (ARCHITECTURE §2). A mapper puts the rows of its
*primary* frame (receipt items, invoices, POS rows) through one :class:`RowGate`, which decides
each row's fate once, in the order the mapper calls its steps:

1. :meth:`~RowGate.skip`: an explicit rule leaves the row out (``block_transfer``; a POS
   category that sums to 0,00), with the reason;
2. :meth:`~RowGate.block_on_errors`: an error finding of the loader or the checks blocks it;
3. :meth:`~RowGate.require`: a value the mapping cannot do without is missing (``field.required``);
4. the mapper's own rules: :meth:`~RowGate.reject` writes one finding per row and blocks it,
   :meth:`~RowGate.block` blocks rows whose findings exist already, and
   :meth:`~RowGate.block_invalid` turns what DATEV's writers would refuse into ``field.datev``
   findings (see :mod:`workbench.mapping.validation`) and blocks the rows behind it;
5. :meth:`~RowGate.block_documents`: when one item of a document is blocked, so are the others;
6. :meth:`~RowGate.finish`: the :class:`~workbench.mapping.result.Mapped` result, verified to
   hold every row exactly once (``Mapped.counts``: loaded = mapped + blocked + skipped).

A row is known by ``_index``, its position in the primary frame, and carries ``_item`` (the
item id its findings name). Only open rows (neither blocked nor skipped) can be blocked or
skipped, so a row never ends up in two places. Steps take the rows they act on as a frame with
``_index``, ``source_file``, ``source_row`` and ``_item`` (any frame derived from
:attr:`RowGate.rows`, one line per source row), or as a condition on the open rows.

A new mapper, sketched (``map_receipts`` is the shortest real one)::

    gate = RowGate(frame, role="receipts", item="item_id", findings=found, sources=sources)
    gate.skip(pl.col("block_transfer").fill_null(False), reason="...")
    gate.block_on_errors()
    gate.require({"document_id": None})
    rows = gate.rows
    records = build_records(rows)                     # aligned with rows
    gate.reject(rows.filter(...), rule="...", column="...", message=..., value=...)
    gate.block_invalid(ledger_problems(records), rows, field_sources=..., target="ledger")
    keep = gate.is_open(rows)
    return gate.finish(kind=..., target="ledger", records=records.filter(keep),
                       lineage=lineage(rows.filter(keep), "receipts"), ...)
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench.datev.extf_header import HeaderOptions
from workbench.findings import concat_findings
from workbench.mapping.findings import (
    SourceColumns,
    document_error_rules,
    error_rules,
    row_findings,
    validation_findings,
)
from workbench.mapping.result import BLOCKED_SCHEMA, LINEAGE_SCHEMA, SKIPPED_SCHEMA, Mapped
from workbench.mapping.row_checks import missing_values
from workbench.sources.loader import SourceInfo

__all__ = ["RowGate", "lineage"]

Rows = pl.DataFrame | pl.Expr


class RowGate:
    """Where each row of one mapper's primary frame goes: mapped, blocked or skipped.

    ``frame`` is the primary canonical frame (extra columns the mapper needs may be added
    first); ``role`` names it (``receipts``, ``invoices``, ``pos``); ``item`` is the column
    whose value findings name as ``item_id``; ``findings`` are the loader's and the checks'
    findings (they come first in the result); ``sources`` maps files to their headers;
    ``documents`` are files that each hold one item as a document (e-invoices, see
    :attr:`~workbench.sources.loader.LoadResult.documents`): an error finding anywhere in such
    a file blocks its item, whichever line it names.
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        *,
        role: str,
        item: str,
        findings: pl.DataFrame,
        sources: SourceColumns,
        documents: frozenset[str] = frozenset(),
    ) -> None:
        self.frame = (
            frame.with_row_index("_index")
            .with_columns(pl.col("_index").cast(pl.Int64))
            .with_columns(pl.col(item).alias("_item"))
        )
        self.role = role
        self.sources = sources
        self.documents = documents
        self.given = findings
        self.findings: list[pl.DataFrame] = [findings]
        self._blocked: list[pl.DataFrame] = []
        self._skipped: list[pl.DataFrame] = []
        self._open = pl.repeat(True, self.frame.height, eager=True, dtype=pl.Boolean)
        self._rows: pl.DataFrame | None = self.frame

    # -- which rows are still open ----------------------------------------------------------

    @property
    def rows(self) -> pl.DataFrame:
        """The open rows (neither blocked nor skipped), in their original order."""
        if self._rows is None:
            self._rows = self.frame.filter(self._open)
        return self._rows

    def is_open(self, frame: pl.DataFrame) -> pl.Series:
        """Per line of ``frame`` (anything with ``_index``): is its source row still open?"""
        return self._open.gather(frame["_index"])

    def keep_open(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The lines of ``frame`` whose source row is still open."""
        return frame.filter(self.is_open(frame))

    def _open_part(self, rows: Rows) -> pl.DataFrame:
        if isinstance(rows, pl.Expr):
            return self.rows.filter(rows)
        return rows.filter(self.is_open(rows))

    def _close(self, index: pl.Series) -> None:
        self._open.scatter(index, False)
        self._rows = None

    # -- the steps ----------------------------------------------------------------------------

    def skip(self, rows: Rows, *, reason: str) -> None:
        """Leave ``rows`` out by an explicit rule; ``reason`` says which (German, for the user)."""
        rows = self._open_part(rows)
        if rows.is_empty():
            return
        self._skipped.append(
            rows.select(
                pl.lit(self.role).alias("role"),
                pl.col("_index").alias("index"),
                "source_file",
                "source_row",
                pl.col("_item").alias("item_id"),
                pl.lit(reason).alias("reason"),
            ).cast(dict(SKIPPED_SCHEMA))  # type: ignore[arg-type]
        )
        self._close(rows["_index"])

    def block(self, rows: Rows, *, rule: str | None = None, message: pl.Expr | None = None) -> None:
        """Block ``rows`` whose findings exist already.

        The reasons are the ``rules`` (list) and ``message`` columns of ``rows``, or ``rule``
        and the ``message`` expression.
        """
        rows = self._open_part(rows)
        if rows.is_empty():
            return
        if rule is not None and message is not None:
            rows = rows.with_columns(pl.lit([rule]).alias("rules"), message.alias("message"))
        self._blocked.append(
            rows.select(
                pl.lit(self.role).alias("role"),
                pl.col("_index").alias("index"),
                "source_file",
                "source_row",
                pl.col("_item").cast(pl.String).alias("item_id"),
                "rules",
                "message",
            ).cast(dict(BLOCKED_SCHEMA))  # type: ignore[arg-type]
        )
        self._close(rows["_index"])

    def reject(
        self, rows: Rows, *, rule: str, column: str, message: pl.Expr, value: pl.Expr
    ) -> None:
        """An error finding for each of ``rows`` (``rule`` on ``column``), and block them."""
        rows = self._open_part(rows)
        self.findings.append(
            row_findings(
                rows,
                rule=rule,
                severity="error",
                column=column,
                message=message,
                value=value,
                sources=self.sources,
                role=self.role,
            )
        )
        self.block(rows, rule=rule, message=message)

    def block_on_errors(self) -> None:
        """Block the rows that the loader's or the checks' error findings name (file and row;
        in a document file, the file)."""
        errors = error_rules(self.given)
        on = ["source_file", "source_row"]
        if not self.documents:  # tables only (a million receipt rows): one join
            self.block(self.rows.join(errors, on=on, how="inner", maintain_order="left"))
            return
        tables = self.rows.filter(~pl.col("source_file").is_in(sorted(self.documents)))
        on_rows = tables.join(errors, on=on, how="inner", maintain_order="left")
        self.block(pl.concat([on_rows, self.document_errors()]).sort("_index"))

    def document_errors(self) -> pl.DataFrame:
        """The open rows of document files with an error finding anywhere in their file, with
        its ``rules`` and ``message`` (an e-invoice's findings name XML lines, not rows)."""
        errors = document_error_rules(self.given, self.documents)
        return self.rows.join(errors, on="source_file", how="inner", maintain_order="left")

    def require(self, columns: dict[str, tuple[str, ...] | None]) -> None:
        """Block rows that lack a value the mapping cannot do without (``field.required``).

        ``columns`` maps a canonical column to its allowed values (``None``: any non-empty value).
        """
        bad, found = missing_values(self.rows, columns, role=self.role, sources=self.sources)
        self.findings.append(found)
        self.block(bad)

    def block_invalid(
        self,
        problems: pl.DataFrame,
        lines: pl.DataFrame,
        *,
        field_sources: dict[str, tuple[tuple[str, str], ...]],
        target: str,
    ) -> None:
        """What DATEV's writer would refuse: ``field.datev`` findings, and block their rows.

        ``problems`` come from :mod:`workbench.mapping.validation` (``row``: a position in
        ``lines``); ``lines`` are the open rows the records were built from, one line per record
        (``_index``, ``source_file``, ``source_row``, ``_item``). A row that made several records
        is blocked whole when one of them is invalid.
        """
        if problems.is_empty():
            return
        lookup = lines.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos"),
            "source_file",
            "source_row",
            "_item",
        )
        found = validation_findings(
            problems,
            lookup,
            field_sources=field_sources,
            sources=self.sources,
            role=self.role,
            target=target,
        )
        self.findings.append(found)
        reasons = found.group_by("source", "row", maintain_order=True).agg(
            pl.col("rule").unique(maintain_order=True).alias("rules"), pl.col("message").first()
        )
        hit = lines["_index"].gather(problems["row"]).unique()
        rows = self.rows.filter(pl.col("_index").is_in(hit.implode())).join(
            reasons,
            left_on=["source_file", "source_row"],
            right_on=["source", "row"],
            how="left",
            maintain_order="left",
        )
        self.block(rows)

    def block_documents(self, keys: list[str], *, document: str = "document_id") -> None:
        """Block the open items of every document (``keys``) that has a blocked item.

        So that no document reaches DATEV with a wrong total: each such item gets a
        ``transfer.document_blocked`` error that names the document (column ``document``); not
        ``transfer.blocked``, the Hinweis on an item the user excluded (BlockTransfer__c).
        """
        blocked = self.blocked().select(pl.col("index").alias("_index"))
        documents = self.frame.join(blocked, on="_index").select(keys).unique()
        siblings = self.rows.join(
            documents, on=keys, how="semi", nulls_equal=True, maintain_order="left"
        )
        message = pl.format(
            "{}, Zeile {}: Belegposition '{}' wird nicht übertragen, weil eine andere Position "
            "von Beleg '{}' gesperrt ist. Beheben Sie die Fehler der anderen Position; dann "
            "wird der Beleg vollständig übertragen.",
            "source_file",
            "source_row",
            "_item",
            document,
        )
        self.reject(
            siblings,
            rule="transfer.document_blocked",
            column=document,
            message=message,
            value=pl.col(document),
        )

    # -- the result ---------------------------------------------------------------------------

    def blocked(self) -> pl.DataFrame:
        """The blocked rows so far (``BLOCKED_SCHEMA``), in frame order."""
        return _concat_blocked(self._blocked)

    def skipped(self) -> pl.DataFrame:
        """The skipped rows so far (``SKIPPED_SCHEMA``), in frame order."""
        if not self._skipped:
            return pl.DataFrame(schema=SKIPPED_SCHEMA)
        return pl.concat(self._skipped).sort("index", maintain_order=True)

    def finish(
        self,
        *,
        kind: str,
        target: str,
        records: pl.DataFrame,
        lineage: pl.DataFrame,
        field_sources: dict[str, tuple[tuple[str, str], ...]],
        frames: dict[str, pl.DataFrame],
        sources: tuple[SourceInfo, ...],
        master_data: pl.DataFrame | None = None,
        header: HeaderOptions | None = None,
    ) -> Mapped:
        """The mapping's result, verified: every row of the primary frame is in one place."""
        return Mapped(
            kind=kind,
            target=target,
            records=records,
            lineage=lineage,
            blocked=self.blocked(),
            skipped=self.skipped(),
            findings=concat_findings(self.findings),
            field_sources=field_sources,
            frames=frames,
            sources=sources,
            primary=self.role,
            master_data=master_data,
            header=header if header is not None else HeaderOptions(),
        ).verified()


def lineage(rows: pl.DataFrame, role: str, *, record: str | None = None) -> pl.DataFrame:
    """Lineage (``LINEAGE_SCHEMA``) of ``rows`` (the gate's columns, one line per record).

    ``record`` names the column with each line's record number; without it, line ``i`` made
    record ``i``.
    """
    number = pl.col(record) if record else pl.int_range(pl.len(), dtype=pl.Int64)
    return rows.select(
        number.alias("record"),
        pl.lit(role).alias("role"),
        pl.col("_index").alias("index"),
        "source_file",
        "source_row",
        pl.col("_item").alias("item_id"),
    ).cast(dict(LINEAGE_SCHEMA))  # type: ignore[arg-type]


def _concat_blocked(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Blocked rows, one line per row: rules of several reasons are merged."""
    frames = [p for p in parts if p.height]
    if not frames:
        return pl.DataFrame(schema=BLOCKED_SCHEMA)
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
