"""CRM invoices (+ positions) → DATEV, the two CRM+ add-ons of seed 001.

* ``mode="rds"`` (Rechnungsdatenservice 1.0): Belegsatzdaten, one ``consolidate`` per invoice
  with one record per position (one record for an invoice without positions). Rechnung,
  Gutschrift and Storno go to ``accountsReceivableLedger`` (Rechnungsausgang), Eingangsrechnung
  to ``accountsPayableLedger`` (Rechnungseingang). Gutschrift and Storno are corrections and
  carry negative amounts. ``accountNo`` (the booking proposal) is set only where the invoice
  has a Sachkonto. The records are what ``build_packages`` takes.
* ``mode="bds"`` (Buchungsdatenservice): EXTF Buchungsstapel bookings, one per position, with
  the personal account as Konto and the Sachkonto as Gegenkonto (DATEV's own example:
  ``1190,00 S 10000 8400 BU 3``), plus Debitoren/Kreditoren master data in ``master_data``.

Options from the CRM+ add-on settings: ``truncate_names`` ("Organisationsnamen bei 50 Zeichen
kürzen") and ``kost_menge`` ("KOST-Menge übertragen": the position quantity).

The invariant holds per invoice: every invoice row is mapped (all its positions) or blocked.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from workbench.datev.extf import ExtfHeader, validate_bookings
from workbench.datev.ledger_xml import ELEMENT_ORDER, validate_ledger_records
from workbench.datev.package import DOCUMENT_KINDS
from workbench.findings import concat_findings
from workbench.mapping.result import (
    LINEAGE_SCHEMA,
    SKIPPED_SCHEMA,
    Mapped,
    all_findings,
    blocked_rows,
    concat_blocked,
    empty,
    error_rules,
    require,
    row_findings,
    source_maps,
    unreadable_attachments,
    validation_findings,
)
from workbench.sources.loader import LoadResult
from workbench.sources.schema import canonical_schema

__all__ = ["BDS_FIELDS", "BU_CODES_SKR03", "MASTER_FIELDS", "RDS_FIELDS", "map_invoices"]

#: BU-Schlüssel by tax rate, SKR03: revenue (Umsatzsteuer) for Rechnung/Gutschrift/Storno,
#: input tax (Vorsteuer) for Eingangsrechnung. A rate of 0 (or none) books without BU-Schlüssel.
#: Other rates block the invoice (``tax.no_bu_code``); pass ``bu_codes`` for other charts.
BU_CODES_SKR03: dict[str, dict[float, str]] = {
    "revenue": {19.0: "3", 7.0: "2"},
    "expense": {19.0: "9", 7.0: "8"},
}
_OUTGOING = {"Rechnung": 1, "Gutschrift": -1, "Storno": -1}
_INCOMING = {"Eingangsrechnung": 1}
_INVOICES, _POSITIONS = "invoices", "positions"
NAME_LIMIT = 50

#: DATEV element / EXTF field ← (canonical frame, column), for the preview. A list: the first
#: candidate a record has lineage for wins (positions where the invoice has positions).
RDS_FIELDS: dict[str, list[tuple[str, str]]] = {
    "document_id": [(_INVOICES, "invoice_id")],
    "document_kind": [(_INVOICES, "invoice_kind")],
    "accounting_month": [(_INVOICES, "date")],
    "attachment": [(_INVOICES, "attachment")],
    "date": [(_INVOICES, "date")],
    "amount": [(_POSITIONS, "gross"), (_INVOICES, "gross")],
    "accountNo": [(_INVOICES, "account_no")],
    "costAmount": [(_POSITIONS, "quantity")],
    "costCategoryId": [(_INVOICES, "cost_center")],
    "tax": [(_POSITIONS, "tax"), (_INVOICES, "tax_amount")],
    "information": [(_INVOICES, "invoice_kind")],
    "currencyCode": [(_INVOICES, "currency_code")],
    "invoiceId": [(_INVOICES, "invoice_id")],
    "bookingText": [(_POSITIONS, "name"), (_INVOICES, "party_name")],
    "bpAccountNo": [(_INVOICES, "party_account_no")],
    "supplierName": [(_INVOICES, "party_name")],
    "supplierCity": [(_INVOICES, "city")],
    "customerName": [(_INVOICES, "party_name")],
    "customerCity": [(_INVOICES, "city")],
}
BDS_FIELDS: dict[str, list[tuple[str, str]]] = {
    "Umsatz (ohne Soll/Haben-Kz)": [(_POSITIONS, "gross"), (_INVOICES, "gross")],
    "Soll/Haben-Kennzeichen": [(_INVOICES, "invoice_kind")],
    "WKZ Umsatz": [(_INVOICES, "currency_code")],
    "Konto": [(_INVOICES, "party_account_no")],
    "Gegenkonto (ohne BU-Schlüssel)": [(_INVOICES, "account_no")],
    "BU-Schlüssel": [(_POSITIONS, "tax"), (_INVOICES, "tax_amount")],
    "Belegdatum": [(_INVOICES, "date")],
    "Belegfeld 1": [(_INVOICES, "invoice_id")],
    "Buchungstext": [(_INVOICES, "party_name")],
    "KOST1 - Kostenstelle": [(_INVOICES, "cost_center")],
    "Kost-Menge": [(_POSITIONS, "quantity")],
}
#: Debitoren/Kreditoren field ← canonical invoice column.
MASTER_FIELDS = {
    "Konto": "party_account_no",
    "Name (Adressatentyp Unternehmen)": "party_name",
    "Straße": "street",
    "Postleitzahl": "zip",
    "Ort": "city",
    "Land": "country",
    "Telefon": "phone",
    "E-Mail": "email",
    "Fax": "fax",
}


def _blank_to_null(column: str) -> pl.Expr:
    return pl.when(pl.col(column).str.strip_chars() == "").then(None).otherwise(pl.col(column))


def _lines(invoices: pl.DataFrame, positions: pl.DataFrame) -> pl.DataFrame:
    """One line per future record: the invoice, joined with each of its positions (if any)."""
    pos = positions.with_row_index("p_index").select(
        pl.col("invoice_id"),
        pl.col("p_index").cast(pl.Int64),
        *[pl.col(c).alias(f"p_{c}") for c in positions.columns if c != "invoice_id"],
    )
    lines = invoices.join(pos, on="invoice_id", how="left", maintain_order="left")
    return lines.sort("_index", "p_position", nulls_last=True, maintain_order=True)


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
    default_accounts: dict[str, str] | None = None,
    check_attachments: bool = True,
) -> Mapped:
    """Map invoices (and ``result.positions``) for Rechnungsdatenservice 1.0 or Buchungsdatenservice.

    ``mode="rds"``: LedgerImport records for ``build_packages``; ``mode="bds"``: Buchungsstapel
    bookings for ``write_extf`` plus ``master_data`` (Debitoren/Kreditoren) for a category-16
    file. ``default_accounts`` (``{"Rechnung": "8400", "Eingangsrechnung": "3400"}``) supplies
    the Sachkonto where an invoice has none (BDS only: RDS sets booking proposals only where the
    invoice names a Sachkonto). With ``check_attachments`` (RDS) an invoice whose Belegbild is
    missing or larger than 20 MB is blocked, since the package writer could not take it.

    >>> mapped = map_invoices(load_invoices("crm.xlsx", profile="crmplus"), mode="bds")
    >>> write_extf(mapped.records, header)
    """
    if mode not in ("rds", "bds"):
        raise ValueError(f"mode must be 'rds' or 'bds', not {mode!r}")
    codes = bu_codes or BU_CODES_SKR03
    sources = source_maps((*result.sources, *result.position_sources))
    found = all_findings(result.findings, findings)
    positions = (
        result.positions
        if result.positions is not None
        else pl.DataFrame(schema=canonical_schema(_POSITIONS))
    )
    invoices = result.frame.with_row_index("_index").with_columns(
        pl.col("_index").cast(pl.Int64),
        pl.col("invoice_id").alias("_item"),
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
    blocked: list[pl.DataFrame] = []
    new_findings: list[pl.DataFrame] = []

    def block(rows: pl.DataFrame, rule: str | None = None, message: pl.Expr | None = None) -> None:
        nonlocal invoices
        if rows.is_empty():
            return
        if rule is not None:
            rows = rows.with_columns(pl.lit([rule]).alias("rules"), message.alias("message"))  # type: ignore[union-attr]
        blocked.append(blocked_rows(rows, _INVOICES))
        invoices = invoices.filter(~pl.col("_index").is_in(rows["_index"].implode()))

    # Error findings on the invoice row, or on any of its positions, block the invoice.
    # Findings name file and row but not the Excel sheet: a finding's item_id (the invoice number)
    # tells the invoices sheet and the positions sheet of one workbook apart.
    errors = error_rules(found, by_item=True)
    same = pl.col("item_id").is_null() | (pl.col("item_id") == pl.col("invoice_id"))
    merged = [
        pl.col("rules")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique(maintain_order=True),
        pl.col("message").first(),
    ]
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
    hit = pl.concat(
        [
            invoices.join(on_header, on="_index", maintain_order="left"),
            invoices.join(on_positions, on="invoice_id", maintain_order="left"),
        ]
    )
    block(
        hit.group_by("_index", maintain_order=True).agg(
            pl.all().exclude("rules", "message").first(), *merged
        )
    )

    missing, found_missing, _ = require(
        invoices,
        {"invoice_id": None, "invoice_kind": (*_OUTGOING, *_INCOMING), "date": None},
        role=_INVOICES,
        sources=sources,
    )
    new_findings.append(found_missing)
    block(missing)
    if mode == "rds" and check_attachments:
        unreadable, found_files, _ = unreadable_attachments(
            invoices, role=_INVOICES, sources=sources
        )
        new_findings.append(found_files)
        block(unreadable)

    # Positions find their invoice by number: a number used twice in the file is ambiguous,
    # even if the other invoice with it is blocked for another reason.
    numbers = result.frame["invoice_id"].drop_nulls()
    dup = invoices.filter(
        pl.col("invoice_id").is_in(numbers.filter(numbers.is_duplicated()).implode())
    )
    if dup.height:
        message = pl.format(
            "{}, Zeile {}: Rechnungsnummer '{}' kommt mehrfach vor; Positionen und Belege "
            "lassen sich nicht eindeutig zuordnen. Vergeben Sie eindeutige Nummern.",
            "source_file",
            "source_row",
            "invoice_id",
        )
        new_findings.append(
            row_findings(
                dup,
                rule="duplicate.invoice_id",
                severity="error",
                column="invoice_id",
                message=message,
                value=pl.col("invoice_id"),
                sources=sources,
                role=_INVOICES,
            )
        )
        block(dup, "duplicate.invoice_id", message)

    orphans = positions.join(
        result.frame.select("invoice_id"), on="invoice_id", how="anti", maintain_order="left"
    )
    if orphans.height:
        message = pl.format(
            "{}, Zeile {}: Position gehört zu Rechnungsnummer '{}', die es in den Rechnungen "
            "nicht gibt; sie wird nicht übertragen.",
            "source_file",
            "source_row",
            "invoice_id",
        )
        new_findings.append(
            row_findings(
                orphans.with_columns(pl.col("invoice_id").alias("_item")),
                rule="invoice.orphan_position",
                severity="warning",
                column="invoice_id",
                message=message,
                value=pl.col("invoice_id"),
                sources=sources,
                role=_POSITIONS,
            )
        )

    lines = _lines(invoices, positions).with_columns(
        pl.when(pl.col("net").is_not_null() & (pl.col("net") != 0))
        .then((pl.col("tax_amount") / pl.col("net") * 100).round(2))
        .alias("_header_rate")
    )
    value = (
        pl.when(pl.col("p_index").is_null())
        .then(pl.col("gross"))
        .otherwise(pl.coalesce("p_gross", pl.col("p_net") + pl.col("p_tax_amount")))
    )
    # Gutschrift and Storno are corrections: negative, unless the source already wrote them so
    # (the invoice's gross says which); a position's own sign (a discount line) is kept.
    flip = (pl.col("_sign") < 0) & (pl.col("gross") > 0)
    lines = lines.with_columns(
        pl.when(flip).then(-value).otherwise(value).alias("_amount"),
        pl.when(flip).then(-pl.col("gross")).otherwise(pl.col("gross")).alias("_gross"),
        pl.when(pl.col("p_index").is_null())
        .then(pl.col("_header_rate"))
        .otherwise(pl.col("p_tax"))
        .alias("_rate"),
    )

    # The positions must add up to the invoice's gross, or DATEV gets a wrong consolidatedAmount.
    sums = (
        lines.filter(pl.col("p_index").is_not_null())
        .group_by("_index")
        .agg(pl.col("_amount").sum().alias("_sum"), pl.col("_gross").first())
    )
    off = sums.filter(
        ((pl.col("_sum") - pl.col("_gross")).abs() > 0.005) | pl.col("_sum").is_null()
    )
    if off.height:
        rows = invoices.join(
            off.select("_index", "_sum", "_gross"), on="_index", maintain_order="left"
        )
        message = pl.format(
            "{}, Zeile {}: die Positionen von Rechnung '{}' ergeben brutto {}, der Beleg nennt {}. "
            "Gleichen Sie Positionen und Bruttobetrag in der Quelle ab.",
            "source_file",
            "source_row",
            "invoice_id",
            pl.col("_sum").round(2),
            "_gross",
        )
        new_findings.append(
            row_findings(
                rows,
                rule="amount.positions_sum",
                severity="error",
                column="gross",
                message=message,
                value=pl.col("gross"),
                sources=sources,
                role=_INVOICES,
            )
        )
        block(rows, "amount.positions_sum", message)
        lines = lines.filter(pl.col("_index").is_in(invoices["_index"].implode()))

    if mode == "rds":
        records, field_sources, target = (
            _rds_records(lines, client, kost_menge),
            RDS_FIELDS,
            "ledger",
        )
    else:
        lines, bds_findings, bds_blocked = _bds_prepare(
            lines, codes, default_accounts or {}, sources
        )
        new_findings += bds_findings
        for rows, rule, message in bds_blocked:
            block(rows, rule, message)
        records, field_sources, target = _bds_records(lines, kost_menge), BDS_FIELDS, "extf"

    # What the DATEV writer would reject becomes a finding and blocks the invoice.
    problems = _validate(records, lines, mode, account_length)
    if problems.height:
        lookup = lines.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos"),
            "source_file",
            "source_row",
            "_item",
        )
        known = {name: tuple(candidates) for name, candidates in field_sources.items()}
        known |= {
            name: ((_INVOICES, column),)
            for name, column in MASTER_FIELDS.items()
            if name not in known
        }
        fresh = validation_findings(
            problems, lookup, field_sources=known, sources=sources, role=_INVOICES, target=target
        )
        new_findings.append(fresh)
        bad = lines.with_row_index("_pos").filter(
            pl.col("_pos").is_in(problems["row"].cast(pl.UInt32).implode())
        )
        reasons = (
            bad.select("_index")
            .unique()
            .join(lines.select("_index", "source_file", "source_row").unique("_index"), on="_index")
        )
        reasons = reasons.join(
            fresh.group_by("source", "row").agg(
                pl.col("rule").unique().alias("rules"), pl.col("message").first()
            ),
            left_on=["source_file", "source_row"],
            right_on=["source", "row"],
            how="left",
        )
        rows = invoices.join(
            reasons.select("_index", "rules", "message"), on="_index", maintain_order="left"
        )
        block(rows)
        keep = pl.col("_index").is_in(invoices["_index"].implode())
        records = records.filter(lines.select(keep).to_series())
        lines = lines.filter(keep)

    master = _master_data(lines) if mode == "bds" else None
    record = pl.int_range(pl.len(), dtype=pl.Int64).alias("record")
    lineage = (
        pl.concat(
            [
                lines.select(
                    record,
                    pl.lit(_INVOICES).alias("role"),
                    pl.col("_index").alias("index"),
                    "source_file",
                    "source_row",
                    pl.col("_item").alias("item_id"),
                ),
                lines.select(
                    record,
                    pl.lit(_POSITIONS).alias("role"),
                    pl.col("p_index").alias("index"),
                    pl.col("p_source_file").alias("source_file"),
                    pl.col("p_source_row").alias("source_row"),
                    pl.col("_item").alias("item_id"),
                ).filter(pl.col("index").is_not_null()),
            ]
        )
        .cast(dict(LINEAGE_SCHEMA))
        .sort("record", "role", maintain_order=True)
    )  # type: ignore[arg-type]
    return Mapped(
        kind=f"invoices-{mode}",
        target=target,
        records=records,
        lineage=lineage,
        blocked=concat_blocked(blocked),
        skipped=empty(SKIPPED_SCHEMA),
        findings=concat_findings([found, *new_findings]),
        field_sources={name: tuple(candidates) for name, candidates in field_sources.items()},
        frames={_INVOICES: result.frame, _POSITIONS: positions},
        sources=(*result.sources, *result.position_sources),
        primary=_INVOICES,
        master_data=master,
    ).verified()


def _rds_records(lines: pl.DataFrame, client: str | None, kost_menge: bool) -> pl.DataFrame:
    payable = pl.col("_document_kind") == "Rechnungseingang"
    name, city = _blank_to_null("_name"), _blank_to_null("city")
    extra = [pl.lit(client).alias("client")] if client else []
    return lines.select(
        pl.col("invoice_id").alias("document_id"),
        pl.col("_document_kind").alias("document_kind"),
        pl.col("date").dt.strftime("%Y-%m").alias("accounting_month"),
        "attachment",
        *extra,
        "date",
        pl.col("_amount").alias("amount"),
        pl.col("account_no").alias(
            "accountNo"
        ),  # the booking proposal: only where a Sachkonto is set
        (pl.col("p_quantity") if kost_menge else pl.lit(None, dtype=pl.Float64)).alias(
            "costAmount"
        ),
        _blank_to_null("cost_center").alias("costCategoryId"),
        pl.col("_rate").alias("tax"),
        pl.when(pl.col("_sign") < 0).then(pl.col("invoice_kind")).alias("information"),
        pl.col("currency_code").fill_null("EUR").alias("currencyCode"),
        pl.col("invoice_id").alias("invoiceId"),
        pl.coalesce(_blank_to_null("p_name"), name).str.slice(0, 60).alias("bookingText"),
        pl.col("party_account_no").alias("bpAccountNo"),
        pl.when(payable).then(name).alias("supplierName"),
        pl.when(payable).then(city).alias("supplierCity"),
        pl.when(~payable).then(name).alias("customerName"),
        pl.when(~payable).then(city).alias("customerCity"),
    )


def _bds_prepare(
    lines: pl.DataFrame, codes: dict[str, dict[float, str]], defaults: dict[str, str], sources: dict
) -> tuple[pl.DataFrame, list[pl.DataFrame], list[tuple]]:
    """Accounts and BU-Schlüssel per line; invoices lacking them are blocked."""
    revenue = pl.DataFrame(
        {"_rate": list(codes["revenue"]), "_bu_r": list(codes["revenue"].values())},
        schema={"_rate": pl.Float64, "_bu_r": pl.String},
    )
    expense = pl.DataFrame(
        {"_rate": list(codes["expense"]), "_bu_e": list(codes["expense"].values())},
        schema={"_rate": pl.Float64, "_bu_e": pl.String},
    )
    default = pl.col("invoice_kind").replace_strict(defaults, default=None, return_dtype=pl.String)
    lines = (
        lines.join(revenue, on="_rate", how="left", maintain_order="left")
        .join(expense, on="_rate", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("_rate").fill_null(0) == 0)
            .then(None)
            .when(pl.col("invoice_kind") == "Eingangsrechnung")
            .then(pl.col("_bu_e"))
            .otherwise(pl.col("_bu_r"))
            .alias("_bu"),
            pl.coalesce("account_no", default).alias("_account"),
        )
    )
    out_findings, out_blocked = [], []
    checks = (
        (
            "account.missing",
            "party_account_no",
            (
                pl.col("party_account_no").is_null(),
                "es fehlt das Debitoren-/Kreditorenkonto (Konto)",
            ),
        ),
        (
            "account.missing",
            "account_no",
            (pl.col("_account").is_null(), "es fehlt das Sachkonto (Gegenkonto)"),
        ),
        (
            "tax.no_bu_code",
            "tax",
            (
                pl.col("_bu").is_null() & (pl.col("_rate").fill_null(0) != 0),
                "für den Steuersatz gibt es keinen BU-Schlüssel",
            ),
        ),
    )
    bad_all = pl.lit(False)
    for rule, column, (condition, what) in checks:
        rows = lines.filter(condition & ~bad_all).unique(
            "_index", keep="first", maintain_order=True
        )
        bad_all = bad_all | condition
        if rows.is_empty():
            continue
        message = pl.format(
            "{}, Zeile {}: Rechnung '{}': {} (Steuersatz {}). Ohne diese Angabe lässt sich kein "
            "Buchungssatz bilden; ergänzen Sie sie in der Quelle oder in den Einstellungen.",
            "source_file",
            "source_row",
            "invoice_id",
            pl.lit(what),
            pl.col("_rate").fill_null(0),
        )
        value = pl.col("_rate") if rule == "tax.no_bu_code" else pl.lit(None, dtype=pl.String)
        out_findings.append(
            row_findings(
                rows,
                rule=rule,
                severity="error",
                column=column,
                message=message,
                value=value,
                sources=sources,
                role=_INVOICES,
            )
        )
        out_blocked.append((rows, rule, message))
    blocked_index = (
        pl.concat([r["_index"] for r, _, _ in out_blocked])
        if out_blocked
        else pl.Series([], dtype=pl.Int64)
    )
    return lines.filter(~pl.col("_index").is_in(blocked_index.implode())), out_findings, out_blocked


def _bds_records(lines: pl.DataFrame, kost_menge: bool) -> pl.DataFrame:
    # Konto is the personal account: a receivable is debited (S) by an invoice, a payable
    # credited (H); negative amounts (Gutschrift, Storno) swap the side.
    payable = pl.col("invoice_kind") == "Eingangsrechnung"
    debit = pl.when(payable).then(pl.col("_amount") < 0).otherwise(pl.col("_amount") > 0)
    columns = [
        pl.col("_amount").abs().alias("Umsatz (ohne Soll/Haben-Kz)"),
        pl.when(debit).then(pl.lit("S")).otherwise(pl.lit("H")).alias("Soll/Haben-Kennzeichen"),
        pl.col("currency_code").alias("WKZ Umsatz"),
        pl.col("party_account_no").alias("Konto"),
        pl.col("_account").alias("Gegenkonto (ohne BU-Schlüssel)"),
        pl.col("_bu").alias("BU-Schlüssel"),
        pl.col("date").alias("Belegdatum"),
        pl.col("invoice_id").alias("Belegfeld 1"),
        _blank_to_null("_name").str.slice(0, 60).alias("Buchungstext"),
        _blank_to_null("cost_center").alias("KOST1 - Kostenstelle"),
    ]
    if kost_menge:
        columns.append(pl.col("p_quantity").alias("Kost-Menge"))
    return lines.select(columns)


def _validate(
    records: pl.DataFrame, lines: pl.DataFrame, mode: str, account_length: int
) -> pl.DataFrame:
    schema = {"row": pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String}
    if records.is_empty():
        return pl.DataFrame(schema=schema)
    if mode == "bds":
        header = ExtfHeader(
            consultant_number=1001,
            client_number=1,
            fiscal_year_start=date(2000, 1, 1),
            account_length=account_length,
        )
        bookings = validate_bookings(records, header).filter(pl.col("row").is_not_null())
        # Each line's would-be master data row, so a bad name or address blocks its invoices.
        master_header = ExtfHeader(
            consultant_number=1001,
            client_number=1,
            fiscal_year_start=date(2000, 1, 1),
            account_length=account_length,
            category=16,
        )
        master = validate_bookings(_master_rows(lines), master_header).filter(
            pl.col("row").is_not_null()
        )
        return pl.concat([bookings, master])
    parts = []
    at = pl.int_range(pl.len(), dtype=pl.Int64).alias("_at")
    for kind, ledger in DOCUMENT_KINDS.items():
        part = records.with_columns(at).filter(pl.col("document_kind") == kind)
        if part.is_empty():
            continue
        columns = [
            c
            for c in part.columns
            if c in ELEMENT_ORDER[ledger]
            or c in ("document_id", "document_kind", "accounting_month", "attachment", "client")
        ]
        found = validate_ledger_records(part.select(columns), ledger=ledger).filter(
            pl.col("row").is_not_null()
        )
        parts.append(found.with_columns(part["_at"].gather(found["row"]).alias("row")))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _master_rows(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.select(
        *[
            (_blank_to_null("_name") if column == "party_name" else _blank_to_null(column)).alias(
                name
            )
            for name, column in MASTER_FIELDS.items()
        ],
        pl.lit("2").alias("Adressatentyp"),  # 2 = Unternehmen
    )


def _master_data(lines: pl.DataFrame) -> pl.DataFrame:
    """Debitoren/Kreditoren rows, one per personal account (the first invoice's data wins)."""
    return _master_rows(lines.unique("party_account_no", keep="first", maintain_order=True))
