"""CRM invoices (+ positions) → DATEV, the two CRM+ add-ons of seed 001.

* ``mode="rds"`` (Rechnungsdatenservice 1.0): Belegsatzdaten, one ``consolidate`` per invoice
  (:mod:`workbench.mapping.rds`).
* ``mode="bds"`` (Buchungsdatenservice): EXTF Buchungsstapel bookings, one per position
  (:mod:`workbench.mapping.bds`), plus Debitoren/Kreditoren in ``master_data``
  (:mod:`workbench.mapping.master_data`).

Both share the invoice's way through the row gate (:mod:`workbench.mapping.gate`) and its lines
(:mod:`workbench.mapping.invoice_lines`). Options from the CRM+ add-on settings:
``truncate_names`` ("Organisationsnamen bei 50 Zeichen kürzen") and ``kost_menge``
("KOST-Menge übertragen": the position quantity).

The invariant holds per invoice: every invoice row is mapped (all its positions) or blocked.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from workbench.german import number_expr
from workbench.mapping.accounts import with_party_accounts
from workbench.mapping.bds import (
    BDS_FIELDS,
    BU_CODES_SKR03,
    bds_problems,
    bds_records,
    bookable_lines,
)
from workbench.mapping.findings import (
    SourceColumns,
    all_findings,
    error_rules,
    row_findings,
    source_maps,
)
from workbench.mapping.gate import RowGate, lineage
from workbench.mapping.invoice_lines import invoice_lines
from workbench.mapping.master_data import MASTER_FIELDS, master_data
from workbench.mapping.rds import RDS_FIELDS, due_on_time, rds_records
from workbench.mapping.result import Mapped
from workbench.mapping.validation import ledger_problems
from workbench.sources.loader import LoadResult
from workbench.sources.schema import canonical_schema

__all__ = ["NAME_LIMIT", "map_invoices"]

_OUTGOING = {"Rechnung": 1, "Gutschrift": -1, "Storno": -1}
_INCOMING = {"Eingangsrechnung": 1}
_INVOICES, _POSITIONS = "invoices", "positions"
NAME_LIMIT = 50


def map_invoices(
    result: LoadResult,
    *,
    mode: str = "rds",
    findings: pl.DataFrame | None = None,
    client: str | None = None,
    truncate_names: bool = False,
    kost_menge: bool = False,
    bu_codes: dict[str, dict[float, str]] | None = None,
    account_length: int = 4,
    default_accounts: Mapping[str, str] | None = None,
    party_accounts: Mapping[str, str] | None = None,
) -> Mapped:
    """Map invoices (and ``result.positions``) for the Rechnungs- or Buchungsdatenservice.

    ``mode="rds"``: LedgerImport records for ``build_packages``; ``mode="bds"``: Buchungsstapel
    bookings for ``write_extf`` plus ``master_data`` (Debitoren/Kreditoren) for a category-16
    file. ``default_accounts`` (``{"Rechnung": "8400", "Eingangsrechnung": "3400"}``) supplies
    the Sachkonto where an invoice has none (BDS only: RDS sets booking proposals only where the
    invoice names a Sachkonto); ``party_accounts`` (``{"DE123456789": "70001"}``, keys the
    partner's USt-IdNr. or name) the Debitor/Kreditor where an invoice has none (both come from
    the client's settings, :mod:`workbench.mapping.accounts`). A Belegbild that is missing or
    too large is the check stage's finding (``attachment.*``): like every error finding in
    ``findings``, it blocks its invoice.

    >>> mapped = map_invoices(load_invoices("crm.xlsx", profile="crmplus"), mode="bds")
    >>> write_extf(mapped.records, header)
    """
    if mode not in ("rds", "bds"):
        raise ValueError(f"mode must be 'rds' or 'bds', not {mode!r}")
    positions = (
        result.positions
        if result.positions is not None
        else pl.DataFrame(schema=canonical_schema(_POSITIONS))
    )
    gate = RowGate(
        with_party_accounts(
            _prepared(result.frame, truncate_names=truncate_names), party_accounts or {}
        ),
        role=_INVOICES,
        item="invoice_id",
        findings=all_findings(result.findings, findings),
        sources=source_maps((*result.sources, *result.position_sources)),
        documents=result.documents,
    )
    gate.block(_with_errors(gate, positions))
    gate.require({"invoice_id": None, "invoice_kind": (*_OUTGOING, *_INCOMING), "date": None})
    _reject_ambiguous_numbers(gate, result.frame["invoice_id"])
    gate.findings.append(_orphan_positions(positions, result.frame, gate.sources))
    lines = invoice_lines(gate.rows, positions)
    _reject_wrong_sums(gate, lines)
    lines = gate.keep_open(lines)

    if mode == "rds":
        records = rds_records(lines, client=client, kost_menge=kost_menge)
        problems, field_sources, target = ledger_problems(records), RDS_FIELDS, "ledger"
    else:
        lines = bookable_lines(
            gate,
            lines,
            codes=bu_codes or BU_CODES_SKR03,
            defaults=default_accounts or {},
            client=client,
        )
        records = bds_records(lines, kost_menge=kost_menge)
        problems = bds_problems(records, lines, account_length=account_length)
        field_sources, target = BDS_FIELDS, "extf"
    # What the DATEV writer would reject becomes a finding and blocks the invoice.
    known = {name: tuple(candidates) for name, candidates in field_sources.items()}
    known |= {
        name: ((_INVOICES, column),) for name, column in MASTER_FIELDS.items() if name not in known
    }
    gate.block_invalid(problems, lines, field_sources=known, target=target)
    keep = gate.is_open(lines)
    records, lines = records.filter(keep), lines.filter(keep)
    if mode == "rds":
        gate.findings.append(_late_due_dates(gate.rows, gate.sources))

    return gate.finish(
        kind=f"invoices-{mode}",
        target=target,
        records=records,
        lineage=_lineage(lines),
        field_sources={name: tuple(candidates) for name, candidates in field_sources.items()},
        frames={_INVOICES: result.frame, _POSITIONS: positions},
        sources=(*result.sources, *result.position_sources),
        master_data=master_data(lines) if mode == "bds" else None,
    )


def _prepared(invoices: pl.DataFrame, *, truncate_names: bool) -> pl.DataFrame:
    """``_sign`` (-1: a correction), ``_document_kind`` (Beleg-Art) and ``_name`` (as booked);
    optional canonical columns a frame lacks are added empty."""
    schema = canonical_schema(_INVOICES)
    missing = [pl.lit(None, dtype=schema[c]).alias(c) for c in schema if c not in invoices.columns]
    return invoices.with_columns(missing).with_columns(
        pl.col("invoice_kind")
        .replace_strict({**_OUTGOING, **_INCOMING}, default=1, return_dtype=pl.Int64)
        .alias("_sign"),
        pl.when(pl.col("invoice_kind") == "Eingangsrechnung")
        .then(pl.lit("Rechnungseingang"))
        .otherwise(pl.lit("Rechnungsausgang"))
        .alias("_document_kind"),
        (
            pl.col("party_name").str.slice(0, NAME_LIMIT)
            if truncate_names
            else pl.col("party_name")
        ).alias("_name"),
    )


def _with_errors(gate: RowGate, positions: pl.DataFrame) -> pl.DataFrame:
    """Invoices with error findings on their own row, on any of their positions, or (an
    e-invoice) anywhere in their file.

    Findings name file and row but not the Excel sheet: a finding's item_id (the invoice
    number) tells the invoices sheet and the positions sheet of one workbook apart. An
    e-invoice's findings name the line of an XML element instead, so they go by the file.
    """
    errors = error_rules(gate.given, by_item=True)
    same = pl.col("item_id").is_null() | (pl.col("item_id") == pl.col("invoice_id"))
    merged = [
        pl.col("rules")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True),
        pl.col("message").first(),
    ]
    invoices = gate.rows
    on_header = (
        invoices.join(errors, on=["source_file", "source_row"], how="inner")
        .filter(same)
        .group_by("_index")
        .agg(*merged)
    )
    on_positions = (
        positions.join(errors, on=["source_file", "source_row"], how="inner")
        .filter(same)
        .group_by("invoice_id")
        .agg(*merged)
    )
    on_document = gate.document_errors().group_by("_index").agg(*merged)
    hit = pl.concat(
        [
            invoices.join(on_header, on="_index", maintain_order="left"),
            invoices.join(on_positions, on="invoice_id", maintain_order="left"),
            invoices.join(on_document, on="_index", maintain_order="left"),
        ]
    )
    return hit.group_by("_index", maintain_order=True).agg(
        pl.all().exclude("rules", "message").first(), *merged
    )


def _reject_ambiguous_numbers(gate: RowGate, numbers: pl.Series) -> None:
    """Positions find their invoice by number: a number used twice in the file is ambiguous,
    even if the other invoice with it is blocked for another reason."""
    numbers = numbers.drop_nulls()
    duplicated = numbers.filter(numbers.is_duplicated()).implode()
    message = pl.format(
        "{}, Zeile {}: Rechnungsnummer '{}' kommt mehrfach vor; Positionen und Belege "
        "lassen sich nicht eindeutig zuordnen. Vergeben Sie eindeutige Nummern.",
        "source_file",
        "source_row",
        "invoice_id",
    )
    gate.reject(
        pl.col("invoice_id").is_in(duplicated),
        rule="duplicate.invoice_id",
        column="invoice_id",
        message=message,
        value=pl.col("invoice_id"),
    )


def _orphan_positions(
    positions: pl.DataFrame, invoices: pl.DataFrame, sources: SourceColumns
) -> pl.DataFrame:
    """A warning for each position whose invoice number is not among the invoices."""
    orphans = positions.join(
        invoices.select("invoice_id"), on="invoice_id", how="anti", maintain_order="left"
    )
    message = pl.format(
        "{}, Zeile {}: Position gehört zu Rechnungsnummer '{}', die es in den Rechnungen "
        "nicht gibt; sie wird nicht übertragen.",
        "source_file",
        "source_row",
        "invoice_id",
    )
    return row_findings(
        orphans.with_columns(pl.col("invoice_id").alias("_item")),
        rule="invoice.orphan_position",
        severity="warning",
        column="invoice_id",
        message=message,
        value=pl.col("invoice_id"),
        sources=sources,
        role=_POSITIONS,
    )


def _late_due_dates(rows: pl.DataFrame, sources: SourceColumns) -> pl.DataFrame:
    """A warning for each mapped invoice whose due date, being before its date, is left out."""
    message = pl.format(
        "{}, Zeile {}: Rechnung '{}': das Fälligkeitsdatum {} liegt vor dem Rechnungsdatum {} "
        "und wird nicht an DATEV übertragen (DATEV: die Fälligkeit liegt nach dem "
        "Rechnungsdatum). Prüfen Sie die Zahlungsbedingungen.",
        "source_file",
        "source_row",
        "invoice_id",
        pl.col("due_date").dt.strftime("%d.%m.%Y"),
        pl.col("date").dt.strftime("%d.%m.%Y"),
    )
    return row_findings(
        rows.filter(~due_on_time()),
        rule="field.due_date",
        severity="warning",
        column="due_date",
        message=message,
        value=pl.col("due_date").dt.strftime("%Y-%m-%d"),
        sources=sources,
        role=_INVOICES,
    )


def _reject_wrong_sums(gate: RowGate, lines: pl.DataFrame) -> None:
    """The positions must add up to the invoice's gross, or DATEV gets a wrong total.

    (The total is LedgerImport's ``consolidatedAmount``; in EXTF the bookings would not match
    the Beleg.)
    """
    sums = (
        lines.filter(pl.col("p_index").is_not_null())
        .group_by("_index")
        .agg(pl.col("_amount").sum().alias("_sum"), pl.col("_gross").first())
    )
    off = sums.filter(
        ((pl.col("_sum") - pl.col("_gross")).abs() > 0.005) | pl.col("_sum").is_null()
    )
    if off.is_empty():
        return
    message = pl.format(
        "{}, Zeile {}: die Positionen von Rechnung '{}' ergeben brutto {}, der Beleg nennt {}. "
        "Gleichen Sie Positionen und Bruttobetrag in der Quelle ab.",
        "source_file",
        "source_row",
        "invoice_id",
        number_expr(pl.col("_sum")),
        number_expr(pl.col("_gross")),
    )
    gate.reject(
        gate.rows.join(off.select("_index", "_sum", "_gross"), on="_index", maintain_order="left"),
        rule="amount.positions_sum",
        column="gross",
        message=message,
        value=pl.col("gross"),
    )


def _lineage(lines: pl.DataFrame) -> pl.DataFrame:
    """Each record comes from its invoice and, where it has one, its position."""
    record = pl.int_range(pl.len(), dtype=pl.Int64).alias("_record")
    positions = lines.select(
        record,
        pl.col("p_index").alias("_index"),
        pl.col("p_source_file").alias("source_file"),
        pl.col("p_source_row").alias("source_row"),
        "_item",
    ).filter(pl.col("_index").is_not_null())
    return pl.concat(
        [
            lineage(lines, _INVOICES),
            lineage(positions, _POSITIONS, record="_record"),
        ]
    ).sort("record", "role", maintain_order=True)
