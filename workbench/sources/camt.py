"""Bank statement lines from ISO 20022 camt.053 (also camt.052 / camt.054) with lxml.

Why our own reader: the camt parsers on PyPI were judged and not taken. ``pycamt`` (small, MIT,
lxml) returns plain dicts without the element's line, so a bad entry could not be named by row
as every other source is; it reads a detail's amount with ``.//Amt``, which in camt.053.001.02
finds the instructed amount (possibly a foreign currency) before the booked one. ``camt053`` and
``bankstatementparser`` pin conflicting versions (pandas < 3, colorama ==, cryptography < 51) and
pull in servers and LLM clients. camt's structure is small; this module reads what the bank
columns need, namespace-agnostic (camt.053.001.02 to .13), with entities and network off.

One line per booked entry (``Sts`` BOOK); a batch booking (Sammelbuchung: one ``Ntry`` with
several ``TxDtls``) becomes one line per transaction, with the transaction's amount, so each
payment can be matched to its receipt. Entries not booked (PDNG, INFO) are skipped by rule and
counted. ``source_row`` is the line of the ``Ntry`` (or ``TxDtls``) element in the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workbench.errors import SourceError

__all__ = ["CamtEntry", "CamtRead", "read_camt"]

_STATEMENTS = ("Stmt", "Rpt", "Ntfctn")


@dataclass(frozen=True)
class CamtEntry:
    """One bank line as read, with the problems found in it (column, value, expected)."""

    row: int
    values: dict[str, object]
    problems: tuple[tuple[str, str, str], ...] = ()


@dataclass
class CamtRead:
    entries: list[CamtEntry] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, status) not booked


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first descendant along ``path`` of local names (namespace-agnostic)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if isinstance(c.tag, str) and _local(c) == name), None)
    return element


def _text(element: etree._Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    text = found.text.strip() if found is not None and found.text else None
    return text or None


def _all(element: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if element is None:
        return iter(())
    return (c for c in element.iter() if isinstance(c.tag, str) and _local(c) == name)


def read_camt(path: Path, data: bytes) -> CamtRead:
    """Parse a camt document; raises SourceError if it is not one (naming file and line)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise SourceError(
            f"{path.name}, Zeile {error.lineno}: kein gültiges XML ({error.msg}). Exportieren "
            f"Sie den Kontoauszug erneut aus dem Onlinebanking.",
            file=path.name,
            row=error.lineno,
        ) from None
    message = next((c for c in root if isinstance(c.tag, str)), None)
    statements = [s for s in (message if message is not None else ()) if _local(s) in _STATEMENTS]
    if _local(root) != "Document" or not statements:
        raise SourceError(
            f"{path.name} ist kein camt-Kontoauszug (camt.052/053/054): erwartet wird "
            f"Document mit Stmt, Rpt oder Ntfctn.",
            file=path.name,
            row=root.sourceline,
        )
    read = CamtRead()
    for statement in statements:
        account = _text(statement, "Acct", "Id", "IBAN") or _text(
            statement, "Acct", "Id", "Othr", "Id"
        )
        currency = _text(statement, "Acct", "Ccy")
        for entry in (e for e in statement if isinstance(e.tag, str) and _local(e) == "Ntry"):
            status = _text(entry, "Sts", "Cd") or _text(entry, "Sts") or "BOOK"
            if status != "BOOK":
                read.skipped.append((entry.sourceline or 0, status))
                continue
            read.entries.extend(_entry_lines(entry, account, currency))
    return read


def _entry_lines(
    entry: etree._Element, account: str | None, currency: str | None
) -> Iterator[CamtEntry]:
    details = list(_all(_child(entry, "NtryDtls"), "TxDtls"))
    if len(details) <= 1:
        yield _line(entry, details[0] if details else None, entry, account, currency)
        return
    for detail in details:  # Sammelbuchung: each payment on its own line
        yield _line(entry, detail, detail, account, currency)


def _line(
    entry: etree._Element,
    detail: etree._Element | None,
    amount_of: etree._Element,
    account: str | None,
    currency: str | None,
) -> CamtEntry:
    problems: list[tuple[str, str, str]] = []
    amount_element = _child(amount_of, "Amt")
    if amount_element is None and detail is not None:
        amount_element = _child(detail, "AmtDtls", "TxAmt", "Amt")
    indicator = _text(detail, "CdtDbtInd") or _text(entry, "CdtDbtInd")
    amount = _amount(amount_element, indicator, problems)
    booking = _date(entry, "BookgDt", "booking_date", problems, required=True)
    credit = indicator == "CRDT"
    # The counterparty is whoever is on the other side: the debtor of a credit, the creditor
    # of a debit (camt.053.001.08+ wraps the name in Pty).
    party = "Dbtr" if credit else "Cdtr"
    parties = _child(detail, "RltdPties")
    name = _text(parties, party, "Nm") or _text(parties, party, "Pty", "Nm")
    iban = _text(parties, f"{party}Acct", "Id", "IBAN")
    remittance = _child(detail, "RmtInf")
    purpose_parts = [p.text.strip() for p in _all(remittance, "Ustrd") if p.text and p.text.strip()]
    purpose_parts += [r.text.strip() for r in _all(remittance, "Ref") if r.text and r.text.strip()]
    purpose = " ".join(purpose_parts) or _text(entry, "AddtlNtryInf")
    end_to_end = _text(detail, "Refs", "EndToEndId")
    return CamtEntry(
        row=amount_of.sourceline or entry.sourceline or 0,
        values={
            "account_iban": account,
            "booking_date": booking,
            "value_date": _date(entry, "ValDt", "value_date", problems, required=False),
            "amount": amount,
            "currency_code": (amount_element.get("Ccy") if amount_element is not None else None)
            or currency,
            "counterparty_name": name,
            "counterparty_iban": iban,
            "purpose": purpose,
            "end_to_end_id": None if end_to_end in (None, "NOTPROVIDED") else end_to_end,
        },
        problems=tuple(problems),
    )


def _amount(element: etree._Element | None, indicator: str | None, problems: list) -> float | None:
    text = element.text.strip() if element is not None and element.text else ""
    try:
        value = float(text)
    except ValueError:
        problems.append(("amount", text, "Betrag mit Punkt als Dezimalzeichen (Amt)"))
        return None
    if indicator not in ("CRDT", "DBIT"):
        problems.append(("amount", indicator or "", "Soll/Haben-Kennzeichen CRDT oder DBIT"))
        return None
    return -value if indicator == "DBIT" else value


def _date(
    entry: etree._Element, name: str, column: str, problems: list, *, required: bool
) -> dt.date | None:
    text = _text(entry, name, "Dt") or (_text(entry, name, "DtTm") or "")[:10]
    if not text:
        if required:
            problems.append((column, "", f"Datum JJJJ-MM-TT ({name})"))
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append((column, text, f"Datum JJJJ-MM-TT ({name})"))
        return None
