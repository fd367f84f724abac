"""Receipt items (Belegpositionen) → EXTF bookings for the Buchungsdatenservice.

One booking per item, in the Buchungsstapel's own terms (developer.datev.de
``dtvf/formate/buchungsstapel``): the Beleg's business partner (Debitor, Kreditor) against the
item's Sachkonto; a Kasse item books the cash account against its Sachkonto. Umsatz is positive
and Soll/Haben says the direction relative to Konto: an outgoing invoice debits the Debitor
(``S``), an incoming one credits the Kreditor (``H``), cash received debits the cash account; a
negative amount (credit note, correction, cash out) turns the side.

DATEV field ← canonical column:

* Umsatz (ohne Soll/Haben-Kz), Soll/Haben-Kennzeichen ← ``amount`` (signed gross);
* WKZ Umsatz ← ``currency_code`` (EUR when empty);
* Konto ← ``party_account_no``; for Kasse the cash account (settings ``cash_account``, else
  1000 in SKR03, 1600 in SKR04);
* Gegenkonto (ohne BU-Schlüssel) ← ``account_no``; BU-Schlüssel ← ``bu_code``;
* Belegdatum, Belegfeld 1, Buchungstext ← ``date``, ``invoice_id``, ``booking_text``;
* KOST1, KOST2, Kost-Menge ← ``cost_category_id``, ``cost_category_id2``, ``cost_amount``;
* Leistungsdatum ← ``delivery_date``;
* Beleglink ← ``BEDI "<GUID>"`` of the Belegbild (``attachment``), which the transfer uploads
  to the Belegbilderservice under that GUID first.

The rows go through the receipts' row gate (:func:`workbench.mapping.receipts.receipts_gate`):
BlockTransfer skips, error findings block (unreadable Belegbilder among them), and a Beleg with
one blocked item is blocked whole. Then the Buchungsstapel's own needs: an invoice item without its
Debitor/Kreditor or any item without a Sachkonto cannot be booked (``field.required``), and
what ``write_extf`` would refuse is a ``field.datev`` finding. The LedgerImport XML's rules
(one date per Beleg, 1,000 items) are not this target's.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import polars as pl

from workbench.mapping.gate import RowGate, lineage
from workbench.mapping.receipts import DOCUMENT, receipts_gate
from workbench.mapping.result import Mapped
from workbench.mapping.validation import extf_problems
from workbench.sources.loader import LoadResult

__all__ = ["BOOKING_FIELDS", "CASH_ACCOUNTS", "belegbild_guid", "map_receipts_bds"]

_ROLE = "receipts"
#: DATEV's standard cash account per chart of accounts (Kasse: SKR03 1000, SKR04 1600).
CASH_ACCOUNTS = {"SKR03": "1000", "SKR04": "1600"}
#: Buchungsstapel field ← canonical receipts column (for the preview's lineage).
BOOKING_FIELDS = {
    "Umsatz (ohne Soll/Haben-Kz)": "amount",
    "Soll/Haben-Kennzeichen": "amount",
    "WKZ Umsatz": "currency_code",
    "Konto": "party_account_no",
    "Gegenkonto (ohne BU-Schlüssel)": "account_no",
    "BU-Schlüssel": "bu_code",
    "Belegdatum": "date",
    "Belegfeld 1": "invoice_id",
    "Buchungstext": "booking_text",
    "Beleglink": "attachment",
    "KOST1 - Kostenstelle": "cost_category_id",
    "KOST2 - Kostenstelle": "cost_category_id2",
    "Kost-Menge": "cost_amount",
    "Leistungsdatum": "delivery_date",
}
_FIELD_SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    name: ((_ROLE, column),) for name, column in BOOKING_FIELDS.items()
}
_GUIDS = uuid.UUID("0b9a3f1e-6d1c-4a8e-9c53-7d2f10e4b2a1")  # namespace of Belegbild GUIDs
_INVOICE_KINDS = ("Rechnungseingang", "Rechnungsausgang")


def belegbild_guid(client: str | None, document_id: str, attachment: str) -> str:
    """The GUID a Belegbild gets in Belege online: the same for the same Beleg and file, so
    ``map`` and ``transfer`` agree and a repeated upload is recognised (409)."""
    key = f"{client or ''}/{document_id}/{Path(attachment).name}"
    return str(uuid.uuid5(_GUIDS, key)).upper()


def _blank_to_null(column: str) -> pl.Expr:
    value = pl.col(column)
    return pl.when(value.str.strip_chars() == "").then(None).otherwise(value)


def _bookings(rows: pl.DataFrame, cash_account: str | None) -> pl.DataFrame:
    """One booking per row (``rows`` carry ``_guid``, the Belegbild's GUID or null)."""
    kind, amount = pl.col("document_kind"), pl.col("amount")
    debit = (amount >= 0) == (kind != "Rechnungseingang")
    link = pl.when(pl.col("_guid").is_not_null()).then(pl.format('BEDI "{}"', pl.col("_guid")))
    return rows.select(
        amount.abs().alias("Umsatz (ohne Soll/Haben-Kz)"),
        pl.when(debit).then(pl.lit("S")).otherwise(pl.lit("H")).alias("Soll/Haben-Kennzeichen"),
        pl.col("currency_code").fill_null("EUR").alias("WKZ Umsatz"),
        pl.when(kind == "Kasse")
        .then(pl.lit(cash_account, dtype=pl.String))
        .otherwise(pl.col("party_account_no").cast(pl.String))
        .alias("Konto"),
        pl.col("account_no").cast(pl.String).alias("Gegenkonto (ohne BU-Schlüssel)"),
        pl.col("bu_code").cast(pl.String).alias("BU-Schlüssel"),
        pl.col("date").alias("Belegdatum"),
        pl.col("invoice_id").alias("Belegfeld 1"),
        _blank_to_null("booking_text").alias("Buchungstext"),
        link.alias("Beleglink"),
        _blank_to_null("cost_category_id").alias("KOST1 - Kostenstelle"),
        _blank_to_null("cost_category_id2").alias("KOST2 - Kostenstelle"),
        pl.col("cost_amount").alias("Kost-Menge"),
        pl.col("delivery_date").alias("Leistungsdatum"),
    )


def _with_guids(rows: pl.DataFrame, client: str | None) -> pl.DataFrame:
    """``rows`` with ``_guid``: one GUID per Beleg and Belegbild (the few distinct pairs)."""
    pairs = rows.select("document_id", "attachment").unique().drop_nulls()
    guids = pl.DataFrame(
        [
            {"document_id": d, "attachment": a, "_guid": belegbild_guid(client, d, a)}
            for d, a in pairs.iter_rows()
        ],
        schema={"document_id": pl.String, "attachment": pl.String, "_guid": pl.String},
    )
    return rows.join(guids, on=["document_id", "attachment"], how="left", maintain_order="left")


def _reject_without_accounts(gate: RowGate, rows: pl.DataFrame, cash_account: str | None) -> None:
    """A booking needs two accounts: the partner's (Kasse: the cash account) and the Sachkonto."""
    kind = pl.col("document_kind")
    partner = (
        pl.when(kind == "Kasse")
        .then(pl.lit(cash_account, dtype=pl.String))
        .otherwise(_blank_to_null("party_account_no"))
    )
    missing = (
        ("party_account_no", partner.is_null(), "das Geschäftspartner-Konto (Debitor/Kreditor)"),
        ("account_no", _blank_to_null("account_no").is_null(), "das Sachkonto"),
    )
    for column, condition, what in missing:
        message = pl.format(
            "{}, Zeile {}: Belegposition '{}' ({}) lässt sich nicht buchen: es fehlt {}. "
            "Ergänzen Sie es in der Quelle{}.",
            "source_file",
            "source_row",
            "_item",
            kind,
            pl.lit(what),
            pl.when(kind == "Kasse")
            .then(pl.lit(" (Kassenkonto: cash_account in den Einstellungen)"))
            .otherwise(pl.lit("")),
        )
        gate.reject(
            rows.filter(condition),
            rule="field.required",
            column=column,
            message=message,
            value=pl.col(column).cast(pl.String),
        )


def map_receipts_bds(
    result: LoadResult,
    *,
    findings: pl.DataFrame | None = None,
    client: str | None = None,
    account_length: int = 4,
    cash_account: str | None = None,
    whole_documents: bool = True,
) -> Mapped:
    """Map loaded receipt items to Buchungsstapel bookings (``write_extf_files``).

    ``Mapped.attachments`` lists the Belegbilder (``guid``, ``attachment`` path,
    ``document_kind``) the Beleglinks point to; the transfer uploads them before the bookings.

    >>> mapped = map_receipts_bds(load_receipts("bd.csv", profile="juston"), client="455148-1")
    >>> write_extf_files(mapped.records, header, directory="out")  # doctest: +SKIP
    """
    gate = receipts_gate(result, findings=findings)
    _reject_without_accounts(gate, gate.rows, cash_account)
    rows = _with_guids(gate.rows, client)
    bookings = _bookings(rows, cash_account)
    gate.block_invalid(
        extf_problems(bookings, account_length=account_length),
        rows,
        field_sources=_FIELD_SOURCES,
        target="extf",
    )
    if whole_documents:
        gate.block_documents(DOCUMENT)
    keep = gate.is_open(rows)
    if not keep.all():
        rows, bookings = rows.filter(keep), bookings.filter(keep)
    mapped = gate.finish(
        kind="receipts",
        target="extf",
        records=bookings,
        lineage=lineage(rows, _ROLE),
        field_sources=_FIELD_SOURCES,
        frames={_ROLE: result.frame},
        sources=result.sources,
    )
    attachments = (
        rows.filter(pl.col("_guid").is_not_null())
        .select(pl.col("_guid").alias("guid"), "attachment", "document_kind")
        .unique("guid", maintain_order=True)
    )
    return replace(mapped, attachments=attachments)
