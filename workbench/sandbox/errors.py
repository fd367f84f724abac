"""DATEV's error bodies, one builder per API family.

DATEV uses three shapes, and clients must cope with all of them:

- dxso-jobs / documents: ``{"error": "#DCO01xxx", "error_description": "restapi.<Name>",
  "error_uri": ..., "request_id": ...}``; 404 and 409 come as a one-element list (as in the
  OpenAPI examples), 403 for a client without access is only ``{"request_id": ...}``.
- accounting-clients v2 / extf-files v3: ProblemDetails ``{type, title, detail, request_id,
  status, affected_elements?}``.
- DATEVconnect: ``{error, error_description, error_uri, request_id, additional_messages}``.

Accounting Data Exchange 1.5.8 answers with RFC 9457 problem objects of its own:
``{type, title, status, detail, instance, requestId}`` (``requestId`` in camel case, as
``application/problem+json``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.responses import Response

# DCO code -> fault name, as listed in the dxso-jobs and documents OpenAPI files.
DCO_FAULTS = {
    "01001": "InvalidResourceModificationFault",
    "01002": "InvalidDxsoImportTargetFault",
    "01003": "InvalidDxsoJobIdFault",
    "01004": "MultipartUploadFault",
    "01005": "ScopeFault",
    "01006": "InvalidDcoClientIdFault",
    "01007": "InvalidDxsoJobStateFault",
    "01008": "InvalidMessageBodyFault",
    "01009": "InvalidAccountingBasicDataFault",
    "01010": "InvalidDocumentTypeFault",
    "01012": "KeyConflictFault",
    "01013": "AuthentificationTypeFault",
    "01015": "UnsupportedFileTypeFault",
    "01016": "FileSizeFault",
    "01017": "MissingMandatoryParameterFault",
    "01018": "MissingMandatoryHeaderFault",
    "01215": "UnsupportedFileTypeDuoNextFault",
    "01216": "FileSizeDuoNextFault",
    "01217": "MetadataParsingFault",
    "01219": "ContentTypeDoesNotMatchFileExtensionFault",
    "01222": "FileNameTooLongFault",
    "01223": "PropertyNoteTooLongFault",
    "01224": "PropertyCategoryNameTooLongFault",
    "01225": "PropertyFolderNameTooLongFault",
    "01226": "PropertyRegisterNameTooLongFault",
    "01227": "PropertyDocumentTypeTooLongFault",
    "01232": "MultipleFilesUploadIsNotSupportedFault",
    "01234": "WrongUuidFormatFault",
    "01248": "MergeFailedXmlDocFault",
    "01249": "MergeFailedPdfaDocFault",
    "01250": "MergeFailedZugferdDocFault",
    "01253": "DuplicateFileFault",
    "01301": "RDS1UploadNotSupportedFault",
}


def request_id() -> str:
    return str(uuid.uuid4())


def json_response(
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = "application/json;charset=utf-8",
) -> Response:
    """JSON with umlauts kept as UTF-8 (DATEV sends them unescaped)."""
    content = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, headers=headers, media_type=media_type)


def dco_body(code: str) -> dict[str, str]:
    return {
        "error": f"#DCO{code}",
        "error_description": f"restapi.{DCO_FAULTS[code]}",
        "error_uri": f"https://apps.datev.de/knowledge/help/search?q=DCO{code}",
        "request_id": request_id(),
    }


def dco_error(code: str, status: int = 400) -> Response:
    body: Any = dco_body(code)
    if status == 409:
        body = [body]
    return json_response(body, status)


def dco_not_found() -> Response:
    return json_response([{"request_id": request_id()}], 404)


def dco_no_access() -> Response:
    """403 when the user may not access the client (e.g. service not booked)."""
    return json_response({"request_id": request_id()}, 403)


def problem(
    status: int, code: str, title: str, detail: str, affected: list[dict[str, str]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": f"http://www.datev.de/hilfe/{code}",
        "title": title,
        "detail": detail,
        "request_id": request_id(),
        "status": status,
    }
    if affected:
        body["affected_elements"] = affected
    return json_response(body, status)


def ade_problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str = "invalid-request",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An ADE problem object; ``type`` follows the example in the ADE OpenAPI file."""
    body: dict[str, Any] = {
        "type": f"https://api.datev.de/accounting/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "requestId": request_id(),
    }
    if instance:
        body["instance"] = instance
    return json_response(body, status, headers=headers, media_type="application/problem+json")


def connect_error(
    status: int, error: str, description: str, messages: list[str] | None = None
) -> Response:
    body: dict[str, Any] = {
        "error": error,
        "error_description": description,
        "error_uri": "https://developer.datev.de/datev/platform/de/datevconnect",
        "request_id": request_id(),
    }
    if messages:
        body["additional_messages"] = [
            {"id": f"DCO{status}{i:02d}", "description": text, "severity": "error"}
            for i, text in enumerate(messages, start=1)
        ]
    headers = {"WWW-Authenticate": 'Basic realm="DATEVconnect"'} if status == 401 else None
    return json_response(body, status, headers=headers)


class Reject(Exception):
    """Raised inside a handler to answer with a prepared error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response
