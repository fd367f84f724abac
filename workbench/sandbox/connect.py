"""DATEVconnect (on-premise, basic auth): master-data v1 (clients, addressees with
communications, employees, institutions: banks and tax authorities) and order-management v1
(orders, suborders, employees with group, expense postings with DATEV's field rules per cost
type). Each Kanzlei has its own DATEVconnect: the seed's ``connect`` answers the default user,
``connect_tenants`` entries answer their own basic-auth user with their own master data.

Assumption: DATEV's Bank and TaxAuthority schemas have no phone numbers; the sandbox's
institutions carry DATEV's ``Communication`` list so that the phone-book export can take them
(the STARFACE exporter reads them from DATEV's Stammdatendienst, which has no public API).
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from workbench.sandbox.clients import state_of
from workbench.sandbox.clock import isoformat
from workbench.sandbox.errors import Reject, connect_error, json_response
from workbench.sandbox.expense_rules import check_posting

USER, PASSWORD = "datevconnect", "sandbox"
MASTER = "/datev/api/master-data/v1"
ORDERS = "/datev/api/order-management/v1"
TERM = re.compile(r"^\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+(?:'([^']*)'|\"([^\"]*)\"|(\S+))\s*$")
EMPLOYEE_FIELDS = (
    "id",
    "number",
    "name",
    "initials",
    "natural_person_id",
    "email",
    "fax",
    "phone_extension",
    "status",
    "entry_date",
    "separation_date",
    "note",
)


def bad_request(*messages: str) -> Reject:
    return Reject(connect_error(400, "BadRequest", "The request is invalid.", list(messages)))


def not_found(what: str) -> Reject:
    return Reject(connect_error(404, "NotFound", f"{what} was not found."))


def _auth(request: Request) -> dict[str, Any]:
    """The master data of the DATEVconnect installation the basic-auth user belongs to: the
    seed's ``connect`` for ``datevconnect``, a ``connect_tenants`` entry for another Kanzlei."""
    header = request.headers.get("authorization", "")
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        user = password = ""
    seed = state_of(request).seed
    installations = [(USER, PASSWORD, seed.connect)] + [
        (tenant["user"], tenant["password"], tenant) for tenant in seed.connect_tenants
    ]
    if header.lower().startswith("basic "):
        for known_user, known_password, data in installations:
            same_user = hmac.compare_digest(user.encode(), known_user.encode())
            if same_user and hmac.compare_digest(password.encode(), known_password.encode()):
                return data
    raise Reject(connect_error(401, "Unauthorized", "Basic authentication failed."))


def _compare(left: Any, op: str, right: str) -> bool:
    right_value: str | float
    if isinstance(left, bool):
        left, right_value = str(left).lower(), right.lower()
    elif isinstance(left, int | float):
        try:
            right_value = float(right)
        except ValueError:
            return False
    else:
        left, right_value = "" if left is None else str(left), right
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }
    return ops[op](left, right_value)


def filtered(
    request: Request, items: list[dict[str, Any]], allowed: set[str]
) -> list[dict[str, Any]]:
    """DATEVconnect's `filter` (`field op value [and ...]`) and `select` parameters."""
    expression = request.query_params.get("filter")
    if expression:
        for term in re.split(r"\s+and\s+", expression.strip()):
            match = TERM.match(term)
            if not match:
                raise bad_request(f"Der Filter '{term}' ist ungültig.")
            name, op = match.group(1), match.group(2)
            value = next(g for g in match.groups()[2:] if g is not None)
            if name not in allowed:
                raise bad_request(f"Nach '{name}' kann nicht gefiltert werden.")
            items = [i for i in items if _compare(i.get(name), op, value)]
    select = request.query_params.get("select")
    if select:
        keys = {k.strip() for k in select.split(",") if k.strip()}
        items = [{k: v for k, v in i.items() if k in keys} for i in items]
    return items


def page(request: Request, items: list[Any]) -> list[Any]:
    """order-management paging: `top`/`skip`; `skip` without `top` is 416."""
    skip, top = request.query_params.get("skip"), request.query_params.get("top")
    if skip is not None and top is None:
        raise Reject(
            connect_error(
                416,
                "RequestedRangeNotSatisfiable",
                "Invalid pagination parameter - Missing top value",
            )
        )
    for value in (skip, top):
        if value is not None and not value.isdigit():
            raise bad_request("top und skip müssen positive ganze Zahlen sein.")
    start = int(skip or 0)
    return items[start : start + int(top)] if top is not None else items[start:]


def _employee(raw: dict[str, Any]) -> dict[str, Any]:
    item = {k: raw[k] for k in EMPLOYEE_FIELDS if k in raw}
    item["display_name"] = raw["name"]
    return item


async def md_clients(request: Request) -> Response:
    data = _auth(request)
    return json_response(
        filtered(request, data.get("clients", []), {"id", "number", "name", "status", "type"})
    )


async def md_client(request: Request) -> Response:
    data = _auth(request)
    found = [c for c in data.get("clients", []) if c["id"] == request.path_params["id"]]
    if not found:
        raise not_found("The client")
    return json_response(filtered(request, found, set())[0])


async def md_addressees(request: Request) -> Response:
    data = _auth(request)
    return json_response(
        filtered(
            request,
            data.get("addressees", []),
            {"id", "status", "type", "current_surname", "current_company_name"},
        )
    )


async def md_addressee(request: Request) -> Response:
    data = _auth(request)
    found = [a for a in data.get("addressees", []) if a["id"] == request.path_params["id"]]
    if not found:
        raise not_found("The addressee")
    return json_response(filtered(request, found, set())[0])


async def md_employees(request: Request) -> Response:
    data = _auth(request)
    items = [_employee(e) for e in data.get("employees", [])]
    return json_response(filtered(request, items, {"id", "number", "name", "status"}))


async def md_employee(request: Request) -> Response:
    data = _auth(request)
    found = [
        _employee(e) for e in data.get("employees", []) if e["id"] == request.path_params["id"]
    ]
    if not found:
        raise not_found("The employee")
    return json_response(filtered(request, found, set())[0])


def _order_view(request: Request, order: dict[str, Any]) -> dict[str, Any]:
    expand = request.query_params.get("expand", "")
    view = dict(order)
    if "suborders" not in expand and "*" not in expand:
        view.pop("suborders", None)
    else:
        view["suborders"] = [_suborder_view(request, order, s) for s in order["suborders"]]
    return view


def _suborder_view(
    request: Request, order: dict[str, Any], suborder: dict[str, Any]
) -> dict[str, Any]:
    """Suborder with DATEV's required totals; hours and costs follow the postings."""
    postings = [
        p
        for p in _postings(request, None, order["order_id"])
        if p["suborder_id"] == suborder["suborder_id"]
    ]
    costtypes = {
        c["id"]: c["costtype"] for c in state_of(request).seed.connect.get("cost_positions", [])
    }
    hours = round(sum(p.get("time_units", 0) for p in postings) / 1200, 2)
    view: dict[str, Any] = {name: 0.0 for name in SUBORDER_TOTALS}
    view.update(
        {"calculated_cost_rate_id": 1, "total_hours": hours, "total_hours_not_invoiced": hours}
    )
    # Cost amounts are only known for amount-based positions (no cost rates in the seed).
    for kind in ("material", "expenses", "external"):
        total = round(
            sum(
                p.get("cost_amount", 0)
                for p in postings
                if costtypes.get(p["cost_position"]) == f"{kind}-costs"
            ),
            2,
        )
        view[f"{kind}_costs"] = view[f"{kind}_costs_not_invoiced"] = total
    view.update(suborder)
    return view


SUBORDER_TOTALS = (
    "total_hours",
    "total_hours_not_invoiced",
    "time_costs",
    "time_costs_not_invoiced",
    "material_costs",
    "material_costs_not_invoiced",
    "expenses_costs",
    "expenses_costs_not_invoiced",
    "external_costs",
    "external_costs_not_invoiced",
    "time_costs (sales_value)",
    "time_costs_not_invoiced (sales_value)",
    "material_costs (sales_value)",
    "material_costs_not_invoiced (sales_value)",
    "expenses_costs (sales_value)",
    "expenses_costs_not_invoiced (sales_value)",
    "total_turnover",
    "fees",
    "expenses",
    "credit_fees",
    "credit_expenses",
    "on_account_fees_offset",
    "on_account_expenses_offset",
    "advance",
    "advance_received",
    "advance_offset",
)
ORDER_FILTERS = {
    "client_id",
    "order_id",
    "creation_year",
    "order_number",
    "fiscal_year",
    "assessment_year",
    "ordertype",
    "completion_status",
    "billing_status",
    "order_name",
}


async def om_orders(request: Request) -> Response:
    data = _auth(request)
    orders = filtered(
        request, [_order_view(request, o) for o in data.get("orders", [])], ORDER_FILTERS
    )
    return json_response(page(request, orders))


def _order(data: dict[str, Any], raw_id: str) -> dict[str, Any]:
    order = next((o for o in data.get("orders", []) if str(o["order_id"]) == raw_id), None)
    if order is None:
        raise not_found("The order")
    return order


async def om_order(request: Request) -> Response:
    data = _auth(request)
    order = _order(data, request.path_params["orderid"])
    return json_response(filtered(request, [_order_view(request, order)], set()))


async def om_employees_with_group(request: Request) -> Response:
    data = _auth(request)
    items = [
        {
            "id": e["id"],
            "employee_id": e["id"],
            "employee_number": e["number"],
            "employee_name": e["name"],
            "employee_group_id": e["group"]["id"],
            "employee_group_id_guid": e["group"]["guid"],
            "employee_group_short_name": e["group"]["short_name"],
            "employee_group_long_name": e["group"]["long_name"],
        }
        for e in data.get("employees", [])
        if "group" in e
    ]
    items = filtered(
        request,
        items,
        {
            "employee_id",
            "employee_number",
            "employee_group_id",
            "employee_group_id_guid",
            "employee_group_short_name",
        },
    )
    return json_response(page(request, items))


def _postings(
    request: Request, data: dict[str, Any] | None, order_id: int | None
) -> list[dict[str, Any]]:
    """Expense postings on the orders of one DATEVconnect installation (``data``; order ids of
    the seeded installations are distinct, so one table serves them all)."""
    own = {int(o["order_id"]) for o in (data or {}).get("orders", [])}
    sql = "SELECT order_id, body FROM expense_postings"
    params: tuple[Any, ...] = ()
    if order_id is not None:
        sql, params = sql + " WHERE order_id = ?", (order_id,)
    rows = state_of(request).store.query(sql + " ORDER BY rowid", params)
    return [json.loads(r["body"]) for r in rows if data is None or int(r["order_id"]) in own]


async def om_postings(request: Request) -> Response:
    data = _auth(request)
    items = filtered(request, _postings(request, data, None), {"employee_id", "order_id", "id"})
    return json_response(page(request, items))


async def om_order_postings(request: Request) -> Response:
    data = _auth(request)
    order = _order(data, request.path_params["orderid"])
    items = filtered(request, _postings(request, data, order["order_id"]), {"employee_id", "id"})
    return json_response(page(request, items))


async def md_banks(request: Request) -> Response:
    data = _auth(request)
    allowed = {"id", "bank_code", "bic", "city", "country_code", "name", "standard"}
    return json_response(filtered(request, data.get("banks", []), allowed))


async def md_tax_authorities(request: Request) -> Response:
    data = _auth(request)
    allowed = {"id", "city", "country_code", "name", "number", "standard"}
    return json_response(filtered(request, data.get("tax_authorities", []), allowed))


async def om_post_posting(request: Request) -> Response:
    data = _auth(request)
    order = _order(data, request.path_params["orderid"])
    suborder = next(
        (
            s
            for s in order.get("suborders", [])
            if str(s.get("suborder_id")) == request.path_params["suborderid"]
        ),
        None,
    )
    if suborder is None:
        raise not_found("The suborder")
    q = request.query_params
    automatic = q.get("automaticintegration", "false").lower() == "true"
    if "deletemassdataonfailure" in q and not automatic:
        raise bad_request("deletemassdataonfailure ist nur mit automaticintegration=true zulässig.")
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError):
        raise bad_request("Der Request-Body ist kein gültiges JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("Der Request-Body muss ein Objekt sein.")
    problems = check_posting(body, order, suborder, data)
    if problems:
        raise bad_request(*problems)
    state = state_of(request)
    posting = {
        **body,
        "id": uuid.uuid4().hex,
        "order_id": order["order_id"],
        "suborder_id": suborder["suborder_id"],
        "entry_date": isoformat(state.clock.now())[:19],
    }
    state.store.execute(
        "INSERT INTO expense_postings VALUES (?,?,?,?)",
        (
            posting["id"],
            order["order_id"],
            suborder["suborder_id"],
            json.dumps(posting, ensure_ascii=False),
        ),
    )
    # DATEV documents the self-reference for automaticintegration=true; the sandbox always
    # sends it because the OpenAPI file declares the header for every 201.
    location = f"{ORDERS}/orders/{order['order_id']}/suborders/{suborder['suborder_id']}"
    return Response(status_code=201, headers={"Location": location})


routes = [
    Route(f"{MASTER}/clients", md_clients),
    Route(f"{MASTER}/clients/{{id}}", md_client),
    Route(f"{MASTER}/addressees", md_addressees),
    Route(f"{MASTER}/addressees/{{id}}", md_addressee),
    Route(f"{MASTER}/employees", md_employees),
    Route(f"{MASTER}/employees/{{id}}", md_employee),
    Route(f"{MASTER}/banks", md_banks),
    Route(f"{MASTER}/tax-authorities", md_tax_authorities),
    Route(f"{ORDERS}/orders", om_orders),
    Route(f"{ORDERS}/orders/expensepostings", om_postings),
    Route(f"{ORDERS}/orders/{{orderid}}", om_order),
    Route(f"{ORDERS}/orders/{{orderid}}/expensepostings", om_order_postings),
    Route(
        f"{ORDERS}/orders/{{orderid}}/suborders/{{suborderid}}/expensepostings",
        om_post_posting,
        methods=["POST"],
    ),
    Route(f"{ORDERS}/employeeswithgroup", om_employees_with_group),
]
