"""What the workbench sent: the ledger's transfers of a client, read back from their files.

The ledger knows every transfer, its items (with the source file and row each came from and
where it sits in the uploaded file: ``record_ref``) and the SHA-256 of every file it uploaded.
The bookings themselves are read back from those files, exactly as DATEV received them; a
file that changed or vanished since is an error (the Abgleich would compare something else).

A transfer counts once the workbench handed it over (``Transferiert``), unless DATEV refused
it as a whole (EXTF ``failed``, dxso 3) or it was cancelled in Belege online (5). When an item
(an item id in one Beleg-Art and month) went out more than once (a repeated transfer), its
newest transfer counts.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl

from workbench.errors import WorkbenchError
from workbench.reconcile.bookings import (
    BOOKINGS_SCHEMA,
    bookings_from_extf,
    bookings_from_ledger,
    empty_bookings,
)
from workbench.transfer.ledger import Ledger, Transfer

__all__ = ["NOT_BOOKED_STATUSES", "sent_bookings"]

#: DATEV statuses after which nothing of a transfer is booked.
NOT_BOOKED_STATUSES = ("failed", "3", "5")


def sent_bookings(
    ledger: Ledger, client: str, *, start: date, end: date, account_length: int
) -> pl.DataFrame:
    """Bookings of every counting transfer of ``client`` dated from ``start`` to ``end``."""
    parts = []
    for transfer in _counting(ledger, client):
        items = pl.DataFrame(ledger.item_rows(transfer.id), schema=_ITEMS, orient="row")
        if transfer.channel == "extf":
            read = _extf(transfer, items, ledger, account_length)
        elif transfer.channel == "dxso":
            read = _dxso(transfer, items, ledger, account_length)
        else:
            continue  # expense postings (calls) go to DATEVconnect, not to the accounts
        parts.append(read.with_columns(pl.lit(transfer.id).alias("transfer_id")))
    if not parts:
        return empty_bookings()
    bookings = pl.concat(parts).select(list(BOOKINGS_SCHEMA))
    # An item sent again (retransfer) counts once, from its newest transfer. An item is its id
    # in its Beleg-Art and month: the same id in another group is another item (groups.py).
    transfers = ledger.transfers(client=client)
    order = {t.id: n for n, t in enumerate(transfers)}
    group = {t.id: f"{t.document_kind}/{t.month}" for t in transfers}
    newest = (
        bookings.select("item_id", "transfer_id")
        .unique()
        .with_columns(
            pl.col("transfer_id").replace_strict(order, return_dtype=pl.Int64).alias("_n"),
            pl.col("transfer_id").replace_strict(group, return_dtype=pl.String).alias("_group"),
        )
        .group_by("item_id", "_group")
        .agg(pl.col("transfer_id").sort_by("_n").last())
    )
    bookings = bookings.join(newest, on=["item_id", "transfer_id"], how="semi")
    return bookings.filter(pl.col("date").is_between(start, end))


_ITEMS = {
    "item_id": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int64,
    "record_ref": pl.String,
}
#: The EXTF columns a booking needs (reading only these is several times faster).
_EXTF_COLUMNS = (
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "Belegdatum",
    "Belegfeld 1",
)


def _counting(ledger: Ledger, client: str) -> list[Transfer]:
    """The transfers whose bookings DATEV has: sent, not refused, and not master data (the
    Debitoren/Kreditoren of the Buchungsdatenservice name accounts, they book nothing)."""
    from workbench.datev.extf_fields import DEBITOREN_KREDITOREN

    return [
        transfer
        for transfer in ledger.transfers(client=client)
        if transfer.local_status == "Transferiert"
        and transfer.datev_status not in NOT_BOOKED_STATUSES
        and transfer.document_kind != DEBITOREN_KREDITOREN.name
    ]


def _verified(ledger: Ledger, transfer: Transfer, path: Path) -> bytes:
    """The file's bytes, if they are still the ones uploaded."""
    entries = {f["name"]: f["sha256"] for f in ledger.files(transfer.id)}
    try:
        content = path.read_bytes()
    except OSError as error:
        raise WorkbenchError(
            f"Die Übertragung {transfer.id} ({transfer.document_kind}, {transfer.month}) lässt "
            f"sich nicht abgleichen: die gesendete Datei {path} ist nicht mehr lesbar "
            f"({error.strerror}). Stellen Sie den Ordner 'packages' der Kanzlei wieder her.",
            file=str(path),
        ) from error
    if entries.get(path.name) not in (None, hashlib.sha256(content).hexdigest()):
        raise WorkbenchError(
            f"Die Übertragung {transfer.id} lässt sich nicht abgleichen: die Datei {path} wurde "
            "nach dem Senden verändert, sie zeigt nicht mehr, was DATEV erhalten hat.",
            file=str(path),
        )
    return content


def _extf(transfer: Transfer, items: pl.DataFrame, ledger: Ledger, length: int) -> pl.DataFrame:
    from workbench.datev.extf import read_extf

    path = Path(transfer.package_path or "")
    content = _verified(ledger, transfer, path)
    frame = read_extf(content, columns=_EXTF_COLUMNS).frame.with_row_index("_line", offset=3)
    refs = items.with_columns(
        pl.col("record_ref").str.extract(r"#(\d+)$").cast(pl.Int64).alias("_line")
    )
    lines = frame.with_columns(pl.col("_line").cast(pl.Int64)).join(
        refs.select("_line", "item_id", "source_file", "source_row"), on="_line", how="left"
    )
    return bookings_from_extf(lines, account_length=length)


def _dxso(transfer: Transfer, items: pl.DataFrame, ledger: Ledger, length: int) -> pl.DataFrame:
    from workbench.datev.document_xml import read_document_xml
    from workbench.datev.ledger_xml import read_ledger_xml

    folder = Path(transfer.package_path or "")
    archive = read_document_xml(_verified(ledger, transfer, folder / "document.xml"))
    refs = items.with_columns(
        pl.col("record_ref").str.extract(r"/([^/#]+)#").alias("_datafile"),
        pl.col("record_ref").str.extract(r"/(\d+)$").cast(pl.Int64).alias("_record"),
    )
    parts = []
    for document in archive.documents:
        for extension in document.extensions:
            if extension.type not in (
                "accountsPayableLedger",
                "accountsReceivableLedger",
                "cashLedger",
            ):
                continue
            read = read_ledger_xml(_verified(ledger, transfer, folder / extension.file))
            cash = dict(extension.properties).get("2")
            records = read.records.with_row_index("_record").with_columns(
                pl.col("_record").cast(pl.Int64),
                pl.lit(extension.type).alias("ledger"),
                pl.lit(cash, pl.String).alias("cash_account"),
                pl.lit(extension.file).alias("_datafile"),
            )
            # An item whose records are an invoice's positions is referenced by its first one.
            linked = records.join(
                refs.select("_datafile", "_record", "item_id", "source_file", "source_row"),
                on=["_datafile", "_record"],
                how="left",
            ).with_columns(pl.col("item_id", "source_file", "source_row").forward_fill())
            parts.append(linked)
    if not parts:
        return empty_bookings()
    return bookings_from_ledger(pl.concat(parts, how="diagonal_relaxed"), account_length=length)
