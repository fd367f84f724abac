"""The media type each uploaded file is sent with, one table for every DATEV upload endpoint.

DATEV's upload endpoints (XML-Schnittstelle online ``…/dxso-jobs/{job}/files`` and Belege online
``…/documents``) take GIF, JPEG/JPG, PNG, TIF/TIFF, XML and PDF (``#DCO01215`` in
``accounting_documents-2.1.12.json`` lists them). XML goes as ``text/xml``: the media type of the
data-file part in the multipart example of ``accounting_dxso-jobs-2.1.7.json``, DATEV's only
word on it (``application/xml`` is the same type under RFC 7303; the sandbox accepts both).
Anything else goes as ``application/octet-stream``, which DATEV accepts for every extension.
"""

from __future__ import annotations

from pathlib import PurePath

__all__ = ["FALLBACK", "MEDIA_TYPES", "media_type"]

#: Extension (lower case, with the dot) -> media type sent in the multipart part.
MEDIA_TYPES = {
    ".xml": "text/xml",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
}
FALLBACK = "application/octet-stream"


def media_type(name: str | PurePath) -> str:
    """The media type to upload the file ``name`` with (by its extension, any case)."""
    return MEDIA_TYPES.get(PurePath(name).suffix.lower(), FALLBACK)
