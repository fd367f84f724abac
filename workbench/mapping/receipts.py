"""Receipt items (Belegpositionen) → LedgerImport records per Beleg-Art (seed 004).

Rechnungseingang → ``accountsPayableLedger`` (supplierName/supplierCity), Rechnungsausgang →
``accountsReceivableLedger`` (customerName/customerCity), Kasse → ``cashLedger`` (base
elements plus currencyCode, invoiceId, bookingText only). JustOn's Booking Detail and Expense
exports arrive as the same canonical columns (the ``juston`` profile renames them), so one
table serves both; ``RECEIPT_FIELDS`` is that table.

The records frame is exactly what :func:`workbench.datev.package.build_packages` takes:
XSD element columns plus ``document_id``, ``document_kind``, ``accounting_month``,
``attachment`` (and ``client`` when given).
"""

from __future__ import annotations

import polars as pl

from workbench.datev.ledger_xml import ELEMENT_ORDER, MAX_RECORDS, validate_ledger_records
from workbench.datev.package import DOCUMENT_KINDS
from workbench.findings import concat_findings
from workbench.mapping.result import (
    LINEAGE_SCHEMA,
    SKIPPED_SCHEMA,
    Mapped,
    all_findings,
    block_with_finding,
    blocked_rows,
    concat_blocked,
    error_rules,
    require,
    source_maps,
    unreadable_attachments,
    validation_findings,
    with_index,
)
from workbench.sources.loader import LoadResult

__all__ = ["RECEIPT_FIELDS", "map_receipts"]

_PAYABLE, _RECEIVABLE, _CASH = "Rechnungseingang", "Rechnungsausgang", "Kasse"
_ALL = (_PAYABLE, _RECEIVABLE, _CASH)
_INVOICES = (_PAYABLE, _RECEIVABLE)

#: DATEV element ← canonical column, and the Beleg-Arten whose ledger has the element.
#: Seed 004 (Booking Detail / Expense → Accounting Document Item → DATEV) plus the canonical
#: columns seed 004's "Feldbezeichnung im DATEV-Rechnungswesen-Programm" table lists (BU, KOST1/2,
#: KOST-Menge, Nachricht, Geschäftspartner-Konto, Fälligkeit).
RECEIPT_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("date", "date", _ALL),  # BookingDate/BookingPeriod, ReceiptDate
    ("amount", "amount", _ALL),  # Amount, GrossAmount (signed gross)
    ("accountNo", "account_no", _ALL),  # AccountNo, GLAccount
    ("buCode", "bu_code", _ALL),
    ("costAmount", "cost_amount", _ALL),  # KOST-Menge
    ("costCategoryId", "cost_category_id", _ALL),  # KOST1
    ("costCategoryId2", "cost_category_id2", _ALL),  # KOST2
    ("tax", "tax", _ALL),  # TaxRate
    ("information", "information", _ALL),  # Nachricht
    ("currencyCode", "currency_code", _ALL),  # CurrencyIsoCode (default EUR)
    ("invoiceId", "invoice_id", _ALL),  # InvoiceNo, ReceiptNo
    ("bookingText", "booking_text", _ALL),  # Belegtext
    ("paidAt", "paid_at", _INVOICES),  # PaymentDate
    ("internalInvoiceId", "internal_invoice_id", _INVOICES),  # Name (Expense)
    ("vatId", "vat_id", _INVOICES),  # VATId, SenderTaxId
    ("iban", "iban", _INVOICES),  # IBAN, PayeeIBAN
    ("swiftCode", "swift_code", _INVOICES),  # BIC, PayeeBIC
    ("dueDate", "due_date", _INVOICES),
    ("bpAccountNo", "party_account_no", _INVOICES),  # Geschäftspartner-Konto
    ("deliveryDate", "delivery_date", _INVOICES),  # DeliveryDate
    ("supplierName", "party_name", (_PAYABLE,)),  # PayeeName
    ("supplierCity", "party_city", (_PAYABLE,)),  # SenderCity
    ("customerName", "party_name", (_RECEIVABLE,)),  # AccountName
    ("customerCity", "party_city", (_RECEIVABLE,)),  # BillingCity
)
_PACKAGE = ("document_id", "document_kind", "accounting_month", "attachment")
_ROLE = "receipts"


def _element(name: str, column: str, kinds: tuple[str, ...]) -> pl.Expr:
    value = pl.col(column)
    if name == "currencyCode":
        value = value.fill_null("EUR")
    elif name in (
        "costCategoryId",
        "costCategoryId2",
        "bookingText",
        "information",
        "supplierName",
        "customerName",
        "supplierCity",
        "customerCity",
    ):
        value = pl.when(value.str.strip_chars() == "").then(None).otherwise(value)
    if kinds != _ALL:
        value = pl.when(pl.col("document_kind").is_in(list(kinds))).then(value)
    return value.alias(name)


def _records(rows: pl.DataFrame, client: str | None) -> pl.DataFrame:
    extra = [pl.lit(client).alias("client")] if client else []
    return rows.select(*_PACKAGE, *extra, *[_element(*spec) for spec in RECEIPT_FIELDS])


def map_receipts(
    result: LoadResult,
    *,
    findings: pl.DataFrame | None = None,
    client: str | None = None,
    whole_documents: bool = True,
    check_attachments: bool = True,
) -> Mapped:
    """Map loaded receipt items to LedgerImport records ready for ``build_packages``.

    ``findings`` are the checks' findings (the loader's are always included); a row with an
    error finding is blocked, a ``block_transfer`` row is skipped. With ``whole_documents`` a
    document (Beleg) whose items are partly blocked is blocked whole, so that no Beleg reaches
    DATEV with a wrong total. With ``check_attachments`` a Belegbild (``attachment``, a path as
    given) that is missing or larger than 20 MB blocks its row, since the package writer could
    not take it.

    >>> mapped = map_receipts(load_receipts("bd.csv", profile="juston"), client="455148-1")
    >>> build_packages(mapped.records, out_dir="out")
    """
    frame = with_index(result.frame).with_columns(pl.col("item_id").alias("_item"))
    found = all_findings(result.findings, findings)
    sources = source_maps(result.sources)
    field_sources = {name: ((_ROLE, column),) for name, column, _ in RECEIPT_FIELDS}
    field_sources.update({name: ((_ROLE, name),) for name in _PACKAGE})

    skip = frame["block_transfer"].fill_null(False)
    skipped = (
        frame.filter(skip)
        .select(
            pl.lit(_ROLE).alias("role"),
            pl.col("_index").alias("index"),
            "source_file",
            "source_row",
            pl.col("_item").alias("item_id"),
            pl.lit("block_transfer: Belegposition ist von der Übertragung ausgeschlossen").alias(
                "reason"
            ),
        )
        .cast(dict(SKIPPED_SCHEMA))
    )  # type: ignore[arg-type]
    rows = frame.filter(~skip).join(
        error_rules(found), on=["source_file", "source_row"], how="left", maintain_order="left"
    )
    blocked = [blocked_rows(rows.filter(pl.col("rules").is_not_null()), _ROLE)]
    rows = rows.filter(pl.col("rules").is_null())
    # Without a Beleg and a known Beleg-Art there is no package to put the item in.
    missing, new_findings, condition = require(
        rows,
        {"document_id": None, "document_kind": tuple(DOCUMENT_KINDS)},
        role=_ROLE,
        sources=sources,
    )
    new_findings = [new_findings]
    blocked.append(blocked_rows(missing, _ROLE))
    rows = rows.filter(~condition)
    if check_attachments:
        unreadable, found_files, condition = unreadable_attachments(
            rows, role=_ROLE, sources=sources
        )
        new_findings.append(found_files)
        blocked.append(blocked_rows(unreadable, _ROLE))
        rows = rows.filter(~condition)

    # What DATEV's writer would reject becomes a finding and blocks the row. The checks below
    # mark rows in ``alive``; the wide frames are filtered once, at the end.
    records = _records(rows, client)
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    alive = pl.repeat(True, rows.height, eager=True, dtype=pl.Boolean)

    def kill(positions: pl.Series) -> None:
        nonlocal alive
        alive = alive & ~rows.select(position.is_in(positions.implode())).to_series()

    def at(positions: pl.Series) -> pl.DataFrame:
        return rows.with_columns(position.alias("_at")).filter(
            pl.col("_at").is_in(positions.implode())
        )

    invalid = []
    for kind, ledger in DOCUMENT_KINDS.items():
        is_kind = rows["document_kind"] == kind
        if not is_kind.any():
            continue
        part = records.filter(is_kind)
        columns = [
            c for c in part.columns if c in ELEMENT_ORDER[ledger] or c in (*_PACKAGE, "client")
        ]
        problems = validate_ledger_records(part.select(columns), ledger=ledger)
        problems = problems.filter(pl.col("row").is_not_null())
        if problems.height:
            lookup = rows.select("source_file", "source_row", "_item", position.alias("_at"))
            lookup = lookup.filter(is_kind).with_columns(position.alias("_pos"))
            new_findings.append(
                validation_findings(
                    problems,
                    lookup,
                    field_sources=field_sources,
                    sources=sources,
                    role=_ROLE,
                    target="ledger",
                )
            )
            hit = problems.select(pl.col("row").alias("_pos")).unique()
            invalid.append(lookup.join(hit, on="_pos")["_at"])
    if invalid:
        bad = pl.concat(invalid).unique()
        fresh = concat_findings(new_findings)
        reasons = fresh.group_by("source", "row").agg(
            pl.col("rule").unique().alias("rules"), pl.col("message").first()
        )
        flagged = (
            at(bad)
            .drop("rules", "message")
            .join(
                reasons,
                left_on=["source_file", "source_row"],
                right_on=["source", "row"],
                how="left",
                maintain_order="left",
            )
        )
        blocked.append(blocked_rows(flagged, _ROLE))
        kill(bad)

    # One Beleg = one consolidate: its items must share date, invoiceId and currency.
    # Hashes instead of strings: 3x faster on a million items. A collision of two documents' keys
    # can only flag a good document (blocked, with a finding); one of two invoiceIds would leave
    # the disagreement to build_packages, which refuses it loudly. Nulls hash to a value too.
    keys = ["accounting_month", "document_kind", "document_id"]
    keyed = records.select(
        position.alias("_at"),
        pl.struct(keys).hash().alias("_doc"),
        pl.col("date").cast(pl.Int32).alias("_date"),
        pl.col("invoiceId").hash().alias("_id"),
        pl.col("currencyCode").hash().alias("_currency"),
    ).filter(alive)
    differs = [(pl.col(c).min() != pl.col(c).max()) for c in ("_date", "_id", "_currency")]
    per_doc = (
        keyed.group_by("_doc")
        .agg(
            differs[0].alias("_dates"),
            differs[1].alias("_ids"),
            differs[2].alias("_currencies"),
            (pl.len() > MAX_RECORDS).alias("_size"),
        )
        .filter(pl.any_horizontal("_dates", "_ids", "_currencies", "_size"))
    )
    if per_doc.height:
        marked = keyed.join(per_doc, on="_doc", how="inner").select(
            "_at", "_dates", "_ids", "_currencies", "_size"
        )
        flagged = at(marked["_at"]).join(marked, on="_at", how="left", maintain_order="left")
        reason = (
            pl.when("_size")
            .then(pl.lit(f"hat mehr als {MAX_RECORDS} Belegpositionen"))
            .when("_dates")
            .then(pl.lit("hat Positionen mit verschiedenen Belegdaten"))
            .when("_ids")
            .then(pl.lit("hat Positionen mit verschiedenen Rechnungsnummern"))
            .otherwise(pl.lit("hat Positionen in verschiedenen Währungen"))
        )
        message = pl.format(
            "{}, Zeile {}: Beleg '{}' {}. DATEV nimmt einen Beleg nur mit gleichem Datum, "
            "gleicher Rechnungsnummer und Währung an; teilen Sie den Beleg in der Quelle auf.",
            "source_file",
            "source_row",
            "document_id",
            reason,
        )
        rule_found, stopped = block_with_finding(
            flagged,
            rule="receipts.document_inconsistent",
            severity="error",
            column="document_id",
            message=message,
            value=pl.col("document_id"),
            sources=sources,
            role=_ROLE,
        )
        new_findings.append(rule_found)
        blocked.append(stopped)
        kill(marked["_at"])

    if whole_documents:
        out = concat_blocked(blocked)
        docs = (
            frame.join(out.select(pl.col("index").alias("_index")), on="_index")
            .select(keys)
            .unique()
        )
        sibling = (
            rows.select(position.alias("_at"), *keys)
            .filter(alive)
            .join(docs, on=keys, how="inner", nulls_equal=True)["_at"]
        )
        if sibling.len():
            flagged = at(sibling)
            message = pl.format(
                "{}, Zeile {}: Belegposition '{}' wird nicht übertragen, weil eine andere Position "
                "von Beleg '{}' gesperrt ist. Beheben Sie die Fehler der anderen Position; dann "
                "wird der Beleg vollständig übertragen.",
                "source_file",
                "source_row",
                "_item",
                "document_id",
            )
            rule_found, stopped = block_with_finding(
                flagged,
                rule="transfer.blocked",
                severity="error",
                column="document_id",
                message=message,
                value=pl.col("document_id"),
                sources=sources,
                role=_ROLE,
            )
            new_findings.append(rule_found)
            blocked.append(stopped)
            kill(sibling)

    if not alive.all():
        rows, records = rows.filter(alive), records.filter(alive)
    lineage = rows.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("record"),
        pl.lit(_ROLE).alias("role"),
        pl.col("_index").alias("index"),
        "source_file",
        "source_row",
        pl.col("_item").alias("item_id"),
    ).cast(dict(LINEAGE_SCHEMA))  # type: ignore[arg-type]
    return Mapped(
        kind="receipts",
        target="ledger",
        records=records,
        lineage=lineage,
        blocked=concat_blocked(blocked),
        skipped=skipped,
        findings=concat_findings([found, *new_findings]),
        field_sources=field_sources,
        frames={_ROLE: result.frame},
        sources=result.sources,
        primary=_ROLE,
    ).verified()
