"""Mandantentalk (seed 002): questions to the client about items, e-mail, the client page.

- :mod:`~workbench.talk.store`: talks, messages, uploads and access in SQLite beside the ledger
  (append-only audit log);
- :mod:`~workbench.talk.notify`: one collected e-mail per recipient (``talk send``);
- :mod:`~workbench.talk.web` / :mod:`~workbench.talk.server`: the client page (Starlette);
- :mod:`~workbench.talk.items`: items of the workbench (rows, Belege, bank lines), uploaded
  receipts as Belegbilder, talks closed on transfer.
"""

from workbench.talk.items import (
    close_transferred,
    item_for_row,
    open_talks_frame,
    uploaded_receipts,
    with_uploaded_receipts,
)
from workbench.talk.notify import due_notices, send_due
from workbench.talk.store import INTERN, STATUSES, Item, Talk, TalkStore

__all__ = [
    "INTERN",
    "STATUSES",
    "Item",
    "Talk",
    "TalkStore",
    "close_transferred",
    "due_notices",
    "item_for_row",
    "open_talks_frame",
    "send_due",
    "uploaded_receipts",
    "with_uploaded_receipts",
]
