"""ZUGFeRD 2.x / Factur-X PDFs: the embedded CII XML, the PDF/A part, and the text layer.

The XML is taken out by the ``factur-x`` library (it knows the attachment names ZUGFeRD and
Factur-X use: ``factur-x.xml``, ``zugferd-invoice.xml``, ``xrechnung.xml``); the PDF/A
identification (``pdfaid:part``, ``pdfaid:conformance``) and the ZUGFeRD/Factur-X conformance
level come from the document's XMP metadata, the text from pypdf's text extraction.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from workbench.errors import SourceError

if TYPE_CHECKING:
    from pypdf import PdfReader

__all__ = ["PdfInvoice", "read_pdf_invoice"]

_PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
_XMP_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
#: Attachment names of the embedded invoice, in the order ZUGFeRD 2.x / Factur-X define them.
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "ZUGFeRD-invoice.xml")


@dataclass(frozen=True)
class PdfInvoice:
    """What a hybrid PDF carries besides its pages."""

    xml: bytes
    xml_name: str
    pdfa_part: str | None
    pdfa_conformance: str | None
    text: str | None  # None: no text layer (a scan)


def _xmp(reader: PdfReader) -> tuple[str | None, str | None]:
    try:
        metadata = reader.root_object.get("/Metadata")
        data = metadata.get_object().get_data() if metadata is not None else None
    except Exception:  # a broken XMP stream is "no PDF/A identification"
        return None, None
    if not data:
        return None, None
    root = etree.fromstring(data.strip(), _XMP_PARSER)
    if root is None:
        return None, None

    def value(name: str) -> str | None:
        element = root.find(f".//{_PDFAID}{name}")
        if element is not None and (element.text or "").strip():
            return element.text.strip()
        for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
            if description.get(f"{_PDFAID}{name}"):
                return description.get(f"{_PDFAID}{name}").strip()
        return None

    return value("part"), value("conformance")


def read_pdf_invoice(data: bytes, *, name: str) -> PdfInvoice:
    """The embedded invoice of a ZUGFeRD/Factur-X PDF, or a :class:`SourceError`."""
    import facturx
    import pypdf

    # pypdf and factur-x log every oddity of a PDF at warning level; the findings report what
    # matters for the user, so keep the library chatter out of the CLI's output.
    for logger in ("pypdf", "facturx", "factur-x"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        xml_name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
    except Exception as error:  # any parser error means "not readable"
        raise SourceError(
            f"Die PDF-Datei {name} ist nicht lesbar ({error}). Fordern Sie die Rechnung erneut an.",
            file=name,
        ) from None
    if not xml:
        raise SourceError(
            f"Die PDF-Datei {name} enthält keine eingebettete E-Rechnung (ZUGFeRD/Factur-X: "
            f"{', '.join(EMBEDDED_NAMES[:3])}). Eine reine PDF-Rechnung ist keine E-Rechnung; "
            "laden Sie sie als Belegbild zu einer Rechnung aus einer anderen Quelle.",
            file=name,
        )
    part, conformance = _xmp(reader)
    try:
        text = "\n".join(page.extract_text() or "" for page in reader.pages).strip() or None
    except Exception:  # a page pypdf cannot decode: no text layer to compare
        text = None
    return PdfInvoice(xml, xml_name or "factur-x.xml", part, conformance, text)
