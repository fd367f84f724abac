"""Talks and the workbench's items: what a question is about, receipts that come back, closing.

- :func:`item_for_row` turns a loaded source row into the talk's :class:`Item` (its own item id,
  file, row and a label the client can recognise without seeing the file).
- :func:`with_uploaded_receipts` makes a receipt the client uploaded the item's Belegbild, so the
  next check no longer reports ``attachment.missing`` and the transfer sends it to DATEV.
- :func:`close_transferred` closes open talks of transferred items (seed 002: "beim Exportieren
  der Positionen werden die noch offene Talks geschlossen").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import TalkError
from workbench.german import format_date, format_number
from workbench.kinds import ITEM_ID_COLUMNS
from workbench.sources.loader import LoadResult
from workbench.talk.store import Item, TalkStore

__all__ = [
    "close_transferred",
    "item_for_row",
    "open_talks_frame",
    "uploaded_receipts",
    "with_uploaded_receipts",
]

#: The columns that make an item recognisable to the client, per kind (first present wins).
_LABEL_PARTS = {
    "receipts": ("invoice_id", "document_id", "date", "amount", "party_name"),
    "invoices": ("invoice_id", "date", "gross", "party_name"),
    "bank": ("booking_date", "amount", "counterparty_name", "purpose"),
    "calls": ("started_at", "remote_number", "user"),
    "pos": ("business_date", "category", "amount"),
}
_KIND_WORDS = {
    "receipts": "Beleg",
    "invoices": "Rechnung",
    "bank": "Kontoumsatz",
    "calls": "Anruf",
    "pos": "Kassenumsatz",
}


def item_for_row(loaded: LoadResult, source: str, row: int) -> Item:
    """The item of ``source``'s ``row`` (1-based, as the user sees it in the file)."""
    frame = loaded.frame.filter((pl.col("source_file") == source) & (pl.col("source_row") == row))
    if frame.is_empty():
        rows = loaded.frame.filter(pl.col("source_file") == source)["source_row"]
        numbers = rows.to_list()
        span = f"{min(numbers)}–{max(numbers)}" if numbers else "keine"
        raise TalkError(
            f"{source}, Zeile {row}: diese Zeile enthält keine Daten (Datenzeilen: {span}).",
            file=source,
            row=row,
        )
    values = frame.row(0, named=True)
    item_id = values.get(ITEM_ID_COLUMNS.get(loaded.kind, ""))
    if item_id is None:
        raise TalkError(
            f"{source}, Zeile {row}: die Zeile hat keine Positions-ID "
            f"(Spalte {ITEM_ID_COLUMNS.get(loaded.kind)}).",
            file=source,
            row=row,
        )
    return Item(
        item_id=str(item_id),
        kind=loaded.kind,
        source=source,
        row=row,
        label=describe_row(loaded.kind, values),
    )


def describe_row(kind: str, values: dict[str, Any]) -> str:
    """A short German description: ``Beleg RE-1001, 31.01.2026, 1.190,00 EUR, Muster GmbH``."""
    parts = []
    for column in _LABEL_PARTS.get(kind, ()):
        value = values.get(column)
        if value is None or value == "":
            continue
        if isinstance(value, (dt.date, dt.datetime)):
            parts.append(format_date(value))
        elif isinstance(value, float):
            parts.append(f"{format_number(value)} {values.get('currency_code') or 'EUR'}")
        else:
            parts.append(" ".join(str(value).split())[:80])
    return f"{_KIND_WORDS.get(kind, 'Position')} " + ", ".join(parts)


def uploaded_receipts(store: TalkStore, client: str) -> dict[str, str]:
    """Item id -> path of the newest receipt the client uploaded for it (any talk status)."""
    found: dict[str, tuple[str, str]] = {}
    for talk in store.talks(client=client):
        for attachment in talk.attachments:
            newest = found.get(talk.item_id)
            if newest is None or attachment.at >= newest[0]:
                found[talk.item_id] = (attachment.at, str(store.attachment_path(attachment)))
    return {item: path for item, (_, path) in found.items()}


def with_uploaded_receipts(loaded: LoadResult, uploads: dict[str, str]) -> LoadResult:
    """Fill ``attachment`` from the client's uploads where the source's Belegbild is missing.

    A talk may be about an item (``item_id``) or a whole Beleg (``document_id`` /
    ``invoice_id``); a Belegbild that exists on disk is never replaced.
    """
    frame = loaded.frame
    if not uploads or "attachment" not in frame.columns:
        return loaded
    keys = [ITEM_ID_COLUMNS[loaded.kind], "document_id", "invoice_id"]
    keys = [key for key in dict.fromkeys(keys) if key in frame.columns]
    upload = pl.coalesce(
        [pl.col(key).replace_strict(uploads, default=None, return_dtype=pl.String) for key in keys]
    )
    if "document_id" in frame.columns:
        # A Belegbild belongs to the whole Beleg: a receipt asked for one item serves its siblings.
        upload = upload.drop_nulls().first().over("source_file", "document_id")
    found = frame.select(upload.alias("upload"))["upload"]
    where = found.is_not_null().arg_true()
    if not len(where):
        return loaded
    current = frame["attachment"].gather(where).to_list()
    chosen = [
        given if given is not None and Path(given).is_file() else new
        for given, new in zip(current, found.gather(where).to_list(), strict=True)
    ]
    column = frame["attachment"].scatter(where, pl.Series(chosen, dtype=pl.String))
    return replace(loaded, frame=frame.with_columns(column))


def close_transferred(
    store: TalkStore, client: str, item_ids: Iterable[str], *, by: str = "Übertragung"
) -> list[int]:
    """Close every open talk of these items or Belege; returns the closed talk ids."""
    return store.close_items(client, item_ids, by=by, reason="bei der Übertragung geschlossen")


def open_talks_frame(store: TalkStore, *, client: str | None = None) -> pl.DataFrame:
    """Talks not yet closed, oldest first: for the report and the app's talk filter."""
    today = dt.datetime.now(dt.UTC)
    rows = [
        {
            "talk": talk.id,
            "client": talk.client,
            "status": talk.status,
            "item_id": talk.item_id,
            "label": talk.label or talk.item_id,
            "recipient": talk.recipient,
            "asked_at": talk.created_at,
            "days_open": (today - dt.datetime.fromisoformat(talk.created_at)).days,
            "messages": len(talk.visible_messages),
            "attachments": len(talk.attachments),
        }
        for talk in store.talks(client=client)
        if talk.status != "geschlossen"
    ]
    schema = {
        "talk": pl.Int64,
        "client": pl.String,
        "status": pl.String,
        "item_id": pl.String,
        "label": pl.String,
        "recipient": pl.String,
        "asked_at": pl.String,
        "days_open": pl.Int64,
        "messages": pl.Int64,
        "attachments": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema).sort("asked_at", "talk")
