"""Mandantentalk in the stages (seed 002): receipts a client uploaded become the Belegbilder of
their items when they are checked, and the talks of items sent to DATEV close."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

from workbench.kinds import ITEM_ID_COLUMNS
from workbench.pipeline.results import LoadedRun, SentRun

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection
    from workbench.talk import TalkStore
    from workbench.transfer.ledger import Transfer

__all__ = ["close_talks", "close_talks_of", "with_talk_receipts"]


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
    loaded = sent.packaged.mapped.checked.loaded
    close_talks_of(sent.transfers, connection, loaded.frame, loaded.kind.value)


def close_talks_of(
    transfers: Sequence[Transfer],
    connection: Connection,
    frame: pl.DataFrame | None = None,
    kind: str = "",
) -> None:
    """Open talks of the items these transfers brought to DATEV close. Without the source
    ``frame`` (``workbench resume`` or ``retransfer`` in a later process) the ledger's item ids
    name them; with it, talks about their Belege (document or invoice number) close too."""
    store = _talk_store(connection)
    sent = [t for t in transfers if t.local_status not in ("Fehlgeschlagen", "Gelöscht")]
    if store is None or not sent:
        return
    from workbench.talk import close_transferred

    with store:
        for client in {t.client for t in sent}:
            items = {
                item["item_id"]
                for t in sent
                if t.client == client
                for item in connection.ledger.items(t.id)
            }
            close_transferred(store, client, _with_belege(items, frame, kind))


def _with_belege(items: set[str], frame: pl.DataFrame | None, kind: str) -> set[str]:
    """The items' ids as talks name them, and their Belege's numbers when the frame is known."""
    # Items that book once a day carry their day in front (package stage); talks name the
    # source's id.
    items = items | {item.rpartition("/")[2] for item in items}
    id_column = ITEM_ID_COLUMNS.get(kind)
    if frame is not None and id_column in frame.columns:
        rows = frame.filter(pl.col(id_column).is_in(list(items)))
        for column in ("document_id", "invoice_id"):
            if column in rows.columns:
                items.update(rows[column].drop_nulls().to_list())
    return items
