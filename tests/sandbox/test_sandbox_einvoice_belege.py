"""The sandbox takes e-invoices as Belegbilder as DATEV does (accounting-documents 2.1.12 and
dxso-jobs 2.1.7 error tables): XML and ZUGFeRD PDFs upload as single documents; XML files,
ZUGFeRD files and PDF/A files are never stapled (#DCO01248, #DCO01250, #DCO01249); a file whose
content does not match its extension is refused (#DCO01219)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from workbench.samples.writers import pdf_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
DOCS = "/accounting-documents/platform/v2/clients/455148-1/documents"
DXSO = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"
XRECHNUNG = SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml"
ZUGFERD = SAMPLES / "einvoice_RE-2026-0103_zugferd_en16931.pdf"
# other files for the stapling cases: the sandbox refuses a file it already has (#DCO01253)
XRECHNUNG_CII = SAMPLES / "einvoice_RE-2026-0102_xrechnung_cii.xml"
ZUGFERD_3U = SAMPLES / "einvoice_RE-2026-0115_pdfa.pdf"


def pdfa_bytes() -> bytes:
    """A plain PDF declaring PDF/A-2B in its XMP metadata (no embedded invoice)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("PDF/A", ["Scan"]))))
    xmp = StreamObject()
    xmp.set_data(
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part>'
        b"<pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    xmp.update({NameObject("/Type"): NameObject("/Metadata"),
                NameObject("/Subtype"): NameObject("/XML")})  # fmt: skip
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def staple(api, *parts: tuple[str, bytes, str]):
    return api.put(
        f"{DOCS}/stapled",
        files=[("files", part) for part in parts],
        data={"metadata": json.dumps({"document_type": "Rechnungseingang"})},
    )


@pytest.mark.parametrize(
    ("path", "media"), [(XRECHNUNG, "application/xml"), (ZUGFERD, "application/pdf")]
)
def test_an_einvoice_uploads_as_one_document(api, path, media):
    response = api.post(DOCS, files={"file": (path.name, path.read_bytes(), media)})
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["media_type"] == media


@pytest.mark.parametrize(
    ("part", "code"),
    [
        ((XRECHNUNG_CII.name, XRECHNUNG_CII.read_bytes(), "application/xml"), "#DCO01248"),
        ((ZUGFERD_3U.name, ZUGFERD_3U.read_bytes(), "application/pdf"), "#DCO01250"),
        (("scan-pdfa.pdf", pdfa_bytes(), "application/pdf"), "#DCO01249"),
    ],
    ids=["xml", "zugferd", "pdfa"],
)
def test_einvoices_and_pdfa_are_never_stapled(api, part, code):
    other = ("Lieferschein.pdf", pdf_bytes("Lieferschein", [code]), "application/pdf")
    response = staple(api, other, part)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == code


@pytest.mark.parametrize(
    ("name", "content", "media"),
    [
        ("rechnung.xml", b"%PDF-1.7 not xml", "application/xml"),
        ("rechnung.pdf", b"<?xml version='1.0'?><Invoice/>", "application/pdf"),
    ],
)
def test_content_must_match_the_extension(api, name, content, media):
    single = api.post(DOCS, files={"file": (name, content, media)})
    assert single.status_code == 400 and single.json()["error"] == "#DCO01219"
    job = api.post(DXSO, json=None).json()["id"]
    upload = api.post(f"{DXSO}/{job}/files", files={"files": (name, content, media)})
    assert upload.status_code == 400 and upload.json()["error"] == "#DCO01219"
