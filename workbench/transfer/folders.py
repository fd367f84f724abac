"""The Ziel-Ordner of a package, fitted to the folders DATEV offers before anything is uploaded.

Checks never ask DATEV for folders (that would create a job). A transfer creates its job anyway,
and DATEV's answer names the Beleg-Art's folders (``ledger_folder_names`` / ``cash_ledger_names``,
kept in the folder cache of ``workbench.clients``). A package built before anyone knew them
files to the usual default ("Eingangsrechnungen", "Kasse", ...); when DATEV does not offer that
one, the package's document.xml is switched to DATEV's first folder before the upload. A folder
the user chose (a favourite) is never replaced: DATEV's protocol then says it is missing.

Crash safety: the ledger learns the new hash before the file is replaced, and fitting is
repeated on resume, so a crash between the two only means the rewrite is done again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from workbench.clients import known_folders
from workbench.datev.document_xml import package_folders, with_folder
from workbench.datev.package import DEFAULT_FOLDERS
from workbench.transfer.ledger import Ledger, Transfer

__all__ = ["fit_package_folder"]


def fit_package_folder(ledger: Ledger, transfer: Transfer) -> str | None:
    """Switch a default Ziel-Ordner DATEV does not offer to DATEV's first; returns the new one."""
    offered = known_folders(transfer.client).get(transfer.document_kind or "")
    default = DEFAULT_FOLDERS.get(transfer.document_kind or "")
    if not offered or not transfer.package_path or default in offered:
        return None
    path = Path(transfer.package_path) / "document.xml"
    data = path.read_bytes()
    if package_folders(data) != {default}:
        return None  # a chosen folder, or already fitted
    fitted = with_folder(data, offered[0])
    with ledger.transaction() as db:  # the ledger's file list, kept by Ledger.add_files
        db.execute(
            "UPDATE transfer_files SET sha256 = ?, size = ? WHERE transfer_id = ?"
            " AND name = 'document.xml' AND upload_started_at IS NULL",
            (hashlib.sha256(fitted).hexdigest(), len(fitted), transfer.id),
        )
    temporary = path.with_name("document.xml.tmp")
    temporary.write_bytes(fitted)
    os.replace(temporary, path)
    ledger.log("Ziel-Ordner von DATEV", transfer.id, statt=default, ordner=offered[0])
    return offered[0]
