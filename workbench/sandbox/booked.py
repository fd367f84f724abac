"""The bookings DATEV holds per client, and the changes a colleague makes by hand.

The bookings come from processing (EXTF and dxso, :mod:`workbench.sandbox.postings`); the
control endpoint ``POST /_sandbox/clients/{id}/postings`` adds, changes or deletes one the way a
colleague at the tax office does in Rechnungswesen, which DATEV's APIs have no call for:

``{"action": "add", "posting": {...}}`` books a new posting; ``{"action": "change", "match":
{"documentField1": "R-1"}, "posting": {"amountCredit": 150.0}}`` sets fields on every booking a
posting of which matches; ``{"action": "delete", "match": {...}}`` removes them. Postings are
ADE AccountPostings (technical account numbers); a match may name either Kontoblatt of a
booking, and the change applies to that view.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from workbench.sandbox.postings import (
    account_postings,
    flipped,
    is_general_ledger,
    store_bookings,
)
from workbench.sandbox.seed import AccountingClient, FiscalYear
from workbench.sandbox.state import SandboxState

__all__ = ["PostingError", "change_bookings", "visible_bookings"]

#: The properties of ADE's AccountPosting (OpenAPI 1.5.8, additionalProperties false).
POSTING_FIELDS = frozenset(
    "accountNumber accountingSequenceId accountingTransactionKey "
    "accountingTransactionKey49AdditionalFunction accountingTransactionKey49MainFunctionNumber "
    "accountingTransactionKey49MainFunctionType additionalFunctionsForGoodsAndServices "
    "amountCredit amountDebit advancePayment billingReference cashDiscount cashDiscountType "
    "casesRelatedToGoodsAndServices contraAccountNumber currencyCode date deliveryDate "
    "differingTaxationMethod documentField1 documentField2 documentLink euTaxRate "
    "euTaxRateForCountryOfOrigin euVatId euVatIdForCountryOfOrigin exchangeRate "
    "followOnPostingType generalReversal isOpeningBalancePosting kostDate kostQuantity "
    "kost1CostCenterId kost2CostCenterId markOfOrigin postingDescription quantity recordType "
    "taxRate weight".split()
)
_DERIVED = ("recordType", "followOnPostingType", "isOpeningBalancePosting")


class PostingError(ValueError):
    """The control request cannot be applied; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def visible_bookings(
    state: SandboxState, client_id: str, fiscal_year: FiscalYear
) -> list[dict[str, Any]]:
    """The client's bookings DATEV shows now, dated inside ``fiscal_year``, in date order."""
    rows = state.store.query(
        "SELECT posting FROM account_bookings WHERE client_id = ? AND deleted = 0 "
        "AND visible_at <= ? AND date BETWEEN ? AND ? ORDER BY date, seq",
        (
            client_id,
            state.clock.now(),
            fiscal_year.start.isoformat(),
            fiscal_year.end.isoformat(),
        ),
    )
    return [json.loads(row[0]) for row in rows]


def change_bookings(
    state: SandboxState, client: AccountingClient, body: dict[str, Any]
) -> dict[str, Any]:
    """Apply one control request; returns the answer's body."""
    action = body.get("action")
    fields = body.get("posting") or {}
    match = body.get("match") or {}
    if not isinstance(fields, dict) or not isinstance(match, dict):
        raise PostingError("'posting' und 'match' müssen JSON-Objekte sein.")
    if action == "add":
        booking = _valid(client, {k: v for k, v in fields.items() if k not in _DERIVED})
        with state.store.transaction() as conn:
            store_bookings(conn, client.id, "manual", state.clock.now(), [booking])
        return {"action": "add", "postings": account_postings(booking, document_links=True)}
    if action not in ("change", "delete"):
        raise PostingError("'action' muss add, change oder delete sein.")
    if not match:
        raise PostingError(f"'{action}' braucht ein nicht leeres 'match'.")
    with state.store.transaction() as conn:
        hits = _matching(conn, state, client, match)
        if not hits:
            raise PostingError("Keine gebuchte Buchung passt zu 'match'.", 404)
        if action == "delete":
            conn.executemany(
                "UPDATE account_bookings SET deleted = 1 WHERE seq = ?", [(s,) for s, _ in hits]
            )
            return {"action": "delete", "deleted": len(hits)}
        changed = []
        for seq, view in hits:
            booking = _valid(client, _changed(view, fields, match))
            # Never rewritten: the old row is hidden and the changed booking added, so a
            # postings job created before still shows what was booked then.
            [origin] = conn.execute(
                "UPDATE account_bookings SET deleted = 1 WHERE seq = ? RETURNING origin", (seq,)
            ).fetchone()
            store_bookings(conn, client.id, origin, state.clock.now(), [booking])
            changed.extend(account_postings(booking, document_links=True))
    return {"action": "change", "changed": len(hits), "postings": changed}


def _matching(
    conn: sqlite3.Connection, state: SandboxState, client: AccountingClient, match: dict
) -> list[tuple[int, tuple[dict[str, Any], bool]]]:
    """(seq, (view, flipped?)) of every shown booking one of whose postings contains ``match``."""
    sql = (
        "SELECT seq, posting FROM account_bookings WHERE client_id = ? AND deleted = 0 "
        "AND visible_at <= ?"
    )
    params: list[Any] = [client.id, state.clock.now()]
    if isinstance(match.get("documentField1"), str):
        # Narrow by the Belegfeld in the stored JSON first: one SQL scan, not 100,000 parses.
        text = json.dumps({"documentField1": match["documentField1"]}, ensure_ascii=False)[1:-1]
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql += " AND posting LIKE ? ESCAPE '\\'"
        params.append(f"%{escaped}%")
    rows = conn.execute(sql + " ORDER BY seq", params).fetchall()
    hits = []
    for seq, raw in rows:
        booking = json.loads(raw)
        for view, is_flipped in ((booking, False), (flipped(booking), True)):
            if all(view.get(key) == value for key, value in match.items()):
                hits.append((seq, (view, is_flipped)))
                break
    return hits


def _changed(
    view: tuple[dict[str, Any], bool], fields: dict[str, Any], match: dict
) -> dict[str, Any]:
    posting, is_flipped = view
    posting = {**posting, **{k: v for k, v in fields.items() if k not in _DERIVED}}
    # A booking has one side per Kontoblatt: setting one amount replaces the other.
    if "amountDebit" in fields:
        posting.pop("amountCredit", None)
    if "amountCredit" in fields:
        posting.pop("amountDebit", None)
    return flipped(posting) if is_flipped else posting


def _valid(client: AccountingClient, posting: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(posting) - POSTING_FIELDS)
    if unknown:
        raise PostingError(f"Unbekannte Felder einer AccountPosting: {', '.join(unknown)}.")
    for key in ("accountNumber", "contraAccountNumber"):
        value = posting.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 999_999_999:
            raise PostingError(f"'{key}' muss eine technische Kontonummer (Ganzzahl) sein.")
    if not (
        is_general_ledger(posting["accountNumber"])
        or is_general_ledger(posting["contraAccountNumber"])
    ):
        raise PostingError("Eine Buchung braucht mindestens ein Sachkonto (höchstens 8 Stellen).")
    sides = [key for key in ("amountDebit", "amountCredit") if key in posting]
    amount = posting.get(sides[0]) if len(sides) == 1 else None
    if not isinstance(amount, (int, float)) or isinstance(amount, bool) or amount <= 0:
        raise PostingError("Genau eines von 'amountDebit' und 'amountCredit', größer als 0.")
    try:
        day = date.fromisoformat(str(posting.get("date")))
    except ValueError as exc:
        raise PostingError("'date' muss ein Datum JJJJ-MM-TT sein.") from exc
    if client.fiscal_year_for(day) is None:
        raise PostingError(f"Das Wirtschaftsjahr zum {day.isoformat()} ist nicht angelegt.")
    if len(str(posting.get("documentField1", ""))) > 36:
        raise PostingError("'documentField1' hat höchstens 36 Zeichen.")
    return posting
