"""Accounting Data Exchange 1.5.8 (Datenservice Export Rechnungswesen): what DATEV booked.

Fiscal years, the asynchronous account-postings job (create, state, pages of 50,000), the
general-ledger accounts (Kontenbeschriftungen from the seed's SKR excerpt) and sums and
balances, all answered from the bookings the sandbox made of processed EXTF and dxso jobs
(:mod:`workbench.sandbox.postings`). Lists are ``application/x-ndjson``: one JSON value per line
(the OpenAPI file declares arrays under that media type; clients read them line by line).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.booked import visible_bookings
from workbench.sandbox.clients import state_of
from workbench.sandbox.errors import Reject, ade_problem, json_response
from workbench.sandbox.exchange_jobs import PAGE_SIZE, create_job, job_state, page
from workbench.sandbox.oauth import require
from workbench.sandbox.postings import account_postings
from workbench.sandbox.seed import AccountingClient, FiscalYear
from workbench.sandbox.state import SandboxState

BASE = "/accounting-data-exchange/platform/v1/clients/{client_id}"
SCOPE = "datev:accounting:exchange"
SERVICE = "Datenservice Export Rechnungswesen"
NDJSON = "application/x-ndjson"
CLIENT_ID = re.compile(r"^[1-9]\d{3,6}-[1-9]\d{0,4}$")
FISCAL_YEAR_ID = re.compile(r"^\d{8}$")
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def _ndjson(items: list[Any], headers: dict[str, str] | None = None) -> Response:
    body = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    return Response(body.encode("utf-8"), media_type=NDJSON, headers=headers)


def _problem(request: Request, status: int, detail: str, slug: str = "invalid-request") -> Reject:
    return Reject(
        ade_problem(
            status, _TITLES.get(status, "Error"), detail, slug=slug, instance=_path(request)
        )
    )


def _path(request: Request) -> str:
    return request.url.path.split("/platform/v1", 1)[-1]


def _authorised(request: Request) -> None:
    """The gateway's checks (token, client id header, scope, rights) in ADE's problem shape."""
    try:
        require(request, SCOPE, "problem")
    except Reject as rejected:
        response = rejected.response
        body = json.loads(bytes(response.body))
        body = body[0] if isinstance(body, list) else body
        detail = body.get("detail") or body.get("error_description") or body.get("error") or ""
        status = response.status_code
        headers = {k: v for k, v in response.headers.items() if k.lower() == "www-authenticate"}
        raise Reject(
            ade_problem(
                status,
                body.get("title") or _TITLES.get(status, "Error"),
                str(detail),
                instance=_path(request),
                headers=headers,
            )
        ) from None


def _client(request: Request) -> AccountingClient:
    _authorised(request)
    client_id = request.path_params["client_id"]
    if not CLIENT_ID.match(client_id):
        raise _problem(request, 400, f"clientId '{client_id}' is invalid (consultant-client).")
    client = state_of(request).seed.client(client_id)
    if client is None:
        raise _problem(request, 404, "The specified client was not found.", "not-found")
    if not client.has_service(SERVICE):
        raise _problem(
            request,
            403,
            f"Der Mandant ist für den {SERVICE} nicht freigeschaltet.",
            "permission-missing",
        )
    return client


def _fiscal_year(request: Request, client: AccountingClient) -> FiscalYear:
    raw = request.path_params["fiscal_year_id"]
    if not FISCAL_YEAR_ID.match(raw) or not 19920101 <= int(raw) <= 20991231:
        raise _problem(request, 400, f"fiscalYearId '{raw}' is invalid (YYYYMMDD).")
    for fiscal_year in client.fiscal_years:
        if fiscal_year.start.strftime("%Y%m%d") == raw:
            return fiscal_year
    raise _problem(request, 404, f"The fiscal year {raw} does not exist.", "not-found")


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise _problem(request, 400, f"Query parameter {name} must be true or false.")
    return raw == "true"


async def fiscal_years(request: Request) -> Response:
    client = _client(request)
    return _ndjson([int(fy.start.strftime("%Y%m%d")) for fy in client.fiscal_years])


async def fiscal_year(request: Request) -> Response:
    client = _client(request)
    fy = _fiscal_year(request, client)
    chart = client.raw.get("chart_of_accounts", "SKR03")
    body = {
        "accountLength": client.account_length,
        "accountSystem": int(re.sub(r"\D", "", chart) or 0),
        "advanceTurnoverTaxReturn": "month",
        "costLength": 8,
        "currencyCode": "EUR",
        "isInvoiceDateCheckOn": True,
        "isUsingDeliveryDate": False,
        "methodOfDeterminingNetIncome": "balance_sheet",
        "nationalRight": "DE",
        "taxationMethod": "taxation_based_on_value_of_services_rendered",
        "yearBegin": fy.start.isoformat(),
        "yearEnd": fy.end.isoformat(),
    }
    return _ndjson([body])


async def create_postings_job(request: Request) -> Response:
    client = _client(request)
    fy = _fiscal_year(request, client)
    links = _flag(request, "documentLinks")
    job_id = create_job(state_of(request), client, fy, links=links)
    return json_response({"jobId": job_id}, 202, media_type="application/json")


def _job(request: Request, client: AccountingClient) -> tuple[dict[str, Any], str]:
    state = state_of(request)
    rows = state.store.query(
        "SELECT * FROM exchange_jobs WHERE id = ? AND client_id = ?",
        (request.path_params["job_id"], client.id),
    )
    if not rows:
        raise _problem(request, 404, "The specified job was not found.", "not-found")
    return job_state(state, dict(rows[0]))


async def job_state_route(request: Request) -> Response:
    client = _client(request)
    _, current = await run_in_threadpool(_job, request, client)
    return json_response({"jobState": current}, media_type="application/json")


async def postings_page(request: Request) -> Response:
    client = _client(request)
    raw = request.query_params.get("page")
    if raw is None or not raw.isdigit() or not 1 <= int(raw) <= 25_000:
        raise _problem(request, 400, "Query parameter page is required (1 to 25000).")
    job, current = await run_in_threadpool(_job, request, client)
    if current in ("DELETED", "FAILED"):
        raise _problem(request, 404, f"The job's data is gone ({current}).", "not-found")
    if current == "PENDING":
        raise _problem(request, 409, "The job is not completed yet; ask for its state.", "pending")
    pages = job["pages"]
    if int(raw) > pages:
        raise _problem(request, 400, f"Page {raw} does not exist; the job has {pages} page(s).")
    headers = {
        "x-total-count": str(job["total"]),
        "x-total-pages": str(pages),
        "x-current-page": raw,
        "x-page-size": str(PAGE_SIZE),
    }
    body = page(state_of(request), job, int(raw))
    return Response(body, media_type=NDJSON, headers=headers)


async def general_ledger_accounts(request: Request) -> Response:
    client = _client(request)
    fy = _fiscal_year(request, client)
    _flag(request, "includesPersonalAccounts")  # Personenkonten have no 8-digit AccountNumber
    captions = _captions(client)
    if _flag(request, "onlyBooked"):
        booked = _booked_accounts(state_of(request), client, fy)
        accounts = [{"accountNumber": n, "caption": captions.get(n)} for n in sorted(booked)]
    else:
        accounts = [{"accountNumber": n, "caption": captions[n]} for n in sorted(captions)]
    return _ndjson(accounts)


def _captions(client: AccountingClient) -> dict[int, str]:
    """Captions by technical account number (the same at every account length)."""
    chart = client.chart
    return {
        int(base.ljust(8, "0")): name for base, name in (chart.accounts if chart else {}).items()
    }


def _booked_accounts(state: SandboxState, client: AccountingClient, fy: FiscalYear) -> set[int]:
    return {
        posting["accountNumber"]
        for booking in visible_bookings(state, client.id, fy)
        for posting in account_postings(booking, document_links=False)
    }


async def sums_and_balances(request: Request) -> Response:
    client = _client(request)
    fy = _fiscal_year(request, client)
    state = state_of(request)
    months: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    debit: dict[int, float] = defaultdict(float)
    credit: dict[int, float] = defaultdict(float)
    for booking in visible_bookings(state, client.id, fy):
        for posting in account_postings(booking, document_links=False):
            account = posting["accountNumber"]
            value = posting.get("amountDebit", 0.0) - posting.get("amountCredit", 0.0)
            months[account][_fiscal_month(fy, date.fromisoformat(posting["date"]))] += value
            debit[account] += posting.get("amountDebit", 0.0)
            credit[account] += posting.get("amountCredit", 0.0)
    captions = _captions(client)
    rows = []
    for account in sorted(months):
        balance = round(debit[account] - credit[account], 2)
        rows.append(
            {
                "accountNumber": account,
                "caption": captions.get(account),
                "sumsAndBalancesMonthValues": [
                    {
                        "fiscalYearMonth": month,
                        "monthlyBalance": round(abs(value), 2),
                        "monthlyBalanceDebitCreditIdentifier": "S" if value >= 0 else "H",
                    }
                    for month, value in sorted(months[account].items())
                ],
                "annualValueDebit": round(debit[account], 2),
                "annualValueCredit": round(credit[account], 2),
                "balance": abs(balance),
                "balanceDebitCreditIdentifier": "S" if balance >= 0 else "H",
            }
        )
    return _ndjson(rows)


def _fiscal_month(fy: FiscalYear, day: date) -> int:
    return (day.year - fy.start.year) * 12 + day.month - fy.start.month + 1


FY = f"{BASE}/fiscal-years/{{fiscal_year_id}}"
routes = [
    Route(f"{BASE}/fiscal-years", fiscal_years),
    Route(FY, fiscal_year),
    Route(f"{FY}/account-postings", create_postings_job, methods=["POST"]),
    Route(f"{FY}/general-ledger-accounts", general_ledger_accounts),
    Route(f"{FY}/sums-and-balances", sums_and_balances),
    Route(f"{BASE}/jobs/{{job_id}}/state", job_state_route),
    Route(f"{BASE}/account-postings-jobs/{{job_id}}", postings_page),
]
