"""Package, then send: the package and send stages on hand-made records (no source files)."""

from workbench.pipeline.package import package_bookings, package_records
from workbench.pipeline.send import send_uploads


def transfer_records(
    ledger,
    datev,
    *,
    client,
    records,
    out_dir,
    kind="receipts",
    month=None,
    document_kind=None,
    max_files=4999,
    folders=None,
    progress=None,
    wait=0.0,
):
    """LedgerImport records (with lineage) as XML packages, each sent as one transfer."""
    uploads = package_records(
        records,
        client=client,
        out_dir=out_dir,
        ledger=ledger,
        month=month,
        document_kind=document_kind,
        max_files=max_files,
        folders=folders,
    )
    return send_uploads(
        ledger, datev, uploads, client=client, kind=kind, progress=progress, wait=wait
    )


def transfer_bookings(ledger, datev, *, client, bookings, header, out_dir, kind):
    """EXTF bookings (with lineage) as Buchungsstapel files, each sent as one transfer."""
    uploads, _ = package_bookings(
        bookings, header=header, client=client, out_dir=out_dir, ledger=ledger
    )
    return send_uploads(ledger, datev, uploads, client=client, kind=kind)
