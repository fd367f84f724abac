"""Realistic sample data with seeded defects, and a deterministic generator of any size.

The public functions live in :mod:`workbench.samples.generator`; the other modules are its
building blocks: ``parties`` (DATEV-valid IBANs, VAT ids, German names and places), ``frames``
(vectorised clean generators), ``defects`` (seeded defects and their manifest), ``writers``
(per-profile file formats), ``catalog`` (what the committed files share) and the ``*_files``
modules (one per source kind of ``data/samples/``).
"""

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
    "generate",
    "generate_calls",
    "generate_invoices",
    "generate_pos",
    "generate_receipts",
    "sample_files",
    "write_receipts_csv",
    "write_samples",
]
