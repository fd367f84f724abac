"""accounting-clients v2 (client list with services) and the client basics that dxso-jobs and
documents serve under their own base URLs (ClientBasics, document types, duo-version).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.errors import Reject, dco_body, dco_not_found, json_response, problem
from workbench.sandbox.oauth import may_access, require
from workbench.sandbox.seed import AccountingClient
from workbench.sandbox.state import SandboxState

FILTER_TERM = re.compile(r"^\s*(consultant_number|client_number)\s+eq\s+(\S+)\s*$")
# DuoNext (new Belege online) accepts few types; DuoNow (classic) accepts office files too.
DUO_NEXT_EXTENSIONS = ["gif", "jpeg", "jpg", "png", "tif", "tiff", "xml", "pdf"]
DUO_NOW_EXTENSIONS = [
    "bmp",
    "csv",
    "doc",
    "docx",
    "gif",
    "jpeg",
    "jpg",
    "pdf",
    "png",
    "rtf",
    "tif",
    "tiff",
    "txt",
    "xls",
    "xlsx",
    "xml",
]


def duo_extensions(client: AccountingClient) -> list[str]:
    return DUO_NEXT_EXTENSIONS if client.raw.get("belege_online_next") else DUO_NOW_EXTENSIONS


def require_consistent(client: AccountingClient, *, listed: bool = False) -> None:
    """#DCO01009: the client's basic accounting data contradict each other.

    GET client basics wraps the body in a list (OpenAPI example), uploads do not.
    """
    if client.raw.get("basic_data_inconsistent"):
        body = dco_body("01009")
        raise Reject(json_response([body] if listed else body, 400))


def state_of(request: Request) -> SandboxState:
    return request.app.state.sandbox


def invalid_query(name: str, reason: str) -> Reject:
    return Reject(
        problem(
            400, "1008828", "Invalid query parameters", reason, [{"name": name, "reason": reason}]
        )
    )


def paging(request: Request, *, max_top: int = 100, clamp: bool = False) -> tuple[int, int]:
    """`skip`/`top` as DATEV validates them (400 1008828 for anything else).

    ``clamp``: a ``top`` above ``max_top`` gives ``max_top`` items instead of a 400 (extf-files
    ``getJobs``: "a value greater than 100 ... only 100 entries will be returned").
    """
    values = {}
    for name, default in (("skip", 0), ("top", max_top)):
        raw = request.query_params.get(name)
        if raw is None:
            values[name] = default
            continue
        if not raw.isdigit():
            raise invalid_query(
                name, f"Paging parameters are invalid - {name} - must be a positive integer"
            )
        values[name] = int(raw)
    if clamp:
        values["top"] = min(values["top"], max_top)
    if not 1 <= values["top"] <= max_top:
        raise invalid_query(
            "top",
            f"Paging parameters are invalid - top - must be a positive integer from 1 to {max_top}",
        )
    return values["skip"], values["top"]


def paged(items: list[Any], skip: int, top: int) -> Response:
    """One page with `Total-Items` and a `Link` header (prev/next as relative query links)."""
    links = []
    if skip > 0:
        links.append(f'<?skip={max(skip - top, 0)}&top={top}>;rel="prev"')
    if skip + top < len(items):
        links.append(f'<?skip={skip + top}&top={top}>;rel="next"')
    headers = {"Total-Items": str(len(items))}
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(items[skip : skip + top], headers=headers)


def client_object(client: AccountingClient) -> dict[str, Any]:
    return {
        "client_number": client.client_number,
        "consultant_number": client.consultant_number,
        "id": client.id,
        "name": client.name,
        "services": client.service_objects(),
    }


def client_basics(client: AccountingClient) -> dict[str, Any]:
    chart = client.raw.get("chart_of_accounts", "SKR03")
    ledgers = {
        "is_accounts_payable_ledger_available": bool(client.folders("invoices_received")),
        "is_accounts_receivable_ledger_available": bool(client.folders("outgoing_invoices")),
        "is_cash_ledger_available": bool(client.cash_ledgers),
    }
    info = [
        {
            "fiscal_year_start": fy.start.isoformat(),
            "fiscal_year_end": fy.end.isoformat(),
            "account_length": client.account_length,
            "datev_chart_of_accounts": int(re.sub(r"\D", "", chart) or 0),
            "ledgers": ledgers,
        }
        for fy in client.fiscal_years[-3:]
    ]
    return {
        "client_number": client.client_number,
        "consultant_number": client.consultant_number,
        "id": client.id,
        "name": client.name,
        "is_document_management_available": bool(client.raw.get("document_management", True)),
        "basic_accounting_information": info,
    }


def find_client(request: Request, family: str) -> AccountingClient:
    client = state_of(request).seed.client(request.path_params["client_id"])
    if client is None:
        raise Reject(
            dco_not_found()
            if family == "dco"
            else problem(404, "1008835", "Not found", "The specified resource was not found.")
        )
    return client


def visible_clients(request: Request, token: dict[str, Any]) -> list[AccountingClient]:
    """The clients whose consultant the token's user has rights for."""
    return [
        c
        for c in state_of(request).seed.clients.values()
        if may_access(request, token, c.consultant_number)
    ]


async def list_clients(request: Request) -> Response:
    token = require(request, "datev:accounting:clients", "problem")
    skip, top = paging(request)
    clients = visible_clients(request, token)
    raw_filter = request.query_params.get("filter")
    if raw_filter:
        for term in re.split(r"\s+and\s+", raw_filter.strip()):
            match = FILTER_TERM.match(term)
            if not match:
                raise invalid_query("filter", "Filter syntax is invalid")
            field, value = match.groups()
            if not value.isdigit() or not 1 <= int(value) <= 9_999_999_999:
                raise invalid_query(
                    field,
                    f"Filter parameters are invalid - {field} - must be "
                    "a positive integer from 1 to 9999999999",
                )
            clients = [c for c in clients if getattr(c, field) == int(value)]
    return paged([client_object(c) for c in clients], skip, top)


async def get_client(request: Request) -> Response:
    require(request, "datev:accounting:clients", "problem")
    return json_response(client_object(find_client(request, "problem")))


async def basics_list(request: Request) -> Response:
    token = require(request, "accounting:clients:read", "dco")
    return json_response(
        [
            {
                k: v
                for k, v in client_basics(c).items()
                if k in ("client_number", "consultant_number", "id", "name")
            }
            for c in visible_clients(request, token)
        ]
    )


async def basics_get(request: Request) -> Response:
    require(request, "accounting:clients:read", "dco")
    client = find_client(request, "dco")
    require_consistent(client, listed=True)
    return json_response(client_basics(client))


async def document_types(request: Request) -> Response:
    require(request, "accounting:clients:read", "dco")
    client = find_client(request, "dco")
    types = [
        {k: v for k, v in t.items() if k in ("name", "category", "debit_credit_identifier")}
        for t in client.raw.get("document_types", [])
    ]
    return json_response(types, media_type="application/json")


async def duo_version(request: Request) -> Response:
    require(request, "accounting:clients:read", "dco")
    extensions = duo_extensions(find_client(request, "dco"))
    return json_response(
        {
            "allowed_file_extensions": extensions,
            "allowed_staple_file_extensions": extensions,
            "staple_logic": "logically",
        },
        media_type="application/json",
    )


CLIENTS_V2 = "/accounting-clients/platform/v2"
routes = [
    Route(f"{CLIENTS_V2}/clients", list_clients),
    Route(f"{CLIENTS_V2}/clients/{{client_id}}", get_client),
]
for base in ("/accounting-dxso-jobs/platform/v2", "/accounting-documents/platform/v2"):
    routes += [
        Route(f"{base}/clients", basics_list),
        Route(f"{base}/clients/{{client_id}}", basics_get),
    ]
routes += [
    Route("/accounting-documents/platform/v2/clients/{client_id}/document-types", document_types),
    Route("/accounting-documents/platform/v2/clients/{client_id}/duo-version", duo_version),
]
