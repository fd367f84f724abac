"""accounting-dxso-jobs v2: lifecycle, errors, DATEV-side processing and business rules."""

from __future__ import annotations

import pytest
from dxso_documents import document_xml

BASE = "/accounting-dxso-jobs/platform/v2/clients"
LEDGER_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<LedgerImport '
    'xmlns="http://xml.datev.de/bedi/tps/ledger/v060" version="6.0" '
    'generator_info="Workbench" generating_system="Workbench" '
    'xml_data="Kopie nur zur Verbuchung berechtigt nicht zum Vorsteuerabzug">'
)


def ledger(
    kind="accountsReceivableLedger",
    *,
    amount="1190.00",
    total=None,
    day="2026-02-10",
    invoice="R-2026-001",
    account="8400",
    partner="10100",
    text="Torte Schwarzwälder Art",
):
    party = "customer" if kind == "accountsReceivableLedger" else "supplier"
    if kind == "cashLedger":
        record = (
            f"<date>{day}</date><amount>{amount}</amount><accountNo>{account}</accountNo>"
            f"<currencyCode>EUR</currencyCode><invoiceId>{invoice}</invoiceId>"
            f"<bookingText>{text}</bookingText>"
        )
    else:
        record = (
            f"<date>{day}</date><amount>{amount}</amount><accountNo>{account}</accountNo>"
            f"<tax>19.00</tax><currencyCode>EUR</currencyCode><invoiceId>{invoice}"
            f"</invoiceId><bookingText>{text}</bookingText><bpAccountNo>{partner}"
            f"</bpAccountNo><{party}Name>Café König</{party}Name>"
        )
    return (
        f'{LEDGER_HEAD}<consolidate consolidatedAmount="{total or amount}" '
        f'consolidatedDate="{day}" consolidatedInvoiceId="{invoice}" '
        f'consolidatedCurrencyCode="EUR"><{kind}>{record}</{kind}></consolidate>'
        "</LedgerImport>"
    ).encode()


@pytest.fixture(scope="module", autouse=True)
def frozen(sandbox):
    sandbox.state.clock.freeze()
    yield
    sandbox.state.clock.unfreeze()


def create(api, client="455148-1", **body):
    response = api.post(f"{BASE}/{client}/dxso-jobs", json=body or None)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def upload(api, client, job, name, content, media="application/xml"):
    return api.post(
        f"{BASE}/{client}/dxso-jobs/{job}/files", files={"files": (name, content, media)}
    )


def finalize(api, client, job):
    return api.put(
        f"{BASE}/{client}/dxso-jobs/{job}",
        content=b'{"ready":"true"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )


def transfer(api, sandbox, client, files, **body):
    """Create, upload, finalise, let DATEV process; return (status, protocol)."""
    job = create(api, client, **body)
    for name, content in files.items():
        media = "application/pdf" if name.endswith(".pdf") else "application/xml"
        assert upload(api, client, job, name, content, media).status_code == 201
    assert finalize(api, client, job).status_code == 204
    sandbox.state.clock.advance(10)
    status = api.get(f"{BASE}/{client}/dxso-jobs/{job}").json()["status"]
    protocol = api.get(f"{BASE}/{client}/dxso-jobs/{job}/protocol-entries").json()
    return job, status, protocol


def texts(protocol, kind="error"):
    return [e["text"] for e in protocol if e["type"] == kind]


def receivable(client="455148-1", month="2026-02", folder="Ausgangsrechnungen", **kw):
    return {
        "document.xml": document_xml(
            ("accountsReceivableLedger", "R-2026-001.xml", month, folder, ["R-2026-001.pdf"])
        ),
        "R-2026-001.xml": ledger(**kw),
        "R-2026-001.pdf": b"%PDF-1.4 Rechnung",
    }


def test_create_job_returns_id_account_length_and_folders(api):
    response = api.post(
        f"{BASE}/455148-1/dxso-jobs",
        json={"import_type": "accountsReceivableLedgerImport", "accounting_month": "2026-01"},
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["id"]) == 32 and body["id"] == body["id"].upper()
    assert body["account_length"] == 4 and body["ledger_folder_names"] == ["Ausgangsrechnungen"]
    cash = api.post(
        f"{BASE}/455148-1/dxso-jobs",
        json={"import_type": "cashLedgerImport", "accounting_month": "2026-01"},
    ).json()
    assert cash["cash_ledger_names"] == ["Hauptkasse", "Filiale Fürth"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"import_type": "accountsPayableLedgerImport"}, "#DCO01017"),
        ({"accounting_month": "2026-01"}, "#DCO01017"),
        ({"import_type": "somethingElse", "accounting_month": "2026-01"}, "#DCO01008"),
        ({"import_type": "cashLedgerImport", "accounting_month": "2026-13"}, "#DCO01008"),
    ],
)
def test_create_job_rejects_bad_bodies(api, body, code):
    response = api.post(f"{BASE}/455148-1/dxso-jobs", json=body)
    assert response.status_code == 400 and response.json()["error"] == code


def test_create_job_rejects_unparsable_body(api):
    response = api.post(
        f"{BASE}/455148-1/dxso-jobs", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.json()["error"] == "#DCO01008"
    assert response.json()["error_uri"].endswith("q=DCO01008")


def test_client_without_rechnungsdatenservice_gets_403(api):
    response = api.post(f"{BASE}/455148-3/dxso-jobs")
    assert response.status_code == 403 and list(response.json()) == ["request_id"]


def test_new_belege_online_takes_no_rds1_uploads(api):
    response = api.post(f"{BASE}/455148-7/dxso-jobs")
    assert response.status_code == 400 and response.json()["error"] == "#DCO01301"
    assert response.json()["error_description"] == "restapi.RDS1UploadNotSupportedFault"


def test_unknown_client_gives_404(api):
    assert api.post(f"{BASE}/1-1/dxso-jobs").status_code == 404


@pytest.mark.parametrize(
    ("client", "import_type", "month"),
    [
        ("455148-2", "accountsReceivableLedgerImport", "2026-02"),  # type without folder
        ("455148-2", "cashLedgerImport", "2026-02"),  # no cash book
        ("455148-1", "accountsPayableLedgerImport", "2027-01"),  # fiscal year missing
        ("455148-1", "cashLedgerImport", "2027-01"),
    ],
)
def test_create_job_needs_configured_target(api, client, import_type, month):
    response = api.post(
        f"{BASE}/{client}/dxso-jobs", json={"import_type": import_type, "accounting_month": month}
    )
    assert response.status_code == 400 and response.json()["error"] == "#DCO01002"


def test_next_fiscal_year_is_created_automatically_but_not_for_cash(api):
    cash = api.post(
        f"{BASE}/29098-55003/dxso-jobs",
        json={"import_type": "cashLedgerImport", "accounting_month": "2027-02"},
    )
    assert cash.json()["error"] == "#DCO01002"
    create(
        api, "29098-55003", import_type="accountsPayableLedgerImport", accounting_month="2027-02"
    )
    basics = api.get("/accounting-dxso-jobs/platform/v2/clients/29098-55003").json()
    assert basics["basic_accounting_information"][-1]["fiscal_year_start"] == "2027-01-01"


def test_one_job_per_ledger_kind_and_month(api):
    body = {"import_type": "accountsPayableLedgerImport", "accounting_month": "2026-03"}
    first = create(api, **body)
    second = api.post(f"{BASE}/455148-1/dxso-jobs", json=body)
    assert second.status_code == 400 and second.json()["error"] == "#DCO01001"
    assert api.delete(f"{BASE}/455148-1/dxso-jobs/{first}").status_code == 204
    create(api, **body)


def test_upload_errors(api):
    job = create(api)
    url = f"{BASE}/455148-1/dxso-jobs/{job}/files"
    assert api.post(url, content=b"x").json()["error"] == "#DCO01004"
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=xyz"):
        broken = api.post(url, content=b"garbage", headers={"Content-Type": content_type})
        assert broken.status_code == 400 and broken.json()["error"] == "#DCO01004"
    two = api.post(
        url,
        files=[
            ("files", ("a.xml", b"<a/>", "application/xml")),
            ("files", ("b.xml", b"<b/>", "application/xml")),
        ],
    )
    assert two.json()["error"] == "#DCO01004"
    assert (
        upload(api, "455148-1", job, "x.zip", b"PK", "application/zip").json()["error"]
        == "#DCO01015"
    )
    assert (
        upload(api, "455148-1", job, "x.pdf", b"<a/>", "application/xml").json()["error"]
        == "#DCO01219"
    )
    assert upload(api, "455148-1", job, "a.xml", b"<a/>").status_code == 201
    assert upload(api, "455148-1", job, "a.xml", b"<a/>").json()["error"] == "#DCO01001"
    unknown = upload(api, "455148-1", "0" * 32, "a.xml", b"<a/>")
    assert unknown.status_code == 400 and unknown.json()["error"] == "#DCO01003"


def test_upload_over_20_mb_gives_dco01016(api):
    job = create(api)
    big = upload(api, "455148-1", job, "big.pdf", b"0" * (20 * 1024 * 1024 + 1), "application/pdf")
    assert big.status_code == 400 and big.json()["error"] == "#DCO01016"


def test_file_names_follow_the_whitelist(api):
    job = create(api)
    assert (
        upload(
            api, "455148-1", job, "Rechnung#1 Müller?.pdf", b"%PDF", "application/pdf"
        ).status_code
        == 201
    )
    protocol = api.get(f"{BASE}/455148-1/dxso-jobs/{job}/protocol-entries").json()
    assert protocol[0]["filename"] == "Rechnung_1 Müller_.pdf"
    assert protocol[0]["text"] == "wurde empfangen!"


def test_finalize_errors_and_state_rules(api):
    job = create(api)
    url = f"{BASE}/455148-1/dxso-jobs/{job}"
    wrong_type = api.put(url, json={"ready": "true"})
    assert wrong_type.json()["error"] == "#DCO01008"
    not_ready = api.put(
        url, content=b'{"ready":"false"}', headers={"Content-Type": "application/merge-patch+json"}
    )
    assert not_ready.json()["error"] == "#DCO01008"
    assert finalize(api, "455148-1", job).status_code == 204
    assert finalize(api, "455148-1", job).json()["error"] == "#DCO01007"
    assert upload(api, "455148-1", job, "a.xml", b"<a/>").json()["error"] == "#DCO01007"
    assert api.delete(url).json()["error"] == "#DCO01007"


def test_status_moves_over_time(api, sandbox):
    client = "455148-1"
    job = create(api, client)
    for name, content in receivable(invoice="R-2026-010").items():
        upload(api, client, job, name, content, "application/octet-stream")
    finalize(api, client, job)
    url = f"{BASE}/{client}/dxso-jobs/{job}"
    assert api.get(url).json() == {"id": job, "status": 0}
    sandbox.state.clock.advance(1)
    assert api.get(url).json()["status"] == 1
    sandbox.state.clock.advance(3)
    assert api.get(url).json()["status"] == 2
    protocol = api.get(f"{url}/protocol-entries").json()
    assert "wurde in die Belegverwaltung übernommen!" in texts(protocol, "information")
    assert any(
        "Rechnungsausgangsbuch(R-2026-010/02.2026)" in t for t in texts(protocol, "information")
    )
    assert all(e["time"].endswith("+00:00") for e in protocol)


def test_delete_only_while_open(api):
    job = create(api)
    url = f"{BASE}/455148-1/dxso-jobs/{job}"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(f"{url}/protocol-entries").status_code == 404


def test_official_samples_pass(api, sandbox, shared_datev):
    """The DATEV samples, packaged as ameax's document.xml describes them, in the month of the
    data: ameax files the January invoices under 2023-06, which DATEV's XSD documentation of
    consolidatedDate rejects ("muss ... in dem in der document.xml angegebenen Zeitraum
    liegen"); DATEV's own Musterdaten always use the data's month."""
    samples = shared_datev("samples")
    sample = {
        name: (samples / name).read_bytes()
        for name in (
            "document.xml",
            "Provisionsgutschrift_GS-2023-101.xml",
            "Rechnungsdaten_RA_R-2023-101.xml",
            "small.pdf",
        )
    }
    files = {
        "document.xml": sample["document.xml"].replace(b'value="2023-06"', b'value="2023-01"'),
        "Eingangsrechnung 123.xml": sample["Provisionsgutschrift_GS-2023-101.xml"],
        "Ausgangsrechnung 345.xml": sample["Rechnungsdaten_RA_R-2023-101.xml"],
        "test1.pdf": sample["small.pdf"],
        "test2.pdf": sample["small.pdf"],
        "sepa-12345.xml": b"<Document/>",
        "Contract-999.pdf": sample["small.pdf"],
    }
    _, status, protocol = transfer(api, sandbox, "29098-55003", files)
    assert status == 2, texts(protocol)
    assert texts(protocol) == []


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("Rechnungsdaten_RA_R-2023-101.xml", "2023-01"),
        ("Rechnungsdaten_RA_R-2023-101-EU.xml", "2023-01"),
        ("Rechnungsdaten_RA_R-2023-204.xml", "2023-02"),
    ],
)
def test_each_receivable_sample_passes(api, sandbox, name, month, shared_datev):
    files = {
        "document.xml": document_xml(
            ("accountsReceivableLedger", name, month, "Ausgangsrechnungen", [])
        ),
        name: shared_datev("samples", name).read_bytes(),
    }
    _, status, protocol = transfer(api, sandbox, "29098-55003", files)
    assert status == 2, texts(protocol)


BROKEN = [
    (
        dict(amount="1190", total="1190.00"),
        "Rechnung passt nicht zu Rechnungsschema. Ursache: value doesn't match",
    ),
    (
        dict(text="Torte\u00a0Schwarzwälder Art"),
        "Rechnung passt nicht zu Rechnungsschema. Ursache: Intruder Alert",
    ),
    (
        dict(text="Torte\u200bSchwarzwälder"),
        "Rechnung passt nicht zu Rechnungsschema. Ursache: Intruder Alert",
    ),
    (
        dict(total="1200.00"),
        "Der Gesamtbetrag 1200.00 (consolidatedAmount) stimmt nicht mit "
        "der Summe der Buchungen 1190.00 überein.",
    ),
    (
        dict(account="123456"),
        "Die Kontenlänge der Kontonummer 123456 (6 Stellen) stimmt nicht "
        "mit der Kontenlänge in DATEV (4) überein!",
    ),
    (
        dict(partner="101000"),
        "Die Kontenlänge des Personenkontos 101000 (6 Stellen) stimmt "
        "nicht mit der Kontenlänge in DATEV (5) überein!",
    ),
    (
        dict(day="2026-03-02"),
        "Das Datum 2026-03-02 (consolidatedDate) liegt nicht im Buchungsmonat 2026-02",
    ),
    (
        dict(text="M&#252;ller &amp; S\\366hne"),
        "Rechnung passt nicht zu Rechnungsschema. Ursache: Intruder Alert",
    ),
    (
        dict(account="840000"),
        "Die Kontenlänge der Kontonummer 840000 (6 Stellen) stimmt nicht "
        "mit der Kontenlänge in DATEV (4) überein!",
    ),
    (
        dict(day="2027-01-05"),
        "Das Wirtschaftsjahr 2027 ist in DATEV Unternehmen online nicht angelegt.",
    ),
    (
        dict(folder="Gibt es nicht"),
        "Der Rechnungsordner 'Gibt es nicht' ist in DATEV Unternehmen online nicht angelegt.",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_broken_variants_fail_with_protocol_text(api, sandbox, change, message):
    folder = change.pop("folder", "Ausgangsrechnungen")
    _, status, protocol = transfer(api, sandbox, "455148-1", receivable(folder=folder, **change))
    assert status == 3
    assert any(t.startswith(message) for t in texts(protocol)), texts(protocol)
    assert "Beleg wurde nicht übernommen!" in texts(protocol)


def test_missing_fiscal_year_on_non_calendar_client(api, sandbox):
    files = {
        "document.xml": document_xml(
            ("accountsPayableLedger", "E-1.xml", "2026-08", "Eingangsrechnungen", [])
        ),
        "E-1.xml": ledger(
            "accountsPayableLedger",
            day="2026-08-03",
            account="34000",
            partner="700010",
            invoice="E-1",
        ),
    }
    _, status, protocol = transfer(api, sandbox, "455148-2", files)
    assert status == 3
    assert "Das Wirtschaftsjahr 2026 ist in DATEV Unternehmen online nicht angelegt." in texts(
        protocol
    )


def test_document_type_without_folder(api, sandbox):
    files = {
        "document.xml": document_xml(
            ("accountsReceivableLedger", "A.xml", "2026-02", "Ausgangsrechnungen", [])
        ),
        "A.xml": ledger(account="84000", partner="100100"),
    }
    _, status, protocol = transfer(api, sandbox, "455148-2", files)
    assert status == 3
    assert (
        "Der Belegtyp Rechnungsausgang ist in DATEV Unternehmen online nicht aktiviert "
        "oder hat keinen Rechnungsordner." in texts(protocol)
    )


def test_partial_success_is_status_4(api, sandbox):
    files = {
        "document.xml": document_xml(
            ("accountsReceivableLedger", "ok.xml", "2026-02", "Ausgangsrechnungen", []),
            ("accountsReceivableLedger", "bad.xml", "2026-02", "Ausgangsrechnungen", []),
        ),
        "ok.xml": ledger(invoice="R-2026-100"),
        "bad.xml": ledger(invoice="R 2026 101"),
    }
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 4
    assert texts(protocol).count("Beleg wurde nicht übernommen!") == 1


@pytest.mark.parametrize("account", ["85", "840", "8400", "10100"])
def test_short_sachkonten_and_personal_accounts_pass(api, sandbox, account):
    """DATEV omits the leading zeros of Sachkonten (85 = 0085, Musterdaten)."""
    files = receivable(invoice=f"R-2026-{account}", account=account)
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 2, texts(protocol)


def test_correction_without_an_original_passes(api, sandbox):
    """DATEV's ARK/ERK samples: a negative amount under its own invoice id, no reference."""
    files = receivable(invoice="RK-2026-999", amount="-119.00")
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 2, texts(protocol)


def test_correction_of_a_transferred_invoice_passes(api, sandbox):
    _, first, _ = transfer(api, sandbox, "455148-1", receivable(invoice="R-2026-200"))
    _, second, protocol = transfer(
        api, sandbox, "455148-1", receivable(invoice="R-2026-200", amount="-119.00")
    )
    assert (first, second) == (2, 2), texts(protocol)


def test_missing_document_xml_and_invalid_document_xml(api, sandbox):
    _, status, protocol = transfer(api, sandbox, "455148-1", {"a.xml": ledger()})
    assert status == 3 and texts(protocol)[0].startswith("Die Datei document.xml fehlt")
    broken = {"document.xml": document_xml().replace(b'version="6.0"', b'version="5.0"')}
    _, status, protocol = transfer(api, sandbox, "455148-1", broken)
    assert status == 3 and texts(protocol)[0].startswith("Die Datei entspricht nicht dem")


def test_missing_attachment_fails_the_document(api, sandbox):
    files = receivable(invoice="R-2026-300")
    del files["R-2026-001.pdf"]
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 3
    assert "Die Datei R-2026-001.pdf wurde nicht übertragen." in texts(protocol)


def test_protocol_expires_after_retention(api, sandbox, oauth):
    job, status, _ = transfer(api, sandbox, "455148-1", receivable(invoice="R-2026-400"))
    assert status == 2
    sandbox.state.clock.advance(59 * 86400)
    assert api.get(f"{BASE}/455148-1/dxso-jobs/{job}").status_code == 401  # token expired
    with oauth.api_client(sandbox.url) as fresh:
        assert fresh.get(f"{BASE}/455148-1/dxso-jobs/{job}").json()["status"] == 2
    sandbox.state.clock.advance(2 * 86400)
    with oauth.api_client(sandbox.url) as fresh:
        assert fresh.get(f"{BASE}/455148-1/dxso-jobs/{job}").status_code == 404
        assert fresh.get(f"{BASE}/455148-1/dxso-jobs/{job}/protocol-entries").status_code == 404


def test_storno_via_control_endpoint(api, sandbox):
    job, _, _ = transfer(api, sandbox, "455148-1", receivable(invoice="R-2026-500"))
    cancel = f"/_sandbox/clients/455148-1/dxso-jobs/{job}/cancel"
    assert api.post(cancel, json={}).json() == {"id": job, "status": 5}
    assert api.get(f"{BASE}/455148-1/dxso-jobs/{job}").json()["status"] == 5
    assert api.post(cancel, json={}).status_code == 409
    job, _, _ = transfer(api, sandbox, "455148-1", receivable(invoice="R-2026-501"))
    assert (
        api.post(
            f"/_sandbox/clients/455148-1/dxso-jobs/{job}/cancel", json={"refused": True}
        ).json()["status"]
        == 6
    )


def _cash(day, month, invoice):
    return {
        "document.xml": document_xml(("cashLedger", f"{invoice}.xml", month, "Hauptkasse", [])),
        f"{invoice}.xml": ledger(
            "cashLedger", day=day, invoice=invoice, account="8400", text="Tageseinnahmen"
        ),
    }


def test_cash_jobs_run_one_at_a_time_and_in_order(api, sandbox):
    client = "455148-1"
    jobs = []
    for month, day in (("2026-04", "2026-04-30"), ("2026-05", "2026-05-31")):
        job = create(api, client, import_type="cashLedgerImport", accounting_month=month)
        for name, content in _cash(day, month, f"K-{month}").items():
            upload(api, client, job, name, content)
        finalize(api, client, job)
        jobs.append(job)
    sandbox.state.clock.advance(1)
    statuses = [api.get(f"{BASE}/{client}/dxso-jobs/{j}").json()["status"] for j in jobs]
    assert statuses == [1, 0]
    sandbox.state.clock.advance(3)
    statuses = [api.get(f"{BASE}/{client}/dxso-jobs/{j}").json()["status"] for j in jobs]
    assert statuses == [2, 1]
    sandbox.state.clock.advance(3)
    assert api.get(f"{BASE}/{client}/dxso-jobs/{jobs[1]}").json()["status"] == 2
    _, status, protocol = transfer(
        api,
        sandbox,
        client,
        _cash("2026-03-31", "2026-03", "K-3"),
        import_type="cashLedgerImport",
        accounting_month="2026-03",
    )
    assert status == 3 and "bereits Kassenbewegungen übertragen" in texts(protocol)[0]


def test_undescribed_files_get_a_warning(api, sandbox):
    files = receivable(invoice="R-2026-600")
    files["Notizen.pdf"] = b"%PDF notes"
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 2
    warning = next(e for e in protocol if e["type"] == "warning")
    assert warning["filename"] == "Notizen.pdf"
    assert warning["text"].startswith("Die Datei ist in document.xml nicht beschrieben")


def test_comments_in_document_xml_are_fine(api, sandbox):
    files = receivable(invoice="R-2026-700")
    files["document.xml"] = files["document.xml"].replace(
        b"<header>", b"<header><!-- erzeugt von der Workbench -->"
    )
    _, status, protocol = transfer(api, sandbox, "455148-1", files)
    assert status == 2, texts(protocol)
