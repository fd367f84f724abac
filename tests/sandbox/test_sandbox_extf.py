"""accounting-extf-files v3: upload, asynchronous result, header and business rules."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = "/accounting-extf-files/platform/v3/clients"
GOLDEN = Path(__file__).resolve().parents[1] / "data" / "extf" / "EXTF_Buchungsstapel.csv"
COLUMNS = ";".join(f"Feld {i}" for i in range(1, 126))


def extf(
    *,
    consultant="455148",
    client="1",
    fy="20260101",
    length="4",
    start="20260101",
    end="20260131",
    rows=None,
    reserved="",
    label="Rechnungsausgang Januar",
):
    header = (
        f'"EXTF";700;21;"Buchungsstapel";13;20260201120000000;;"RE";"";"";{consultant};'
        f'{client};{fy};{length};{start};{end};"{label}";"WD";1;0;0;"EUR";{reserved};"";;;'
        '"03";;;"";""'
    )
    rows = (
        rows
        if rows is not None
        else ['119,00;"S";"EUR";;;;10000;8400;;1501;"R-2026-001";;;"Brötchen für Café König"']
    )
    return "\r\n".join([header, COLUMNS, *rows]).encode("cp1252") + b"\r\n"


@pytest.fixture(scope="module", autouse=True)
def frozen(sandbox):
    sandbox.state.clock.freeze()
    yield
    sandbox.state.clock.unfreeze()


def post(api, content, client="455148-1", filename="EXTF_Buchungsstapel.csv", **headers):
    return api.post(
        f"{BASE}/{client}/extf-files/import",
        content=content,
        headers={"Filename": filename, "Content-Type": "application/octet-stream", **headers},
    )


def result(api, sandbox, content, client="455148-1", **headers):
    response = post(api, content, client, **headers)
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    sandbox.state.clock.advance(5)
    return api.get(f"/accounting-extf-files/platform/v3{location}").json()


def test_upload_is_accepted_with_location_and_retry_after(api, sandbox):
    response = post(api, extf(), **{"Reference-Id": "Übertragung 1".encode()})
    assert response.status_code == 202 and response.content == b""
    assert response.headers["location"].startswith("/clients/455148-1/extf-files/jobs/")
    assert int(response.headers["retry-after"]) >= 1
    job_url = f"/accounting-extf-files/platform/v3{response.headers['location']}"
    pending = api.get(job_url).json()
    assert pending["result"] == "pending" and pending["reference_id"] == "Übertragung 1"
    sandbox.state.clock.advance(5)
    done = api.get(job_url).json()
    assert done["result"] == "succeeded" and done["number_of_accounting_records"] == 1
    assert done["fiscal_year_begin"] == "2026-01-01" and done["date_to"] == "2026-01-31"
    assert done["data_category_id"] == 21 and done["label"] == "Rechnungsausgang Januar"


def test_golden_buchungsstapel_succeeds(api, sandbox):
    job = result(api, sandbox, GOLDEN.read_bytes(), client="29098-55003")
    assert job["result"] == "succeeded", job
    assert job["number_of_accounting_records"] == 4


def test_debitoren_kreditoren_are_accepted(api, sandbox):
    golden = (GOLDEN.parent / "EXTF_Debitoren_Kreditoren.csv").read_bytes()
    content = golden.replace(b";1001;456;20160101;", b";455148;1;20260101;")
    job = result(api, sandbox, content, filename="EXTF_Debitoren_Kreditoren.csv")
    assert job["result"] == "succeeded", job
    assert job["data_category_id"] == 16 and "date_from" not in job


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_encoding_by_bom(api, sandbox, encoding, bom):
    content = bom + extf().decode("cp1252").encode(encoding)
    assert result(api, sandbox, content)["result"] == "succeeded"


def test_without_bom_bytes_are_cp1252(api, sandbox):
    utf8_without_bom = extf().decode("cp1252").encode("utf-8")  # ö becomes Ã¶, still cp1252
    assert result(api, sandbox, utf8_without_bom)["result"] == "succeeded"
    undefined = extf().replace(b"Br\xf6tchen", b"Br\x81tchen")  # 0x81 is unassigned in cp1252
    job = result(api, sandbox, undefined)
    assert job["result"] == "failed"
    assert job["validation_details"]["type"] == "http://www.datev.de/hilfe/1008833"


@pytest.mark.parametrize(
    ("kwargs", "element", "reason"),
    [
        (
            {"consultant": "29098"},
            "Consultant",
            "The consultant-number in the EXTF-header does not match with the upload request",
        ),
        (
            {"client": "2"},
            "Client",
            "The client-number in the EXTF-header does not match with the upload request",
        ),
        (
            {"start": "20260201", "end": "20260131"},
            "Date From",
            "DateFrom must not be greater than DateTo",
        ),
        ({"reserved": '"x"'}, "Reserved", "Error in header field - Reserved - must be empty (23)"),
        (
            {"length": "9"},
            "Length of Ledger Account",
            "Error in header field - Length of Ledger Account - is invalid (14)",
        ),
    ],
)
def test_header_errors(api, sandbox, kwargs, element, reason):
    job = result(api, sandbox, extf(**kwargs))
    details = job["validation_details"]
    assert job["result"] == "failed" and details["type"] == "http://www.datev.de/hilfe/1008834"
    assert {"name": element, "reason": reason} in details["affected_elements"]


@pytest.mark.parametrize(
    ("client", "kwargs", "reason"),
    [
        (
            "455148-3",
            {"consultant": "455148", "client": "3", "fy": "20260101", "length": "6"},
            "Das Wirtschaftsjahr 2026 ist in DATEV Unternehmen online nicht angelegt.",
        ),
        (
            "455148-1",
            {"length": "5"},
            "Die Kontenlänge in der Datei (5) stimmt nicht mit der Kontenlänge "
            "in DATEV (4) überein!",
        ),
    ],
)
def test_client_rules(api, sandbox, client, kwargs, reason):
    job = result(api, sandbox, extf(**kwargs), client=client)
    assert job["result"] == "failed"
    assert reason in [e["reason"] for e in job["validation_details"]["affected_elements"]]


def test_non_calendar_fiscal_year(api, sandbox):
    content = extf(
        client="2",
        fy="20250701",
        length="5",
        start="20260101",
        end="20260131",
        rows=['119,00;"S";"EUR";;;;100000;84000;;1501;"R-1";;;"Rosen"'],
    )
    assert result(api, sandbox, content, client="455148-2")["result"] == "succeeded"


def test_row_rules(api, sandbox):
    rows = [
        '119.00;"S";"EUR";;;;10000;8400;;1501;"R-1";;;"x"',
        '119,00;"X";"EUR";;;;123456;8400;;1601;"R 2";;;"x"',
        '119,00;"S";"EUR";;;;10000;8400;;1701;"R-3";;;"' + "y" * 61 + '"',
        '119,00;"S";"EUR";;;;10000;8400;;0102;"R-4";;;"x"',
    ]
    job = result(api, sandbox, extf(rows=rows))
    names = [e["name"] for e in job["validation_details"]["affected_elements"]]
    assert names == [
        "Zeile 3, Umsatz (ohne Soll/Haben-Kz)",
        "Zeile 4, Soll/Haben-Kennzeichen",
        "Zeile 4, Konto",
        "Zeile 4, Belegfeld 1",
        "Zeile 5, Buchungstext",
        "Zeile 6, Belegdatum",
    ]


@pytest.mark.parametrize("amount", ["119", "119,5", "119,50", "9999999999,99"])
def test_amounts_as_datev_writes_them_pass(api, sandbox, amount):
    """DATEV's own files write 64083 (Buchungsstapel) and 5,1 (Debitoren/Kreditoren)."""
    rows = [f'{amount};"S";"EUR";;;;10000;85;;1501;"R-1";;;"x"']
    assert result(api, sandbox, extf(rows=rows))["result"] == "succeeded"


@pytest.mark.parametrize("amount", ["0,00", "0", "119,505", "-119,00", "1.190,00"])
def test_amounts_datev_rejects_fail(api, sandbox, amount):
    rows = [f'{amount};"S";"EUR";;;;10000;8400;;1501;"R-1";;;"x"']
    job = result(api, sandbox, extf(rows=rows))
    names = [e["name"] for e in job["validation_details"]["affected_elements"]]
    assert names == ["Zeile 3, Umsatz (ohne Soll/Haben-Kz)"]


def test_more_than_99999_postings_fail(api, sandbox):
    row = '1,00;"S";"EUR";;;;10000;8400;;1501;"R-1";;;"x"'
    job = result(api, sandbox, extf(rows=[row] * 100_000))
    assert job["validation_details"]["detail"] == "More than 99999 postings"


def test_request_errors(api):
    assert post(api, extf(), filename="Buchungen.csv").json()["type"].endswith("1008832")
    assert post(api, extf(), filename="").json()["detail"] == "Filename is empty"
    assert post(api, b"").json()["type"].endswith("1008831")
    assert post(api, extf(), client="abc").json()["type"].endswith("1008835")
    assert post(api, extf(), **{"Reference-Id": "<script>"}).status_code == 400
    assert (
        api.post(
            f"{BASE}/455148-1/extf-files/import",
            content=extf(),
            headers={"Filename": "EXTF_a.csv", "Content-Type": "text/csv"},
        ).status_code
        == 415
    )
    assert post(api, extf(), client="455148-9").status_code == 404


def test_file_over_50_mb_gives_413(api):
    response = post(api, b"x" * (50 * 1024 * 1024 + 1))
    assert response.status_code == 413 and response.json()["detail"] == "File size exceeds 50 MB"


def test_job_list_pages(api, sandbox):
    for _ in range(3):
        assert post(api, extf(), client="29098-55003").status_code == 202
    first = api.get(f"{BASE}/29098-55003/extf-files/jobs", params={"top": 2})
    assert int(first.headers["total-items"]) >= 4 and len(first.json()) == 2
    assert 'rel="next"' in first.headers["link"]
    assert api.get(f"{BASE}/29098-55003/extf-files/jobs/nope").status_code == 404


# -- against the OpenAPI file (accounting_extf-files-3.0.1.json) ------------------------------


def test_job_list_gives_at_most_100_jobs_whatever_top_asks(api, sandbox):
    """OpenAPI ``getJobs``: "If no value or a value greater than 100 is entered, then only 100
    entries will be returned" (no 400 for a larger ``top``)."""
    for _ in range(101):
        assert post(api, extf(client="7"), client="455148-7").status_code == 202
    url = f"{BASE}/455148-7/extf-files/jobs"
    unasked = api.get(url)
    assert unasked.status_code == 200 and len(unasked.json()) == 100
    assert int(unasked.headers["total-items"]) >= 101
    large = api.get(url, params={"top": 5000})
    assert large.status_code == 200 and len(large.json()) == 100
    assert api.get(url, params={"top": -1}).json()["type"].endswith("1008828")


def test_missing_permission_is_a_failed_job_not_a_refused_upload(api, sandbox, monkeypatch):
    """1008838 "Missing permission" is listed among the codes of a job's validation_details,
    not among the upload's answers (whose 403 is 1008829, the missing scope)."""
    client = sandbox.state.seed.clients["455148-2"]
    monkeypatch.setattr(client, "services", [s for s in client.services if "Buchungs" not in s])
    content = extf(
        client="2",
        fy="20250701",
        length="5",
        rows=['119,00;"S";"EUR";;;;100000;84000;;1501;"R-1";;;"Rosen"'],
    )
    job = result(api, sandbox, content, client="455148-2")
    assert job["result"] == "failed"
    assert job["validation_details"]["type"] == "http://www.datev.de/hilfe/1008838"
    assert job["validation_details"]["title"] == "Missing permission"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ('99;"Buchungsstapel";13', "Error in header field - Data Category - is invalid (3)"),
        ('21;"Buchungen";13', "Error in header field - Format Name - is invalid (4)"),
        ('21;"Buchungsstapel";x', "Error in header field - Format Version - is invalid (5)"),
        (
            '16;"Buchungsstapel";13',
            "Invalid combination of data category, format name and format version",
        ),
    ],
)
def test_category_name_and_version_errors_name_their_field(api, sandbox, fields, reason):
    """The OpenAPI lists an error per header field 3, 4 and 5 besides the combination."""
    content = extf().replace(b'21;"Buchungsstapel";13', fields.encode(), 1)
    job = result(api, sandbox, content)
    assert job["result"] == "failed"
    assert reason in [e["reason"] for e in job["validation_details"]["affected_elements"]]
