"""The phone directory: DATEV master data (clients, addressees and their communications) as one
polars frame of numbers, plus the employees and orders that billing needs.

An addressee belongs to a Mandant when it is the client's own addressee (``legal_person_id`` /
``natural_person_id``) or, through DATEVconnect ``/relationships``, a relationship partner of
it (e.g. the managing director of a company that is a client). An addressee without a client
stays in the directory with an empty ``client_id``: its number is known but bills to no one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.calls.numbers import normalize_numbers
from workbench.clients import normalise_client_id
from workbench.errors import DatevApiError, WorkbenchError

if TYPE_CHECKING:
    from workbench.transfer.client import DatevClient

__all__ = ["NUMBERS_SCHEMA", "PhoneDirectory", "consultant_client_ids", "fetch_directory"]

NUMBERS_SCHEMA = pl.Schema(
    {
        "number": pl.String,
        "number_extension": pl.String,
        "number_status": pl.String,
        "raw_number": pl.String,
        "kind": pl.String,
        "role": pl.String,
        "is_main": pl.Boolean,
        "communication_id": pl.String,
        "addressee_id": pl.String,
        "addressee_name": pl.String,
        "addressee_active": pl.Boolean,
        "client_id": pl.String,
        "client_number": pl.Int64,
        "client_name": pl.String,
        "client_active": pl.Boolean,
        "link": pl.String,
    }
)
CLIENTS_SCHEMA = pl.Schema(
    {
        "client_id": pl.String,
        "client_number": pl.Int64,
        "client_name": pl.String,
        "client_active": pl.Boolean,
    }
)
EMPLOYEES_SCHEMA = pl.Schema(
    {
        "employee_id": pl.String,
        "employee_number": pl.Int64,
        "employee_name": pl.String,
        "phone_extension": pl.String,
        "employee_active": pl.Boolean,
    }
)
ORDERS_SCHEMA = pl.Schema(
    {
        "client_id": pl.String,
        "order_id": pl.Int64,
        "suborder_id": pl.Int64,
        "order_name": pl.String,
        "suborder_name": pl.String,
        "fiscal_year": pl.Int64,
        "completion_status": pl.String,
        "accounting_allowed": pl.Boolean,
    }
)
_NUMBER_KINDS = ("phone", "fax")
CLIENT_FIELDS = "id,number,name,status,legal_person_id,natural_person_id"
ADDRESSEE_FIELDS = (
    "id,type,status,current_company_name,firstname,current_surname,surrogate_name,communications"
)


def _addressee_name(addressee: Mapping[str, Any]) -> str:
    if addressee.get("current_company_name"):
        return str(addressee["current_company_name"])
    parts = [addressee.get("firstname"), addressee.get("current_surname")]
    return " ".join(str(p) for p in parts if p) or str(addressee.get("surrogate_name") or "")


@dataclass(frozen=True)
class PhoneDirectory:
    """Numbers (one row per phone/fax communication and Mandant), clients, employees, orders."""

    numbers: pl.DataFrame
    clients: pl.DataFrame
    employees: pl.DataFrame
    orders: pl.DataFrame

    @classmethod
    def from_master_data(
        cls,
        *,
        clients: Iterable[Mapping[str, Any]],
        addressees: Iterable[Mapping[str, Any]],
        relationships: Iterable[Mapping[str, Any]] = (),
        employees: Iterable[Mapping[str, Any]] = (),
        orders: Iterable[Mapping[str, Any]] = (),
        region: str = "DE",
    ) -> PhoneDirectory:
        """Build the directory from DATEVconnect JSON (as the API returns it).

        >>> PhoneDirectory.from_master_data(clients=[], addressees=[]).numbers.height
        0
        """
        clients = list(clients)
        client_rows = [
            {
                "client_id": c["id"],
                "client_number": c.get("number"),
                "client_name": c.get("name"),
                "client_active": c.get("status", "active") == "active",
            }
            for c in clients
        ]
        links = _addressee_links(client_rows, clients, relationships)
        schema = {
            k: v
            for k, v in NUMBERS_SCHEMA.items()
            if k not in ("number", "number_extension", "number_status")
        }
        rows = _number_rows(addressees, links)
        frame = pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)
        normalized = normalize_numbers(frame["raw_number"], region=region)
        numbers = frame.join(normalized, left_on="raw_number", right_on="raw", how="left").select(
            NUMBERS_SCHEMA.names()
        )
        return cls(
            numbers=numbers,
            clients=pl.DataFrame(client_rows, schema=CLIENTS_SCHEMA),
            employees=_employees_frame(employees),
            orders=_orders_frame(orders),
        )


_Link = tuple[dict[str, Any], str | None]


def _addressee_links(
    client_rows: list[dict[str, Any]],
    clients: list[Mapping[str, Any]],
    relationships: Iterable[Mapping[str, Any]],
) -> dict[str, list[_Link]]:
    """Addressee id → the clients (rows) it bills to, and how (``client``, ``relationship``)."""
    by_addressee: dict[str, list[_Link]] = {}
    for row, raw in zip(client_rows, clients, strict=True):
        for key in ("legal_person_id", "natural_person_id"):
            if raw.get(key):
                by_addressee.setdefault(raw[key], []).append((row, "client"))
    direct = dict(by_addressee)
    for relation in relationships:
        has, is_ = relation.get("has_addressee_id"), relation.get("is_addressee_id")
        # A person related to a client's addressee bills to that client (and vice versa).
        for person, company in ((is_, has), (has, is_)):
            if person and company in direct and person not in direct:
                for row, _ in direct[company]:
                    targets = by_addressee.setdefault(person, [])
                    if all(r["client_id"] != row["client_id"] for r, _ in targets):
                        targets.append((row, "relationship"))
    return by_addressee


def _number_rows(
    addressees: Iterable[Mapping[str, Any]], by_addressee: dict[str, list[_Link]]
) -> list[dict[str, Any]]:
    """One row per phone or fax number of an addressee and client it bills to."""
    rows = []
    for addressee in addressees:
        base = {
            "addressee_id": addressee["id"],
            "addressee_name": _addressee_name(addressee),
            "addressee_active": addressee.get("status", "active") == "active",
        }
        links = by_addressee.get(addressee["id"]) or [({}, None)]
        for comm in addressee.get("communications") or ():
            if comm.get("type") not in _NUMBER_KINDS or not comm.get("data_content"):
                continue
            for client, link in links:
                rows.append(
                    {
                        **base,
                        "raw_number": comm["data_content"],
                        "kind": comm["type"],
                        "role": comm.get("note"),
                        "is_main": bool(comm.get("is_main_communication", False)),
                        "communication_id": comm.get("id"),
                        **client,
                        "link": link,
                    }
                )
    return rows


def _employees_frame(employees: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "employee_id": e["id"],
                "employee_number": _number(e.get("number")),
                "employee_name": e.get("name"),
                "phone_extension": e.get("phone_extension"),
                "employee_active": e.get("status", "active") == "active",
            }
            for e in employees
        ],
        schema=EMPLOYEES_SCHEMA,
    )


def _orders_frame(orders: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """One row per suborder (Teilauftrag) of each order."""
    return pl.DataFrame(
        [
            {
                "client_id": o.get("client_id"),
                "order_id": o.get("order_id", o.get("id")),
                "suborder_id": s.get("suborder_id"),
                "order_name": o.get("order_name"),
                "suborder_name": s.get("suborder_name"),
                "fiscal_year": o.get("fiscal_year"),
                "completion_status": o.get("completion_status"),
                "accounting_allowed": s.get("accounting_allowed", True),
            }
            for o in orders
            for s in o.get("suborders") or ()
        ],
        schema=ORDERS_SCHEMA,
    )


def _optional(client: DatevClient, api: str, path: str, *, what: str) -> list[dict]:
    """A list that not every DATEVconnect installation serves (404: empty)."""
    try:
        return client.connect_get(api, path, what=what) or []
    except DatevApiError as error:
        if error.status == 404:
            return []
        raise


def _orders(client: DatevClient, *, page_size: int = 100) -> list[dict]:
    orders: list[dict] = []
    while True:
        chunk = (
            client.connect_get(
                "order-management",
                "/orders",
                what="Aufträge lesen",
                params={"expand": "suborders", "top": page_size, "skip": len(orders)},
            )
            or []
        )
        orders += chunk
        if len(chunk) < page_size:
            return orders


def fetch_directory(client: DatevClient, *, region: str = "DE") -> PhoneDirectory:
    """Read clients, addressees, relationships, employees and orders from DATEVconnect.

    >>> directory = fetch_directory(datev)  # doctest: +SKIP
    """
    md = "master-data"
    return PhoneDirectory.from_master_data(
        clients=client.connect_get(
            md, "/clients", what="Mandanten lesen", params={"select": CLIENT_FIELDS}
        )
        or [],
        addressees=client.connect_get(
            md, "/addressees", what="Adressaten lesen", params={"select": ADDRESSEE_FIELDS}
        )
        or [],
        relationships=_optional(client, md, "/relationships", what="Beziehungen lesen"),
        employees=client.connect_get(md, "/employees", what="Mitarbeiter lesen") or [],
        orders=_orders(client),
        region=region,
    )


def consultant_client_ids(client: DatevClient) -> dict[int, str]:
    """Mandantennummer -> DATEV's consultant-client id (``3`` -> ``455148-3``), from the client
    list of the online APIs: DATEVconnect knows a Mandant by its number only, every other
    transfer by Beraternummer-Mandantennummer. A number two Berater share names no one; without
    a login for the online APIs (calls need DATEVconnect only) the map is empty.

    >>> consultant_client_ids(datev)[55003]  # doctest: +SKIP
    '29098-55003'
    """
    try:
        listed = client.list_clients()
    except WorkbenchError:
        return {}
    found: dict[int, set[str]] = {}
    for entry in listed:
        number, consultant = entry.get("client_number"), entry.get("consultant_number")
        if number is None:
            continue
        named = f"{consultant}-{number}" if consultant is not None else entry.get("id")
        try:
            found.setdefault(int(number), set()).add(normalise_client_id(named))
        except WorkbenchError:
            continue  # an id DATEV would not take either: name no one by it
    return {number: ids.pop() for number, ids in found.items() if len(ids) == 1}


def _number(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
