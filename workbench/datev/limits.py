"""DATEV's limits: sizes and counts DATEV rejects beyond, each with its source.

Field types and lengths that belong to one field stay in the field tables
(``extf_fields.py``, ``ledger_fields.py``, ``expense_postings.py``); this module holds the limits
on files, packages and counts that several stages need. Each rule runs once: the check stage
turns a limit into a finding (``attachment.too_large``), the writers split at the counts.
Sources: ``../shared/datev/FACTS.md`` (sections named below), the XSDs, seed 004.
"""

from __future__ import annotations

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_CONSOLIDATED_CENTS",
    "MAX_DOCUMENTS_PER_PACKAGE",
    "MAX_EXTENSIONS_PER_DOCUMENT",
    "MAX_EXTF_POSTINGS",
    "MAX_FILES_PER_PACKAGE",
    "MAX_FILE_NAME_LENGTH",
    "MAX_FOLDER_NAME_LENGTH",
    "MAX_RECORDS_PER_CONSOLIDATE",
    "megabytes",
]

#: A Belegbild (and any uploaded file) may have at most 20 MB: dxso-jobs ``#DCO01016`` FileSize,
#: accounting-documents ``#DCO01016``/``#DCO01216`` (FACTS §3, §5; seed 001: "weniger als 20MB").
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

#: document.xml ``content`` holds 1–4999 ``document`` (Document_v060.xsd; FACTS §6).
MAX_DOCUMENTS_PER_PACKAGE = 4999

#: A document has 1–50 ``extension`` (Document_v060.xsd; FACTS §6): its data file plus at most
#: 49 Belegbilder.
MAX_EXTENSIONS_PER_DOCUMENT = 50

#: Files (data files and Belegbilder, document.xml not counted) per transfer: seed 004 ("Die
#: Gesamtzahl der Dateien für Belege und Belegbilder für eine Datenübertragung ist auf 4999
#: begrenzt"), user-adjustable downwards. DATEV's API states no file-count limit (FACTS §3, §9).
MAX_FILES_PER_PACKAGE = 4999

#: A LedgerImport ``consolidate`` holds 1–5000 records (Belegsatzdaten XSD; FACTS §6).
MAX_RECORDS_PER_CONSOLIDATE = 5000

#: ``consolidatedAmount`` has at most 10 digits before the decimal point (XSD type), in cents.
MAX_CONSOLIDATED_CENTS = 999_999_999_999

#: An EXTF file takes at most 99,999 postings: accounting-extf-files validation code 1008833
#: (FACTS §4).
MAX_EXTF_POSTINGS = 99_999

#: File names: document.xml ``File@name`` ≤ 255 (FACTS §6) and Belege online ``#DCO01222`` (§5).
MAX_FILE_NAME_LENGTH = 255

#: A Rechnungsordner / Kassenbuch name in document.xml (property key 3) has 1–40 characters
#: (Document_types_v060.xsd, type ``p10009`` "Bezeichnung 040").
MAX_FOLDER_NAME_LENGTH = 40


def megabytes(size: int) -> str:
    """A byte count as the German MB text messages use.

    >>> megabytes(MAX_ATTACHMENT_BYTES)
    '20'
    >>> megabytes(22_548_480)
    '21,5'
    """
    value = round(size / (1024 * 1024), 1)
    return f"{value:g}".replace(".", ",")
