"""Package and send in one call, as ``workbench transfer`` does (package stage, then send)."""

from pathlib import Path

from workbench.pipeline.package import package_bookings, package_records
from workbench.pipeline.send import send_uploads


def transfer_records(ledger, datev, *, client, records, out_dir: Path, kind="receipts"):
    uploads = package_records(records, client=client, out_dir=Path(out_dir), ledger=ledger)
    return send_uploads(ledger, datev, uploads, client=client, kind=kind)


def transfer_bookings(ledger, datev, *, client, bookings, header, out_dir: Path, kind="pos"):
    uploads, _ = package_bookings(
        bookings, header=header, client=client, out_dir=Path(out_dir), ledger=ledger
    )
    return send_uploads(ledger, datev, uploads, client=client, kind=kind)
