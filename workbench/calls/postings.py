"""Billed calls as expense postings (Aufwandsbuchungen) on the Mandant's order in DATEV
Eigenorganisation, through DATEVconnect order management (``POST /orders/{orderid}/suborders/
{suborderid}/expensepostings``, one posting per request: the body is one ``expense_postings``
object).

Order and suborder: the Mandant's orders that are not done and whose suborder allows cost
entries; the fiscal year of the call first, then a suborder named like "Telefon…", then the
lowest ids. Employee: the active DATEV employee whose ``phone_extension`` is the call's extension,
else whose name is the call's user, else ``employee_id`` if given.

Bodies come from the formats layer (``workbench.datev.expense_postings``: field names and limits
of order-management 1.4.8, ``work_date`` as in the schema's example). One POST per posting: the
API's body is one ``expense_postings`` object, not a list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from workbench.calls.billing import CallBilling
from workbench.calls.directory import PhoneDirectory
from workbench.datev.expense_postings import TEXT_LIMITS, build_expense_postings
from workbench.errors import DatevApiError, UsageError
from workbench.findings import concat_findings, findings_frame

if TYPE_CHECKING:
    from workbench.transfer.client import DatevClient
    from workbench.transfer.ledger import Ledger

__all__ = [
    "PostingPlan",
    "plan_expense_postings",
    "resolve_employee",
    "transfer_expense_postings",
]

_DIRECTION = {
    "inbound": "Eingehendes Telefonat",
    "outbound": "Ausgehendes Telefonat",
    "internal": "Internes Telefonat",
}
LEDGER_KIND, LEDGER_CHANNEL = "calls", "expense-postings"


@dataclass(frozen=True)
class PostingPlan:
    """One row per billed line that can be posted (``order_id``, ``suborder_id``, ``body`` as
    JSON text), and findings for billed lines that cannot (no order, no employee)."""

    postings: pl.DataFrame
    findings: pl.DataFrame

    def bodies(self) -> list[dict]:
        """The request bodies, in order."""
        return [json.loads(body) for body in self.postings["body"]]


def _best_orders(
    lines: pl.DataFrame, directory: PhoneDirectory, orders: Mapping[str, tuple[int, int]] | None
) -> pl.DataFrame:
    """``order_id``/``suborder_id`` per line (null when the Mandant has none open)."""
    keyed = lines.with_row_index("_line").select(
        "_line", "client_id", "client_number", pl.col("started_at").dt.year().alias("_year")
    )
    if orders:
        chosen = {str(k): v for k, v in orders.items()}
        fixed = pl.DataFrame(
            [{"_key": k, "order_id": v[0], "suborder_id": v[1]} for k, v in chosen.items()],
            schema={"_key": pl.String, "order_id": pl.Int64, "suborder_id": pl.Int64},
        )
        by_id = keyed.join(fixed, left_on="client_id", right_on="_key", how="inner")
        by_number = (
            keyed.with_columns(pl.col("client_number").cast(pl.String).alias("_key"))
            .join(fixed, on="_key", how="inner")
            .drop("_key")
        )
        explicit = pl.concat([by_id, by_number.select(by_id.columns)]).unique("_line")
    else:
        explicit = keyed.clear().with_columns(
            pl.lit(None, pl.Int64).alias("order_id"), pl.lit(None, pl.Int64).alias("suborder_id")
        )
    open_orders = directory.orders.filter(
        (pl.col("completion_status").fill_null("") != "done")
        & pl.col("accounting_allowed").fill_null(True)
    )
    automatic = (
        keyed.join(explicit.select("_line"), on="_line", how="anti")
        .join(open_orders, on="client_id", how="inner")
        .with_columns(
            (pl.col("fiscal_year") == pl.col("_year")).fill_null(False).alias("_same_year"),
            pl.col("suborder_name")
            .fill_null("")
            .str.to_lowercase()
            .str.contains("telefon")
            .alias("_phone"),
        )
        .sort(
            "_line",
            "_same_year",
            "_phone",
            "order_id",
            "suborder_id",
            descending=[False, True, True, False, False],
        )
        .unique("_line", keep="first")
    )
    chosen_rows = pl.concat(
        [
            explicit.select("_line", "order_id", "suborder_id"),
            automatic.select("_line", "order_id", "suborder_id"),
        ]
    )
    return (
        lines.with_row_index("_line")
        .join(chosen_rows, on="_line", how="left")
        .sort("_line")
        .select("order_id", "suborder_id")
    )


def _employees(
    lines: pl.DataFrame, directory: PhoneDirectory, employee_id: str | None
) -> pl.Series:
    active = directory.employees.filter(pl.col("employee_active"))
    by_extension = active.filter(pl.col("phone_extension").is_not_null()).unique(
        "phone_extension", keep="first"
    )
    by_name = active.unique("employee_name", keep="first")
    found = (
        lines.select("extension", "user")
        .with_row_index("_line")
        .join(
            by_extension.select("phone_extension", pl.col("employee_id").alias("_ext")),
            left_on="extension",
            right_on="phone_extension",
            how="left",
        )
        .join(
            by_name.select("employee_name", pl.col("employee_id").alias("_name")),
            left_on="user",
            right_on="employee_name",
            how="left",
        )
        .sort("_line")
    )
    return found.select(
        pl.coalesce("_ext", "_name", pl.lit(employee_id, pl.String)).alias("employee_id")
    ).to_series()


def _comment(row: Mapping) -> str:
    number = row["remote_number"] or "ohne Rufnummer"
    part = f", Teil {row['part']}" if row["assigned"] and row["part"] > 1 else ""
    text = f"{_DIRECTION.get(row['direction'], 'Telefonat')} {number} ({row['call_id']}{part})"
    if row["note"]:
        text += ": " + " ".join(str(row["note"]).split())
    limit = TEXT_LIMITS["comment"]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_employee(directory: PhoneDirectory, given: str) -> str:
    """The DATEV employee id for ``given`` (an employee id or an employee number), who must be
    active; a :class:`UsageError` lists the active employees otherwise."""
    active = directory.employees.filter(pl.col("employee_active"))
    text = given.strip()
    match = active.filter(
        (pl.col("employee_id") == text)
        | (pl.col("employee_number").cast(pl.String) == text.lstrip("0"))
    )
    if match.height:
        return str(match["employee_id"][0])
    known = ", ".join(
        f"{row['employee_number']} {row['employee_name']}"
        for row in active.sort("employee_number").iter_rows(named=True)
    )
    raise UsageError(
        f"Den Mitarbeiter '{given}' gibt es in DATEV nicht oder er ist nicht aktiv. Geben Sie "
        f"die Mitarbeiter-ID oder -Nummer an; aktiv sind: {known or 'keine'}."
    )


def plan_expense_postings(
    billing: CallBilling,
    directory: PhoneDirectory,
    *,
    cost_position: str = "TELB",
    employee_id: str | None = None,
    orders: Mapping[str, tuple[int, int]] | None = None,
) -> PostingPlan:
    """Expense postings for the billed lines (``time_units`` = billed minutes × 20).

    ``cost_position``: the time-based Aufwandsposition (unit hours) in DATEV; ``orders``: fixed
    ``(order_id, suborder_id)`` per Mandant (client id or number) instead of the automatic choice.

    >>> plan = plan_expense_postings(billing, directory, cost_position="TELB")  # doctest: +SKIP
    """
    if not 0 < len(cost_position) <= 8:
        raise ValueError("cost_position must have 1 to 8 characters (DATEV Aufwandsposition).")
    lines = billing.billed
    chosen = pl.concat(
        [lines, _best_orders(lines, directory, orders)], how="horizontal"
    ).with_columns(_employees(lines, directory, employee_id))
    problems = []
    for row in chosen.filter(
        pl.col("order_id").is_null() | pl.col("employee_id").is_null()
    ).iter_rows(named=True):
        base = {
            "source": row["source_file"],
            "row": row["source_row"],
            "item_id": row["call_id"],
            "severity": "error",
        }
        if row["order_id"] is None:
            problems.append(
                {
                    **base,
                    "column": "remote_number",
                    "rule": "calls.no_order",
                    "value": str(row["client_number"]),
                    "expected": "offener Auftrag mit Kostenerfassung",
                    "message": f"Für Mandant {row['client_number']} "
                    f"{row['client_name']} gibt es in DATEV keinen offenen Auftrag, "
                    f"dessen Teilauftrag Kostenerfassung erlaubt. Legen Sie einen "
                    f"Auftrag an oder wählen Sie einen aus; die Zeit wird sonst "
                    f"nicht übertragen.",
                }
            )
        if row["employee_id"] is None:
            problems.append(
                {
                    **base,
                    "column": "extension",
                    "rule": "calls.no_employee",
                    "value": row["extension"],
                    "expected": "aktiver Mitarbeiter",
                    "message": f"Für die Nebenstelle {row['extension']} "
                    f"({row['user'] or 'ohne Teilnehmer'}) ist in DATEV kein aktiver "
                    f"Mitarbeiter hinterlegt. Tragen Sie die Durchwahl beim "
                    f"Mitarbeiter ein oder geben Sie einen Mitarbeiter vor.",
                }
            )
    ready = chosen.filter(pl.col("order_id").is_not_null() & pl.col("employee_id").is_not_null())
    fields = ready.select(
        "order_id",
        "suborder_id",
        "employee_id",
        pl.col("started_at").dt.date().alias("work_date"),
        pl.lit(cost_position).alias("cost_position"),
        pl.col("time_units").cast(pl.Int64),
        pl.col("started_at").alias("start_time"),
        pl.Series(
            "comment", [_comment(row) for row in ready.iter_rows(named=True)], dtype=pl.String
        ),
        pl.lit(True).alias("isbillable"),
    )
    # order_id/suborder_id are redundant with the URL but make a written file self-describing.
    bodies = [json.dumps(body, ensure_ascii=False) for body in build_expense_postings(fields)]
    postings = ready.select(
        "call_id",
        "part",
        "client_id",
        "client_number",
        pl.col("started_at").dt.strftime("%Y-%m").alias("month"),
        "order_id",
        "suborder_id",
        "employee_id",
        "billed_minutes",
        "time_units",
        "source_file",
        "source_row",
    ).with_columns(pl.Series("body", bodies, dtype=pl.String))
    return PostingPlan(postings=postings, findings=concat_findings([findings_frame(problems)]))


def _ledger_marks(
    ledger: Ledger, clients: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, str]]:
    """Item id -> transfer id of postings DATEV has (uploaded) or may have (started only)."""
    posted: dict[str, str] = {}
    unclear: dict[str, str] = {}
    for transfer in (t for client in clients for t in ledger.transfers(client=client)):
        if transfer.kind != LEDGER_KIND:
            continue
        # The protocol (written when a run ends) knows which POSTs DATEV refused for sure.
        refused = {
            entry["item_id"]
            for entry in transfer.protocol or ()
            if entry.get("status") == "refused"
        }
        for mark in ledger.files(transfer.id):
            if mark["uploaded_at"]:
                posted[mark["name"]] = transfer.id
            elif mark["upload_started_at"] and mark["name"] not in refused:
                unclear[mark["name"]] = transfer.id
    return posted, {k: v for k, v in unclear.items() if k not in posted}


def _post(client: DatevClient, row: Mapping) -> tuple[str, str | None]:
    """POST one posting: ``posted``, ``refused`` (DATEV answered with an error) or ``unclear``
    (no answer: DATEV may or may not have it), with the message."""
    order, suborder = row["order_id"], row["suborder_id"]
    try:
        client.request(
            "POST",
            "order-management",
            f"/orders/{order}/suborders/{suborder}/expensepostings",
            what=f"Telefonat {row['call_id']} auf Auftrag {order} buchen",
            auth="connect",
            safe=False,
            json=json.loads(row["body"]),
        )
    except DatevApiError as error:
        return ("refused" if error.status is not None else "unclear"), str(error)
    return "posted", None


def transfer_expense_postings(
    plan: PostingPlan,
    client: DatevClient,
    *,
    ledger: Ledger | None = None,
    retransfer: bool = False,
    client_ids: Mapping[int, str] | None = None,
) -> pl.DataFrame:
    """POST every planned posting; one row per posting with ``status`` (``posted``, ``failed``,
    ``skipped``) and a message. A refused posting does not stop the others.

    With a ``ledger``, each Mandant and month is one transfer (kind ``calls``, channel
    ``expense-postings``; items are the virtual calls ``call_id#part``), every posting is marked
    before and after its POST, and a posting DATEV already has is skipped, as is one whose POST
    was interrupted (DATEV may or may not have it: check there, then pass ``retransfer=True``).
    ``client_ids`` (Mandantennummer -> ``455148-3``, see :func:`consultant_client_ids`) names
    each transfer as every other transfer is named; a number without one stays a number.

    >>> transfer_expense_postings(plan, datev, ledger=ledger)  # doctest: +SKIP
    """
    postings = plan.postings.with_columns(
        pl.format("{}#{}", pl.col("call_id"), pl.col("part")).alias("item_id")
    )
    statuses: dict[str, tuple[str, str | None]] = {}
    if ledger is None:
        for row in postings.iter_rows(named=True):
            outcome, message = _post(client, row)
            statuses[row["item_id"]] = ("posted" if outcome == "posted" else "failed", message)
    else:
        for (mandant, month), group in postings.group_by(
            "client_number", "month", maintain_order=True
        ):
            number = str(mandant)
            named = (client_ids or {}).get(int(number), number)
            # Earlier versions recorded the bare number: its postings count as sent, too.
            names = (named, number) if named != number else (number,)
            statuses.update(
                _transfer_group(client, ledger, names, str(month), group, retransfer=retransfer)
            )
    result = postings.drop("body").with_columns(
        pl.col("item_id")
        .replace_strict({k: v[0] for k, v in statuses.items()}, return_dtype=pl.String)
        .alias("status"),
        pl.col("item_id")
        .replace_strict({k: v[1] for k, v in statuses.items()}, return_dtype=pl.String)
        .alias("message"),
    )
    return result.drop("item_id")


def _transfer_group(
    client: DatevClient,
    ledger: Ledger,
    names: tuple[str, ...],
    month: str,
    group: pl.DataFrame,
    *,
    retransfer: bool,
) -> dict[str, tuple[str, str | None]]:
    """One Mandant's month; ``names[0]`` names its new transfer, every name finds earlier ones."""
    statuses: dict[str, tuple[str, str | None]] = {}
    posted, unclear = _ledger_marks(ledger, names)
    # A run that died half-way is closed; its interrupted posting stays "unclear".
    for interrupted in (t for name in names for t in ledger.in_progress(name)):
        if interrupted.kind == LEDGER_KIND:
            ledger.update(
                interrupted.id,
                action="unterbrochen",
                local_status="Fehlgeschlagen",
                error="Die Übertragung wurde unterbrochen.",
            )
    todo = []
    for row in group.iter_rows(named=True):
        item = row["item_id"]
        if item in posted and not retransfer:
            statuses[item] = (
                "skipped",
                f"Bereits an DATEV übertragen (Übertragung {posted[item]}).",
            )
        elif item in unclear and not retransfer:
            statuses[item] = (
                "skipped",
                f"Die Übertragung {unclear[item]} wurde während dieser "
                f"Buchung unterbrochen; ob DATEV sie erhalten hat, ist "
                f"unklar. Prüfen Sie die Aufwandsbuchungen des Auftrags "
                f"{row['order_id']} und übertragen Sie sie bei Bedarf "
                f"erneut.",
            )
        else:
            todo.append(row)
    if not todo:
        return statuses
    hashes = {row["item_id"]: hashlib.sha256(row["body"].encode()).hexdigest() for row in todo}
    # Postings are independent POSTs, one at a time: seed 004's one-transfer-per-client rule
    # (for dxso jobs) does not apply to them.
    transfer = ledger.create(
        client=names[0],
        kind=LEDGER_KIND,
        channel=LEDGER_CHANNEL,
        month=month,
        document_kind=None,
        allow_concurrent=True,
        items=[
            {
                "item_id": row["item_id"],
                "content_hash": hashes[row["item_id"]],
                "source_file": row["source_file"],
                "source_row": row["source_row"],
                "record_ref": f"{row['order_id']}/{row['suborder_id']}",
            }
            for row in todo
        ],
    )
    ledger.add_files(
        transfer.id,
        [(row["item_id"], hashes[row["item_id"]], len(row["body"].encode())) for row in todo],
    )
    ledger.update(transfer.id, action="übertragen", local_status="In Übertragung")
    protocol = []
    for row in todo:
        ledger.mark_upload_started(transfer.id, row["item_id"])
        outcome, message = _post(client, row)
        if outcome == "posted":
            ledger.mark_uploaded(transfer.id, row["item_id"])
        protocol.append({"item_id": row["item_id"], "status": outcome, "message": message})
        statuses[row["item_id"]] = ("posted" if outcome == "posted" else "failed", message)
    errors = [
        f"{entry['item_id']}: {entry['message']}"
        for entry in protocol
        if entry["status"] != "posted"
    ]
    ledger.update(
        transfer.id,
        action="fehlgeschlagen" if errors else "übertragen",
        local_status="Fehlgeschlagen" if errors else "Transferiert",
        protocol=protocol,
        error="\n".join(errors) or None,
    )
    return statuses
