"""E-invoices: XRechnung (UBL 2.1, UN/CEFACT CII) and ZUGFeRD 2.x / Factur-X PDFs.

They load into the canonical ``invoices`` and ``positions`` frames like any invoice export;
``result.details`` keeps the EN 16931 terms the e-invoice checks read and where each value sits
in the XML (line and XPath).
"""

from workbench.sources.einvoice.loader import is_einvoice, load_einvoices, profile_of, read_written

__all__ = ["is_einvoice", "load_einvoices", "profile_of", "read_written"]
