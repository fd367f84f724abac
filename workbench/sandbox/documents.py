"""accounting-documents v2 (Belege online upload): one Belegbild per multipart request with
metadata; `PUT` with a client-chosen GUID answers 409 when that id was used before.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.belege import content_error, stapling_error
from workbench.sandbox.clients import (
    duo_extensions,
    find_client,
    require_consistent,
    state_of,
)
from workbench.sandbox.clock import isoformat
from workbench.sandbox.dxso import FILE_TYPES, multipart_form, sanitize_filename
from workbench.sandbox.errors import Reject, dco_error, dco_no_access, json_response
from workbench.sandbox.oauth import require
from workbench.sandbox.seed import AccountingClient

BASE = "/accounting-documents/platform/v2/clients/{client_id}/documents"
MAX_FILE = 20 * 1024 * 1024
MAX_STAPLED = 10
# Media types per extension for the DuoNow-only office formats (see dxso.FILE_TYPES).
OFFICE_TYPES = {
    "bmp": {"image/bmp"},
    "csv": {"text/csv"},
    "doc": {"application/msword"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "rtf": {"application/rtf", "text/rtf"},
    "txt": {"text/plain"},
    "xls": {"application/vnd.ms-excel"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}
MEDIA_TYPES = {**FILE_TYPES, **OFFICE_TYPES}
# metadata property -> (max length, DCO code when too long)
LIMITS = {
    "document_type": (30, "01227"),
    "note": (255, "01223"),
    "category": (30, "01224"),
    "folder": (30, "01225"),
    "register": (30, "01226"),
}


def _metadata(raw: Any, client: AccountingClient) -> dict[str, str]:
    if raw is None:
        return {}
    text = raw if isinstance(raw, str) else ""
    try:
        data = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):
        raise Reject(dco_error("01217")) from None
    if not isinstance(data, dict):
        raise Reject(dco_error("01217"))
    for key, (limit, code) in LIMITS.items():
        if key in data and (not isinstance(data[key], str) or len(data[key]) > limit):
            raise Reject(dco_error(code))
    levels = [data.get(k) for k in ("category", "folder", "register")]
    if any(levels) and not all(levels):
        raise Reject(dco_error("01017"))
    if data.get("document_type"):
        names = {t["name"] for t in client.raw.get("document_types", [])}
        if data["document_type"] not in names:
            raise Reject(dco_error("01010"))
    return {k: v for k, v in data.items() if k in LIMITS and v}


def _check_file(
    upload: UploadFile | str, client: AccountingClient, duo_next: bool
) -> tuple[UploadFile, str, str]:
    """The file part with its sanitised name and media type, or the DCO error DATEV answers."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Reject(dco_error("01004"))
    if (upload.size or 0) > MAX_FILE:
        raise Reject(dco_error("01216" if duo_next else "01016"))
    if len(upload.filename) > 255:
        raise Reject(dco_error("01222"))
    name = sanitize_filename(upload.filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in duo_extensions(client):
        raise Reject(dco_error("01215" if duo_next else "01015"))
    media = (upload.content_type or "application/octet-stream").split(";")[0].strip()
    if media == "application/octet-stream":
        media = sorted(MEDIA_TYPES[extension])[0]
    elif media not in MEDIA_TYPES[extension]:
        raise Reject(dco_error("01219"))
    return upload, name, media


async def _store(request: Request, document_id: str, *, stapled: bool = False) -> Response:
    """One document: a single `file`, or up to 10 stapled `files` in their order."""
    require(request, "accounting:documents", "dco")
    client = find_client(request, "dco")
    if not client.has_service("Belegbilderservice"):
        raise Reject(dco_no_access())
    require_consistent(client)
    duo_next = bool(client.raw.get("belege_online_next"))
    state = state_of(request)
    async with multipart_form(request, max_files=100) as form:
        if stapled:
            parts = form.getlist("files") + form.getlist("files[]")
            if len(parts) > MAX_STAPLED:
                raise Reject(dco_error("01232"))
        else:
            parts = form.getlist("file")
            if len(parts) > 1:
                raise Reject(dco_error("01232"))
        if not parts:
            raise Reject(dco_error("01004"))
        checked = [_check_file(part, client, duo_next) for part in parts]
        raw_metadata = form.get("metadata")
        if isinstance(raw_metadata, UploadFile):  # sent as a JSON part instead of a field
            raw_metadata = (await raw_metadata.read()).decode("utf-8", "replace")
        metadata = _metadata(raw_metadata, client)
        contents = [await upload.read() for upload, _, _ in checked]
    if any(len(content) > MAX_FILE for content in contents):
        raise Reject(dco_error("01216" if duo_next else "01016"))
    extensions = [name.rsplit(".", 1)[-1].lower() for _, name, _ in checked]
    for extension, content in zip(extensions, contents, strict=True):
        if code := content_error(extension, content):
            raise Reject(dco_error(code))
    if stapled and (code := stapling_error(list(zip(extensions, contents, strict=True)))):
        raise Reject(dco_error(code))
    now = state.clock.now()
    files = [
        {
            "id": uuid.uuid4().hex.upper(),
            "name": name,
            "size": len(content),
            "upload_date": isoformat(now).replace(".000", ""),
            "media_type": media,
        }
        for (_, name, media), content in zip(checked, contents, strict=True)
    ]
    body: dict[str, Any] = {
        "id": document_id,
        "files": files,
        **{k: v for k, v in metadata.items() if k in ("document_type", "note")},
    }
    digests = [hashlib.sha256(content).hexdigest() for content in contents]
    with state.store.transaction() as conn:
        if conn.execute("SELECT 1 FROM documents WHERE document_id = ?", (document_id,)).fetchone():
            raise Reject(dco_error("01012", 409))
        for digest in digests:
            if (
                conn.execute(
                    "SELECT 1 FROM documents WHERE client_id = ? AND sha256 = ?",
                    (client.id, digest),
                ).fetchone()
                or digests.count(digest) > 1
            ):
                raise Reject(dco_error("01253"))
        stored = json.dumps({**body, "metadata": metadata}, ensure_ascii=False)
        conn.executemany(
            "INSERT INTO documents (file_id, document_id, client_id, received_at, sha256, body, "
            "content) VALUES (?,?,?,?,?,?,?)",
            [
                (f["id"], document_id, client.id, now, digest, stored, content)
                for f, digest, content in zip(files, digests, contents, strict=True)
            ],
        )
    return json_response(body, 201, media_type="application/json")


async def post_document(request: Request) -> Response:
    return await _store(request, str(uuid.uuid4()).upper())


async def put_document(request: Request) -> Response:
    raw = request.path_params["document_id"]
    try:
        document_id = str(uuid.UUID(raw)).upper()
    except ValueError:
        require(request, "accounting:documents", "dco")
        raise Reject(dco_error("01234")) from None
    if len(raw) not in (32, 36):
        raise Reject(dco_error("01234"))
    return await _store(request, document_id)


async def put_stapled(request: Request) -> Response:
    return await _store(request, uuid.uuid4().hex.upper(), stapled=True)


routes = [
    Route(BASE, post_document, methods=["POST"]),
    Route(f"{BASE}/stapled", put_stapled, methods=["PUT"]),
    Route(f"{BASE}/{{document_id}}", put_document, methods=["PUT"]),
]
