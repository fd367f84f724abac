"""One media-type table for every DATEV upload (dxso files and Belege online documents),
checked against DATEV's OpenAPI files and against what the sandbox accepts."""

import json
import re

import pytest

from workbench.sandbox.dxso import FILE_TYPES
from workbench.transfer import belegbilder
from workbench.transfer.media_types import FALLBACK, MEDIA_TYPES, media_type


def _description(shared_datev, file, path, method):
    spec = json.loads(shared_datev("openapi", file).read_text(encoding="utf-8"))
    return spec["paths"][path][method]["description"]


def _allowed_extensions(shared_datev):
    """The formats DATEV's #DCO01215 answer names ("Allowed file formats are GIF, …, PDF")."""
    text = shared_datev("openapi", "accounting_documents-2.1.12.json").read_text(encoding="utf-8")
    listed = re.search(r"Allowed file formats are ([A-Z, ]+)\.", text)
    assert listed, "#DCO01215 no longer lists the formats"
    return [f".{name.strip().lower()}" for name in listed.group(1).split(",")]


def test_every_format_datev_allows_has_a_media_type_the_sandbox_accepts(shared_datev):
    extensions = _allowed_extensions(shared_datev)
    assert sorted(extensions) == sorted(MEDIA_TYPES)
    for extension in extensions:
        assert MEDIA_TYPES[extension] in FILE_TYPES[extension[1:]], extension


def test_xml_goes_as_in_datevs_dxso_upload_example(shared_datev):
    description = _description(
        shared_datev,
        "accounting_dxso-jobs-2.1.7.json",
        "/clients/{client-id}/dxso-jobs/{job-id}/files",
        "post",
    )
    part = re.search(r"Content-Type: ([a-z]+/[a-z]+); charset=\w+; name=([\w.-]+)", description)
    assert part, "the multipart example has no data-file part any more"
    assert media_type(part.group(2)) == part.group(1) == "text/xml"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("BEL-1.PDF", "application/pdf"), ("scan.Tiff", "image/tiff"), ("a.jpeg", "image/jpeg"),
     ("rechnung.docx", FALLBACK), ("ohne_endung", FALLBACK)],
)  # fmt: skip
def test_media_type_by_extension_in_any_case(name, expected):
    assert media_type(name) == expected


def test_belegbilder_use_the_same_table(tmp_path):
    sent = []

    class Recorder:
        def put_document(self, client, guid, name, content, media, *, metadata):
            sent.append((name, media))

    entries = []
    for name in ("x.xml", "y.PDF", "z.png"):
        (tmp_path / name).write_bytes(b"<a/>" if name.endswith("xml") else b"%PDF")
        entries.append(
            {"guid": name, "attachment": str(tmp_path / name), "document_kind": "Rechnungseingang"}
        )
    assert belegbilder.upload_belegbilder(Recorder(), "455148-1", entries) == 3
    assert sent == [("x.xml", "text/xml"), ("y.PDF", "application/pdf"), ("z.png", "image/png")]
