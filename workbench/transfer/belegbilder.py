"""Belegbilder of EXTF bookings to the Belegbilderservice, under the GUID their Beleglink names.

A Buchungsstapel links a booking to its Belegbild with ``BEDI "<GUID>"`` (DATEV's Beleglink:
the document management system's short name, then the Beleg's id in Belege online). The
mapping chose the GUIDs (``workbench.mapping.receipts_bds.belegbild_guid``) and the package stage
lists, next to each EXTF file, the Belegbilder its bookings link to (``<file>.belegbilder.json``:
GUID, path, Beleg-Art). Sending puts each of them under its GUID before the file goes out, so
every link leads somewhere. Putting the same GUID again answers 409 (``#DCO01012``, the id is in
use): the Belegbild is there already, which makes a repeated or resumed transfer safe.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient
from workbench.transfer.ledger import Ledger
from workbench.transfer.media_types import media_type

__all__ = ["SUFFIX", "listed_belegbilder", "upload_belegbilder", "write_belegbilder_list"]

SUFFIX = ".belegbilder.json"


def write_belegbilder_list(extf_file: Path, entries: list[dict]) -> Path | None:
    """List the Belegbilder (``guid``, ``attachment``, ``document_kind``) next to ``extf_file``;
    nothing when its bookings link to none."""
    if not entries:
        return None
    path = extf_file.with_name(extf_file.name + SUFFIX)
    path.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def listed_belegbilder(extf_file: Path) -> list[dict]:
    """The Belegbilder listed next to ``extf_file`` (none when there is no list)."""
    path = extf_file.with_name(extf_file.name + SUFFIX)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def upload_belegbilder(
    datev: DatevClient,
    client: str,
    entries: list[dict],
    *,
    ledger: Ledger | None = None,
    transfer_id: str | None = None,
) -> int:
    """Put the Belegbilder into Belege online, each under its GUID; returns how many were new."""
    new = 0
    for entry in entries:
        path = Path(entry["attachment"])
        try:
            datev.put_document(
                client,
                entry["guid"],
                path.name,
                path.read_bytes(),
                media_type(path),
                metadata=json.dumps({"document_type": entry["document_kind"]}),
            )
        except DatevApiError as error:
            if error.status != 409:  # 409: this GUID holds the Belegbild already
                raise
            continue
        new += 1
    if ledger is not None and new:
        ledger.log("Belegbilder hochgeladen", transfer_id, client=client, count=new)
    return new
