"""What DATEV checks in a Belegbild's content: it must be what its extension says, and some
kinds of file are never stapled (accounting-documents 2.1.12 error table).

* ``#DCO01219`` ContentTypeDoesNotMatchFileExtension: "the specified file extension does not
  match the expected file content" — a ``.pdf`` that does not start with ``%PDF``, an ``.xml``
  that is not XML.
* ``#DCO01248`` MergeFailedXmlDoc: "XML files must not be merged".
* ``#DCO01250`` MergeFailedZugferdDoc: "ZUGFeRD files must not be merged" (a PDF with an
  embedded ``factur-x.xml`` / ``zugferd-invoice.xml`` / ``xrechnung.xml``).
* ``#DCO01249`` MergeFailedPdfaDoc: "No PDF/A files may be combined" (XMP ``pdfaid:part``).

Which of the checks DATEV runs first when several apply is not documented; the sandbox checks
XML, then ZUGFeRD, then PDF/A (a ZUGFeRD file is also PDF/A and gets the more specific code).
"""

from __future__ import annotations

import io
import logging

__all__ = ["content_error", "stapling_error"]

EINVOICE_ATTACHMENTS = {"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"}


def content_error(extension: str, content: bytes) -> str | None:
    """``"01219"`` when the content is not what ``extension`` names (PDF and XML checked)."""
    head = content[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    if extension == "pdf" and not content.startswith(b"%PDF"):
        return "01219"
    if extension == "xml" and not head.startswith(b"<"):
        return "01219"
    return None


def _pdf_kind(content: bytes) -> str | None:
    """``"zugferd"``, ``"pdfa"`` or None for a PDF (an unreadable PDF counts as plain)."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(content))
        names = {name.lower() for name in reader.attachments}
        metadata = reader.root_object.get("/Metadata")
        xmp = metadata.get_object().get_data() if metadata is not None else b""
    except Exception:  # not parseable here: DATEV's own parser decides
        return None
    if names & EINVOICE_ATTACHMENTS:
        return "zugferd"
    if b"pdfaid:part" in xmp or b"pdfa/ns/id/" in xmp:
        return "pdfa"
    return None


def stapling_error(parts: list[tuple[str, bytes]]) -> str | None:
    """The DCO code that forbids stapling these (extension, content) parts, or None."""
    if len(parts) < 2:
        return None
    if any(extension == "xml" for extension, _ in parts):
        return "01248"
    kinds = {_pdf_kind(content) for extension, content in parts if extension == "pdf"}
    if "zugferd" in kinds:
        return "01250"
    if "pdfa" in kinds:
        return "01249"
    return None
