"""DATEV file formats: EXTF (DATEV-Format CSV), XML interface v6.0 and expense postings.

One module per format with a read/write pair; field tables are data (``extf_fields.py``,
``ledger_fields.py``) and field types are small classes (``fields.py``). Importing this package
does no I/O (the XSDs are loaded on first validation).

    from workbench.datev import ExtfHeader, write_extf, build_packages
"""

from workbench.datev.document_xml import (
    Archive,
    Document,
    Extension,
    read_document_xml,
    write_document_xml,
)
from workbench.datev.expense_postings import (
    build_expense_postings,
    time_units_from_seconds,
    write_expense_postings,
)
from workbench.datev.extf import (
    ExtfFile,
    ExtfHeader,
    read_extf,
    signed_to_debit_credit,
    split_by_period,
    validate_bookings,
    write_extf,
    write_extf_files,
)
from workbench.datev.filenames import safe_filename
from workbench.datev.ledger_xml import (
    LedgerFile,
    read_ledger_xml,
    validate_ledger_records,
    write_ledger_xml,
)
from workbench.datev.package import Package, PackageResult, build_packages
from workbench.datev.xsd import validate_xml

__all__ = [
    "Archive",
    "Document",
    "Extension",
    "ExtfFile",
    "ExtfHeader",
    "LedgerFile",
    "Package",
    "PackageResult",
    "build_expense_postings",
    "build_packages",
    "read_document_xml",
    "read_extf",
    "read_ledger_xml",
    "safe_filename",
    "signed_to_debit_credit",
    "split_by_period",
    "time_units_from_seconds",
    "validate_bookings",
    "validate_ledger_records",
    "validate_xml",
    "write_document_xml",
    "write_expense_postings",
    "write_extf",
    "write_extf_files",
    "write_ledger_xml",
]
