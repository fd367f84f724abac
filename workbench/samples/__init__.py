"""Realistic sample data with seeded defects, and a deterministic generator of any size.

The public functions live in :mod:`workbench.samples.generator`; the other modules are its
building blocks: ``parties`` (DATEV-valid IBANs, VAT ids, German names and places), ``frames``
and ``invoice_frames`` (vectorised clean generators), ``defects`` (seeded defects and their
manifest), ``writers`` (per-profile file formats), ``catalog`` (what the committed files share)
and the ``*_files`` modules (the files of ``data/samples/``: ``receipt_files``,
``invoice_files`` and ``call_pos_files`` by source kind, with the JustOn and CRM+ exports in
``juston_booking_files``, ``juston_expense_files`` and ``crmplus_files``).
"""

from workbench.samples.einvoice_files import einvoice_samples, generate_einvoices
from workbench.samples.generator import (
    RULES,
    Generated,
    generate,
    generate_calls,
    generate_invoices,
    generate_pos,
    generate_receipts,
    sample_files,
    write_receipts_csv,
    write_samples,
)

__all__ = [
    "RULES",
    "Generated",
    "einvoice_samples",
    "generate",
    "generate_calls",
    "generate_einvoices",
    "generate_invoices",
    "generate_pos",
    "generate_receipts",
    "sample_files",
    "write_receipts_csv",
    "write_samples",
]
