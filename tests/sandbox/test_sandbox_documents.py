"""accounting-documents v2: Belegbild upload with metadata, PUT by GUID, limits."""

from __future__ import annotations

import json
import uuid

import pytest

BASE = "/accounting-documents/platform/v2/clients"


def send(
    api,
    content=b"%PDF-1.4 Beleg",
    *,
    client="455148-1",
    name="Beleg Müller.pdf",
    media="application/pdf",
    metadata=None,
    guid=None,
):
    files = {"file": (name, content, media)}
    data = {"metadata": json.dumps(metadata)} if metadata is not None else None
    if guid:
        return api.put(f"{BASE}/{client}/documents/{guid}", files=files, data=data)
    return api.post(f"{BASE}/{client}/documents", files=files, data=data)


def test_upload_with_metadata(api):
    meta = {
        "document_type": "Rechnungseingang",
        "note": "Lieferung Mehl, März",
        "category": "Workbench",
        "folder": "Eingang",
        "register": "2026/03",
    }
    response = send(api, b"%PDF upload 1", metadata=meta)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["document_type"] == "Rechnungseingang" and body["note"] == meta["note"]
    assert body["files"][0]["name"] == "Beleg Müller.pdf"
    assert body["files"][0]["size"] == len(b"%PDF upload 1")
    assert body["files"][0]["media_type"] == "application/pdf"


def test_put_by_guid_and_409_on_reuse(api):
    guid = str(uuid.uuid4()).upper()
    first = send(api, b"%PDF guid 1", guid=guid)
    assert first.status_code == 201 and first.json()["id"] == guid
    again = send(api, b"%PDF guid 2", guid=guid)
    assert again.status_code == 409 and again.json()[0]["error"] == "#DCO01012"
    assert again.json()[0]["error_description"] == "restapi.KeyConflictFault"
    assert send(api, b"%PDF guid 3", guid="not-a-guid").json()["error"] == "#DCO01234"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": "archiv.zip", "media": "application/zip"}, "#DCO01015"),
        ({"name": "rechnung.exe", "media": "application/octet-stream"}, "#DCO01015"),
        ({"name": "rechnung.docx", "client": "455148-7"}, "#DCO01215"),
        ({"client": "455148-8"}, "#DCO01009"),
        ({"name": "rechnung.pdf", "media": "image/png"}, "#DCO01219"),
        ({"name": "x" * 252 + ".pdf"}, "#DCO01222"),
        ({"metadata": {"document_type": "Gibt es nicht"}}, "#DCO01010"),
        ({"metadata": {"note": "n" * 256}}, "#DCO01223"),
        ({"metadata": {"category": "Workbench"}}, "#DCO01017"),
        ({"metadata": {"document_type": "R" * 31}}, "#DCO01227"),
    ],
)
def test_rejected_uploads(api, kwargs, code):
    response = send(api, f"%PDF {code}".encode(), **kwargs)
    assert response.status_code == 400
    body = response.json()
    assert (body[0] if isinstance(body, list) else body)["error"] == code


def test_metadata_as_json_part(api):
    response = api.post(
        f"{BASE}/455148-1/documents",
        files={
            "file": ("teil.pdf", b"%PDF json part", "application/pdf"),
            "metadata": ("metadata.json", b'{"document_type": "Sonstige"}', "application/json"),
        },
    )
    assert response.status_code == 201 and response.json()["document_type"] == "Sonstige"


def test_bad_metadata_json(api):
    response = api.post(
        f"{BASE}/455148-1/documents",
        files={"file": ("a.pdf", b"%PDF m")},
        data={"metadata": "{not json"},
    )
    assert response.json()["error"] == "#DCO01217"


def test_missing_file_and_duplicate_content(api):
    missing = api.post(
        f"{BASE}/455148-1/documents", data={"metadata": "{}"}, files={"other": ("a.pdf", b"x")}
    )
    assert missing.json()["error"] == "#DCO01004"
    assert send(api, b"%PDF same").status_code == 201
    assert send(api, b"%PDF same").json()["error"] == "#DCO01253"


def test_office_files_go_to_classic_belege_online(api):
    response = send(api, b"PK docx", name="Vertrag.docx", media="application/octet-stream")
    assert response.status_code == 201
    assert response.json()["files"][0]["media_type"].endswith("wordprocessingml.document")


@pytest.mark.parametrize(("client", "code"), [("455148-1", "#DCO01016"), ("455148-7", "#DCO01216")])
def test_over_20_mb(api, client, code):
    response = send(api, b"0" * (20 * 1024 * 1024 + 1), client=client)
    assert response.status_code == 400 and response.json()["error"] == code


def test_scope_and_unknown_client(api, sandbox, oauth):
    assert send(api, client="1-1").status_code == 404
    with oauth.api_client(sandbox.url, scope="openid accounting:dxso-jobs") as other:
        response = send(other, b"%PDF scope")
        assert response.status_code == 403 and response.json()["error"] == "#DCO01005"


def test_stapled_documents(api):
    files = [
        ("files", (f"Seite {i}.pdf", f"%PDF Seite {i} stapled".encode(), "application/pdf"))
        for i in range(1, 4)
    ]
    response = api.put(
        f"{BASE}/455148-1/documents/stapled",
        files=files,
        data={"metadata": json.dumps({"document_type": "Rechnungseingang"})},
    )
    assert response.status_code == 201, response.text
    assert [f["name"] for f in response.json()["files"]] == [
        "Seite 1.pdf",
        "Seite 2.pdf",
        "Seite 3.pdf",
    ]
    eleven = [
        ("files", (f"S{i}.pdf", f"%PDF {i} eleven".encode(), "application/pdf")) for i in range(11)
    ]
    too_many = api.put(f"{BASE}/455148-1/documents/stapled", files=eleven)
    assert too_many.status_code == 400 and too_many.json()["error"] == "#DCO01232"
    twice = [("files", ("a.pdf", b"%PDF twice", "application/pdf"))] * 2
    assert api.put(f"{BASE}/455148-1/documents/stapled", files=twice).json()["error"] == "#DCO01253"
