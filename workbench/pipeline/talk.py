"""Mandantentalk in the stages (seed 002): receipts a client uploaded become the Belegbilder of
their items when they are checked, and the talks of items sent to DATEV close."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

from workbench.kinds import ITEM_ID_COLUMNS
from workbench.pipeline.results import LoadedRun, SentRun

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection
    from workbench.talk import TalkStore

__all__ = ["close_talks", "with_talk_receipts"]


def _talk_store(connection: Connection | None) -> TalkStore | None:
    """The Kanzlei's Mandantentalk store, or None when no talk was ever started."""
    from workbench.config import load_settings
    from workbench.talk import TalkStore

    settings = connection.settings if connection is not None else load_settings()
    return TalkStore.open(settings) if settings.talk_path.is_file() else None


def with_talk_receipts(loaded: LoadedRun, client: str, connection: Connection | None) -> LoadedRun:
    """Receipts the client uploaded in the Mandantentalk become the items' Belegbilder."""
    if "attachment" not in loaded.frame.columns:
        return loaded
    store = _talk_store(connection)
    if store is None:
        return loaded
    from workbench.talk import uploaded_receipts, with_uploaded_receipts

    with store:
        result = with_uploaded_receipts(loaded.result, uploaded_receipts(store, client))
    return replace(loaded, result=result)


def close_talks(sent: SentRun, connection: Connection) -> None:
    """Open talks of transferred items (or their Belege) close (seed 002: on export)."""
    store = _talk_store(connection)
    if store is None or not sent.transfers:
        return
    from workbench.talk import close_transferred

    items: set[str] = set()
    for transfer in sent.transfers:
        if transfer.local_status in ("Fehlgeschlagen", "Gelöscht"):
            continue
        items.update(item["item_id"] for item in connection.ledger.items(transfer.id))
    loaded = sent.packaged.mapped.checked.loaded
    frame, id_column = loaded.frame, ITEM_ID_COLUMNS.get(loaded.kind.value)
    if id_column in frame.columns:
        # Items that book once a day carry their day in front (package stage); talks name the
        # source's id.
        ids = {item.rpartition("/")[2] for item in items} | items
        rows = frame.filter(pl.col(id_column).is_in(list(ids)))
        for column in ("document_id", "invoice_id"):
            if column in rows.columns:
                items.update(value for value in rows[column].drop_nulls().to_list())
        items |= ids
    with store:
        close_transferred(store, sent.packaged.client or "", items)
