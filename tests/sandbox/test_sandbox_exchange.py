"""Accounting Data Exchange 1.5.8 in the sandbox: what DATEV booked of processed EXTF and dxso
jobs, as AccountPostings (checked against DATEV's OpenAPI file by the ``api`` fixture), the
general-ledger accounts from the seed's SKR excerpt, sums and balances, and the control
endpoint that stands for a colleague's manual bookings."""

from __future__ import annotations

import json

import pytest
from dxso_documents import document_xml as dxso_document_xml

ADE = "/accounting-data-exchange/platform/v1/clients"
EXTF = "/accounting-extf-files/platform/v3/clients/{client}/extf-files/import"
DXSO = "/accounting-dxso-jobs/platform/v2/clients/455148-1/dxso-jobs"
CLIENT = "455148-1"  # SKR03, Sachkontenlänge 4, Datenservice Export Rechnungswesen booked
FY = 20260101
LEDGER_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<LedgerImport '
    'xmlns="http://xml.datev.de/bedi/tps/ledger/v060" version="6.0" '
    'generator_info="Workbench" generating_system="Workbench" '
    'xml_data="Kopie nur zur Verbuchung berechtigt nicht zum Vorsteuerabzug">'
)


def extf(*lines: str, consultant: int = 455148, client: int = 1) -> bytes:
    """A Buchungsstapel for February 2026; each line from Umsatz to Buchungstext (14 fields)."""
    header = (
        f'"EXTF";700;21;"Buchungsstapel";13;20260301120000000;;"RE";"";"";{consultant};'
        f'{client};20260101;4;20260201;20260228;"Februar";"WD";1;0;0;"EUR";;"";;;"03";;;"";""'
    )
    return "\r\n".join([header, "Kopf", *lines, ""]).encode("cp1252")


def ledger(kind: str, records: str, *, invoice: str, total: str, day: str = "2026-02-10") -> bytes:
    return (
        f'{LEDGER_HEAD}<consolidate consolidatedAmount="{total}" consolidatedDate="{day}" '
        f'consolidatedInvoiceId="{invoice}" consolidatedCurrencyCode="EUR">{records}'
        "</consolidate></LedgerImport>"
    ).encode()


def record(kind: str, amount: str, *, account: str | None = "8400", partner: str | None = None,
           invoice: str = "R-2026-001", day: str = "2026-02-10") -> str:  # fmt: skip
    party = "customer" if kind == "accountsReceivableLedger" else "supplier"
    parts = [f"<date>{day}</date><amount>{amount}</amount>"]
    if account:
        parts.append(f"<accountNo>{account}</accountNo>")
    if kind == "cashLedger":
        parts.append(f"<currencyCode>EUR</currencyCode><invoiceId>{invoice}</invoiceId>")
        parts.append("<bookingText>Tageseinnahmen</bookingText>")
    else:
        parts.append(f"<tax>19.00</tax><currencyCode>EUR</currencyCode><invoiceId>{invoice}")
        parts.append("</invoiceId><bookingText>Torte</bookingText>")
        if partner:
            parts.append(f"<bpAccountNo>{partner}</bpAccountNo>")
        parts.append(f"<{party}Name>Café König</{party}Name>")
    return f"<{kind}>{''.join(parts)}</{kind}>"


def document_xml(*docs: tuple[str, str, str, list[str]]) -> bytes:
    """docs: (kind, datafile, folder, [image names]); period 2026-02."""
    return dxso_document_xml(*((k, name, "2026-02", f, images) for k, name, f, images in docs))


@pytest.fixture(scope="module", autouse=True)
def frozen(sandbox):
    sandbox.state.clock.freeze()
    yield
    sandbox.state.clock.unfreeze()


@pytest.fixture(autouse=True)
def fresh(sandbox):
    """Each test books into an empty sandbox (a reset keeps the frozen clock)."""
    sandbox.state.reset()


def upload_extf(api, sandbox, content: bytes, client: str = CLIENT) -> str:
    response = api.post(
        EXTF.format(client=client),
        content=content,
        headers={"Filename": "EXTF_Test.csv", "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 202, response.text
    sandbox.state.clock.advance(sandbox.state.settings.extf_seconds)
    job = response.headers["Location"].rsplit("/", 1)[-1]
    assert api.get(f"/accounting-extf-files/platform/v3/clients/{client}/extf-files/jobs/{job}")
    return job


def transfer_dxso(
    api, sandbox, import_type: str, files: dict[str, bytes], *, look: bool = True
) -> str:
    """Send a dxso job and let DATEV process it; ``look``: ask for its status afterwards."""
    job = api.post(DXSO, json={"import_type": import_type, "accounting_month": "2026-02"})
    assert job.status_code == 201, job.text
    job_id = job.json()["id"]
    for name, content in files.items():
        kind = "application/pdf" if name.endswith(".pdf") else "application/xml"
        uploaded = api.post(f"{DXSO}/{job_id}/files", files={"files": (name, content, kind)})
        assert uploaded.status_code == 201, uploaded.text
    ready = api.put(
        f"{DXSO}/{job_id}",
        content=b'{"ready":"true"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert ready.status_code == 204, ready.text
    sandbox.state.clock.advance(10)
    if look:
        assert api.get(f"{DXSO}/{job_id}").json()["status"] in (2, 4)
    return job_id


def postings(api, sandbox, client: str = CLIENT, *, links: bool = True) -> list[dict]:
    created = api.post(
        f"{ADE}/{client}/fiscal-years/{FY}/account-postings",
        params={"documentLinks": str(links).lower()},
    )
    assert created.status_code == 202, created.text
    job = created.json()["jobId"]
    sandbox.state.clock.advance(sandbox.state.settings.exchange_seconds)
    assert api.get(f"{ADE}/{client}/jobs/{job}/state").json() == {"jobState": "COMPLETED"}
    page = api.get(f"{ADE}/{client}/account-postings-jobs/{job}", params={"page": 1})
    assert page.status_code == 200, page.text
    return [json.loads(line) for line in page.text.splitlines()]


def by_field1(items: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for item in items:
        grouped.setdefault(item.get("documentField1", ""), []).append(item)
    return grouped


def test_every_exchange_response_matches_datevs_schema(api, oauth, sandbox):
    """Success and error answers of every ADE route, validated against the OpenAPI file."""
    upload_extf(api, sandbox, extf('119,00;"S";"EUR";;;;10000;8400;;1002;"R-1";;;"Torte"'))
    base = f"{ADE}/{CLIENT}"
    years = api.get(f"{base}/fiscal-years")
    assert years.headers["content-type"].startswith("application/x-ndjson")
    assert [int(line) for line in years.text.split()] == [20240101, 20250101, 20260101]
    year = api.get(f"{base}/fiscal-years/{FY}")
    assert json.loads(year.text)["accountLength"] == 4
    assert json.loads(year.text)["yearEnd"] == "2026-12-31"
    assert api.get(f"{base}/fiscal-years/20230101").status_code == 404
    assert api.get(f"{base}/fiscal-years/2026").status_code == 400
    created = api.post(f"{base}/fiscal-years/{FY}/account-postings")
    assert created.status_code == 202
    job = created.json()["jobId"]
    assert api.get(f"{base}/jobs/{job}/state").json() == {"jobState": "PENDING"}
    assert api.get(f"{base}/account-postings-jobs/{job}", params={"page": 1}).status_code == 409
    sandbox.state.clock.advance(sandbox.state.settings.exchange_seconds)
    page = api.get(f"{base}/account-postings-jobs/{job}", params={"page": 1})
    assert page.headers["x-total-count"] == "1"
    assert page.headers["x-total-pages"] == "1"
    assert page.headers["x-page-size"] == "50000"
    assert api.get(f"{base}/account-postings-jobs/{job}").status_code == 400
    assert api.get(f"{base}/account-postings-jobs/{job}", params={"page": 2}).status_code == 400
    assert api.get(f"{base}/jobs/00000000-0000-4000-8000-000000000000/state").status_code == 404
    assert api.get(f"{base}/fiscal-years/{FY}/general-ledger-accounts").status_code == 200
    sums = api.get(f"{base}/fiscal-years/{FY}/sums-and-balances")
    [revenue] = [json.loads(line) for line in sums.text.splitlines()]
    assert revenue["accountNumber"] == 84000000
    assert revenue["caption"] == "Erlöse 19 % USt"
    assert revenue["annualValueCredit"] == 119.0
    assert (revenue["balance"], revenue["balanceDebitCreditIdentifier"]) == (119.0, "H")
    assert revenue["sumsAndBalancesMonthValues"] == [
        {
            "fiscalYearMonth": 2,
            "monthlyBalance": 119.0,
            "monthlyBalanceDebitCreditIdentifier": "H",
        }
    ]
    sandbox.state.clock.advance(12 * 3600)  # DATEV keeps a job's data for 12 hours
    with oauth.api_client(sandbox.url) as later:
        assert later.get(f"{base}/jobs/{job}/state").json() == {"jobState": "DELETED"}
        gone = later.get(f"{base}/account-postings-jobs/{job}", params={"page": 1})
    assert gone.status_code == 404


def test_data_service_and_scope_are_required(api, oauth, sandbox):
    # 455148-3 has not booked the Datenservice Export Rechnungswesen.
    missing = api.get(f"{ADE}/455148-3/fiscal-years")
    assert missing.status_code == 403
    assert "Datenservice Export Rechnungswesen" in missing.json()["detail"]
    assert missing.headers["content-type"] == "application/problem+json"
    scope = oauth.all_scopes.replace(" datev:accounting:exchange", "")
    with oauth.api_client(sandbox.url, scope=scope) as without_scope:
        refused = without_scope.get(f"{ADE}/{CLIENT}/fiscal-years")
    assert refused.status_code == 403
    assert refused.json()["title"] == "Missing required scope"
    assert api.get(f"{ADE}/1-1/fiscal-years").status_code == 400
    assert api.get(f"{ADE}/455148-99/fiscal-years").status_code == 404
    anonymous = api.get(f"{ADE}/{CLIENT}/fiscal-years", headers={"Authorization": "Bearer x"})
    assert anonymous.status_code == 401
    assert anonymous.json()["status"] == 401


def test_extf_bookings_become_postings_per_general_ledger_account(api, sandbox):
    upload_extf(
        api,
        sandbox,
        extf(
            # Debitor 10000 an Erlöse 8400: only the Sachkonto has a Kontoblatt in ADE.
            '119,00;"S";"EUR";;;;10000;8400;3;1002;"R-1";;;"Torte";;;;;;"BEDI ""6B1C2D3E-'
            '0000-4000-8000-000000000001""";;;;;;;;;;;;;;;;;"Backstube"',
            # Kasse an Erlöse 7 %: two Sachkonten, two postings.
            '50,00;"S";"EUR";;;;1000;8300;;0302;"K-7";;;"Tageseinnahmen"',
        ),
    )
    booked = by_field1(postings(api, sandbox))
    [revenue] = booked["R-1"]
    assert revenue["accountNumber"] == 84000000
    assert revenue["contraAccountNumber"] == 100000000
    assert revenue["amountCredit"] == 119.0 and "amountDebit" not in revenue
    assert revenue["date"] == "2026-02-10"
    assert revenue["accountingTransactionKey"] == 3
    assert revenue["kost1CostCenterId"] == "Backstube"
    assert revenue["documentLink"] == {
        "sourceSystem": "BEDI",
        "documentGuid": "6B1C2D3E-0000-4000-8000-000000000001",
    }
    assert revenue["followOnPostingType"] == "journal_entry"
    cash = {p["accountNumber"]: p for p in booked["K-7"]}
    assert cash[10000000]["amountDebit"] == 50.0
    assert cash[10000000]["contraAccountNumber"] == 83000000
    assert cash[83000000]["amountCredit"] == 50.0
    assert cash[83000000]["date"] == "2026-02-03"
    without_links = postings(api, sandbox, links=False)
    assert not any("documentLink" in p for p in without_links)


def test_failed_extf_books_nothing_and_jobs_are_snapshots(api, sandbox):
    # Another consultant's header: the Buchungsdatenservice refuses the whole file.
    bad = extf('119,00;"S";"EUR";;;;10000;8400;;1002;"R-9";;;"x"', consultant=29098)
    response = api.post(
        EXTF.format(client=CLIENT),
        content=bad,
        headers={"Filename": "EXTF_Bad.csv", "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 202
    sandbox.state.clock.advance(5)
    assert postings(api, sandbox) == []
    upload_extf(api, sandbox, extf('10,00;"S";"EUR";;;;1000;8400;;1002;"R-2";;;"x"'))
    created = api.post(f"{ADE}/{CLIENT}/fiscal-years/{FY}/account-postings").json()["jobId"]
    assert [p["documentField1"] for p in postings(api, sandbox)] == ["R-2", "R-2"]
    # A job is what DATEV had booked when it was created: later changes do not show in it.
    api.post(
        f"/_sandbox/clients/{CLIENT}/postings",
        json={"action": "delete", "match": {"documentField1": "R-2"}},
    )
    page = api.get(f"{ADE}/{CLIENT}/account-postings-jobs/{created}", params={"page": 1})
    assert len(page.text.splitlines()) == 2
    assert postings(api, sandbox) == []


def test_dxso_records_become_postings_with_their_belegbild(api, sandbox):
    outgoing = record("accountsReceivableLedger", "1190.00", partner="10100", invoice="AR-1")
    incoming = record("accountsPayableLedger", "59.50", account="4930", invoice="ER-1")
    proposal = record("accountsPayableLedger", "10.00", account=None, invoice="ER-2")
    files = {
        "ar.xml": ledger("accountsReceivableLedger", outgoing, invoice="AR-1", total="1190.00"),
        "beleg.pdf": b"%PDF-1.4 test",
        "document.xml": document_xml(
            ("accountsReceivableLedger", "ar.xml", "Ausgangsrechnungen", ["beleg.pdf"])
        ),
    }
    job = transfer_dxso(api, sandbox, "accountsReceivableLedgerImport", files)
    transfer_dxso(
        api,
        sandbox,
        "accountsPayableLedgerImport",
        {
            "er.xml": ledger("accountsPayableLedger", incoming, invoice="ER-1", total="59.50"),
            "er2.xml": ledger("accountsPayableLedger", proposal, invoice="ER-2", total="10.00"),
            "document.xml": document_xml(
                ("accountsPayableLedger", "er.xml", "Eingangsrechnungen", []),
                ("accountsPayableLedger", "er2.xml", "Eingangsrechnungen", []),
            ),
        },
    )
    booked = by_field1(postings(api, sandbox))
    [revenue] = booked["AR-1"]
    assert revenue["accountNumber"] == 84000000
    assert revenue["contraAccountNumber"] == 101000000
    assert revenue["amountCredit"] == 1190.0
    assert revenue["taxRate"] == 19.0
    protocol = api.get(f"{DXSO}/{job}/protocol-entries").json()
    [image] = [
        e
        for e in protocol
        if e.get("filename") == "beleg.pdf" and e.get("context", "").startswith("Beleg-ID")
    ]
    assert image["context"] == "Beleg-ID Nr. " + revenue["documentLink"]["documentGuid"].replace(
        "-", ""
    )
    # No bpAccountNo: against SKR03's Verbindlichkeiten aus Lieferungen und Leistungen (1600).
    expense = {p["accountNumber"]: p for p in booked["ER-1"]}
    assert expense[49300000]["amountDebit"] == 59.5
    assert expense[16000000]["amountCredit"] == 59.5
    # Without an account it stays a booking proposal, which ADE never delivers.
    assert "ER-2" not in booked
    cancelled = api.post(f"/_sandbox/clients/{CLIENT}/dxso-jobs/{job}/cancel")
    assert cancelled.status_code == 200
    assert "AR-1" not in by_field1(postings(api, sandbox))


def test_cash_ledger_books_against_the_cash_account(api, sandbox):
    content = record("cashLedger", "-20.00", account="4930", invoice="KB-1")
    transfer_dxso(
        api,
        sandbox,
        "cashLedgerImport",
        {
            "kasse.xml": ledger("cashLedger", content, invoice="KB-1", total="-20.00"),
            "document.xml": document_xml(("cashLedger", "kasse.xml", "Hauptkasse", [])),
        },
    )
    [office, cash] = sorted(
        by_field1(postings(api, sandbox))["KB-1"], key=lambda p: -p["accountNumber"]
    )
    assert (office["accountNumber"], office["amountDebit"]) == (49300000, 20.0)
    assert (cash["accountNumber"], cash["amountCredit"]) == (10000000, 20.0)


def test_a_job_nobody_asked_about_is_booked_all_the_same(api, sandbox):
    """DATEV processes a dxso job whether or not its status is read; the postings job sees
    every job that is due (two cash jobs in a row: the second waits for the first)."""
    for invoice, amount in (("KB-7", "35.00"), ("KB-8", "-12.00")):
        content = record("cashLedger", amount, account="8400", invoice=invoice)
        files = {
            "kasse.xml": ledger("cashLedger", content, invoice=invoice, total=amount),
            "document.xml": document_xml(("cashLedger", "kasse.xml", "Hauptkasse", [])),
        }
        transfer_dxso(api, sandbox, "cashLedgerImport", files, look=False)
    booked = by_field1(postings(api, sandbox))
    assert {"KB-7", "KB-8"} <= set(booked)


def test_general_ledger_accounts_carry_the_seed_captions(api, sandbox):
    upload_extf(api, sandbox, extf('5,00;"S";"EUR";;;;1361;8400;;1002;"T-1";;;"x"'))
    base = f"{ADE}/{CLIENT}/fiscal-years/{FY}/general-ledger-accounts"
    every = [json.loads(line) for line in api.get(base).text.splitlines()]
    assert {"accountNumber": 4800000, "caption": "Geringwertige Wirtschaftsgüter"} in every
    assert all(item["caption"] for item in every)
    booked = [
        json.loads(line) for line in api.get(base, params={"onlyBooked": "true"}).text.splitlines()
    ]
    assert booked == [
        {"accountNumber": 13610000, "caption": None},  # booked, but not in the excerpt
        {"accountNumber": 84000000, "caption": "Erlöse 19 % USt"},
    ]
    # Account length 5 (SKR04 client): the same technical numbers, SKR04's captions.
    skr04 = api.get(f"{ADE}/455148-2/fiscal-years/20250701/general-ledger-accounts")
    assert {"accountNumber": 44000000, "caption": "Erlöse 19 % USt"} in [
        json.loads(line) for line in skr04.text.splitlines()
    ]


def test_control_endpoint_adds_changes_and_deletes_bookings(api, sandbox):
    upload_extf(
        api,
        sandbox,
        extf(
            '119,00;"S";"EUR";;;;10000;8400;;1002;"R-1";;;"Torte"',
            '238,00;"S";"EUR";;;;10000;8400;;1002;"R-2";;;"Torte"',
        ),
    )
    control = f"/_sandbox/clients/{CLIENT}/postings"
    changed = api.post(
        control,
        json={
            "action": "change",
            "match": {"documentField1": "R-1", "accountNumber": 84000000},
            "posting": {"amountCredit": 150.0, "contraAccountNumber": 100010000},
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["changed"] == 1
    deleted = api.post(control, json={"action": "delete", "match": {"documentField1": "R-2"}})
    assert deleted.json() == {"action": "delete", "deleted": 1}
    added = api.post(
        control,
        json={
            "action": "add",
            "posting": {
                "accountNumber": 49300000,
                "contraAccountNumber": 10000000,
                "amountDebit": 12.5,
                "date": "2026-02-20",
                "documentField1": "MAN-1",
            },
        },
    )
    assert added.status_code == 201, added.text
    booked = by_field1(postings(api, sandbox))
    assert booked["R-1"][0]["amountCredit"] == 150.0
    assert booked["R-1"][0]["contraAccountNumber"] == 100010000
    assert "R-2" not in booked
    assert {p["accountNumber"] for p in booked["MAN-1"]} == {49300000, 10000000}
    for body, status in [
        ({"action": "delete", "match": {"documentField1": "nope"}}, 404),
        ({"action": "move", "match": {"documentField1": "R-1"}}, 400),
        ({"action": "delete"}, 400),
        ({"action": "add", "posting": {"accountNumber": 49300000}}, 400),
        ({"action": "add", "posting": {**added.json()["postings"][0], "colour": 1}}, 400),
        (
            {
                "action": "add",
                "posting": {
                    "accountNumber": 49300000,
                    "contraAccountNumber": 10000000,
                    "amountDebit": 1.0,
                    "date": "2023-01-01",
                },
            },
            400,
        ),
    ]:
        answer = api.post(control, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["error_description"]


def test_control_endpoint_is_off_unless_enabled(oauth):
    from workbench.sandbox import start_sandbox

    with start_sandbox() as plain, oauth.api_client(plain.url) as api:
        answer = api.post(f"/_sandbox/clients/{CLIENT}/postings", json={"action": "delete"})
    assert answer.status_code == 404


def test_control_match_takes_belegfeld_characters_literally(api, sandbox):
    # Belegfeld 1 allows % (DATEV's charset); a match on "R%1" must not touch "R-1" or "RX1".
    upload_extf(
        api,
        sandbox,
        extf(*(f'1,00;"S";"EUR";;;;10000;8400;;1002;"{b}";;;"x"' for b in ("R%1", "R-1", "RX1"))),
    )
    deleted = api.post(
        f"/_sandbox/clients/{CLIENT}/postings",
        json={"action": "delete", "match": {"documentField1": "R%1"}},
    )
    assert deleted.json() == {"action": "delete", "deleted": 1}
    assert set(by_field1(postings(api, sandbox))) == {"R-1", "RX1"}


def test_postings_come_in_pages(api, sandbox, monkeypatch):
    from workbench.sandbox import exchange_jobs

    monkeypatch.setattr(exchange_jobs, "PAGE_SIZE", 2)  # DATEV's pages hold 50,000
    upload_extf(
        api, sandbox, extf(*(f'1,00;"S";"EUR";;;;10000;8400;;1002;"P-{n}";;;"x"' for n in range(5)))
    )
    job = api.post(f"{ADE}/{CLIENT}/fiscal-years/{FY}/account-postings").json()["jobId"]
    sandbox.state.clock.advance(sandbox.state.settings.exchange_seconds)
    assert api.get(f"{ADE}/{CLIENT}/jobs/{job}/state").json() == {"jobState": "COMPLETED"}
    seen = []
    for number in (1, 2, 3):
        page = api.get(f"{ADE}/{CLIENT}/account-postings-jobs/{job}", params={"page": number})
        assert (page.headers["x-total-count"], page.headers["x-total-pages"]) == ("5", "3")
        assert page.headers["x-current-page"] == str(number)
        seen += [json.loads(line)["documentField1"] for line in page.text.splitlines()]
    assert sorted(seen) == [f"P-{n}" for n in range(5)]
