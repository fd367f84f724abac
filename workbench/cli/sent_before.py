"""What went before: the items of a run that an earlier transfer of their Beleg-Art and month
already carries. ``transfer`` does not send them again, and says so; ``map`` and ``check`` say
it too, so that nothing is left out without a word (``transfer/groups.py`` says what "the same
item" is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.cli._app import _err, _out

if TYPE_CHECKING:
    import polars as pl

    from workbench.pipeline.connection import Connection

__all__ = ["NOT_SENT", "WOULD_NOT_SEND", "print_sent_before", "sent_before_of"]


def sent_before_of(
    records: pl.DataFrame, connection: Connection, client: str | None
) -> pl.DataFrame | None:
    """The items of ``records`` (LedgerImport records or canonical receipts: ``item_id``,
    ``document_kind``, ``accounting_month``) in a live transfer of their group; None when the
    records carry no group or the Kanzlei has no ledger yet (a check opens none)."""
    from workbench.transfer.groups import split_sent

    wanted = {"item_id", "document_kind", "accounting_month"}
    if not client or not wanted <= set(records.columns):
        return None
    if not connection.settings.ledger_path.exists():
        return None
    _, sent = split_sent(records, connection.ledger, client)
    return sent


#: What happens to them: a transfer leaves them out, check and map only tell.
NOT_SENT = "nicht erneut gesendet, damit nichts doppelt gebucht wird."
WOULD_NOT_SEND = "'workbench transfer' sendet sie nicht erneut."


def print_sent_before(
    sent_before: pl.DataFrame | None,
    *,
    outcome: str = WOULD_NOT_SEND,
    to_stderr: bool = False,
    unfinished: set[str] | None = None,
) -> None:
    """One line per earlier transfer: how many items it carries, which one, from when. Those of
    an ``unfinished`` transfer (killed before DATEV had them) go when it is resumed."""
    from workbench.german import format_count, format_datetime, format_month
    from workbench.transfer.groups import sent_summary

    if sent_before is None:
        return
    console = _err if to_stderr else _out
    for row in sent_summary(sent_before):
        if row["transfer_id"] in (unfinished or ()):
            console.print(
                f"{format_count(row['items'])} Positionen liegen in der noch nicht "
                f"abgeschlossenen Übertragung {row['transfer_id']} ({row['document_kind']} "
                f"{format_month(row['month'])}, vom {format_datetime(row['transferred_at'])}): "
                f"nicht erneut gesendet; sie gehen mit ihr, wenn sie fortgesetzt wird.",
                highlight=False,
            )
            continue
        console.print(
            f"{format_count(row['items'])} Positionen bereits übertragen ("
            f"{row['document_kind']} {format_month(row['month'])}, Übertragung "
            f"{row['transfer_id']} vom {format_datetime(row['transferred_at'])}): {outcome}",
            highlight=False,
        )
