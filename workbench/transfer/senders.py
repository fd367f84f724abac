"""Who is sending a client's transfers right now: a lock file the sending process holds.

The ledger says which transfers are in progress (``IN_PROGRESS``); it cannot say whether a
process still works on them. A killed process (``kill -9``, a power cut) leaves its transfer
"In Übertragung" for good, and telling that apart from a transfer another process is sending
is what this lock is for: the operating system releases a dead process's lock, so no stale pid
is ever trusted. A transfer in progress whose client lock nobody holds was interrupted; nothing
sends it, and ``workbench resume`` continues it safely (the ledger says which uploads DATEV
confirmed; an unclear one sends the whole package into a fresh job, never twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from workbench.errors import TransferError

if TYPE_CHECKING:
    from filelock import FileLock

    from workbench.transfer.ledger import Ledger, Transfer

__all__ = ["interrupted_message", "sending", "someone_sending"]


def _lock(ledger: Ledger, client: str) -> FileLock | None:
    from filelock import FileLock

    from workbench.clients import normalise_client_id

    if str(ledger.path) == ":memory:":  # a ledger of one process: nobody else can send
        return None
    folder = ledger.path.parent / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid5(uuid.NAMESPACE_URL, normalise_client_id(client, allow_number=True)).hex
    return FileLock(str(folder / f"transfer-{name}.lock"))


@contextmanager
def sending(ledger: Ledger, client: str) -> Iterator[None]:
    """Hold ``client``'s sending lock while this process sends or resumes its transfers;
    a :class:`TransferError` if another process holds it."""
    from filelock import Timeout

    lock = _lock(ledger, client)
    if lock is None:
        yield
        return
    try:
        lock.acquire(timeout=0)
    except Timeout:
        busy = ledger.in_progress(client)
        which = (
            f"die Übertragung {busy[0].id} ({busy[0].local_status})" if busy else "eine Übertragung"
        )
        raise TransferError(
            f"Für den Mandanten {client} läuft bereits {which} in einem anderen Prozess. "
            f"Warten Sie, bis sie fertig ist, und prüfen Sie sie mit 'workbench status'."
        ) from None
    try:
        yield
    finally:
        lock.release()


def someone_sending(ledger: Ledger, client: str) -> bool:
    """Whether a process (this one included) holds ``client``'s sending lock now."""
    from filelock import Timeout

    lock = _lock(ledger, client)
    if lock is None:
        return False
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def interrupted_message(transfer: Transfer) -> str:
    """What an interrupted transfer is and the commands that finish it."""
    group = ", ".join(part for part in (transfer.document_kind, transfer.month) if part)
    return (
        f"Die Übertragung {transfer.id} ({group}) für den Mandanten {transfer.client} wurde "
        f"unterbrochen: sie steht auf '{transfer.local_status}', aber kein Prozess überträgt sie "
        f"mehr. Setzen Sie sie fort mit 'workbench resume {transfer.id}' (es wird nur gesendet, "
        f"was DATEV noch nicht sicher hat) oder löschen Sie sie mit "
        f"'workbench delete {transfer.id}'; danach nimmt 'workbench transfer' die übrigen Daten."
    )
