"""Bank statement lines from SWIFT MT940 (German banks' STA files), parsed by ``mt-940``.

``mt-940`` (WoLpH/mt940) is the long-maintained MT940 parser on PyPI: typed, no dependencies,
and it reads the German structured ``:86:`` field (``?20``-``?29`` purpose, ``?32``/``?33``
name, ``?31`` IBAN, SEPA keywords ``EREF+``/``SVWZ+``). We give it one statement at a time (a
file may hold several accounts) and count the ``:61:`` lines ourselves, so each line keeps the
row where it starts in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import SourceError

__all__ = ["Mt940Line", "read_mt940"]

_STATEMENT = re.compile(r"^:20:", re.MULTILINE)
_LINE = re.compile(r"^:61:", re.MULTILINE)


@dataclass(frozen=True)
class Mt940Line:
    row: int
    values: dict[str, object]


def read_mt940(path: Path, text: str) -> list[Mt940Line]:
    """Every ``:61:`` line of every statement in ``text``; SourceError if it is no MT940."""
    import mt940
    from mt940.options import Options

    starts = [match.start() for match in _STATEMENT.finditer(text)]
    if not starts or (not _LINE.search(text) and ":60F:" not in text):
        raise SourceError(
            f"{path.name} ist kein MT940-Kontoauszug (erwartet werden die Felder :20:, :25:, "
            f":60F:, :61:).",
            file=path.name,
        )
    lines: list[Mt940Line] = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[start:end]
        first_row = text.count("\n", 0, start) + 1
        rows = [first_row + chunk.count("\n", 0, m.start()) for m in _LINE.finditer(chunk)]
        statement = mt940.models.Transactions(options=Options(applicant_iban=True))
        try:
            transactions = statement.parse(chunk)
        except Exception as error:  # mt-940 raises plain exceptions for malformed tags
            raise SourceError(
                f"{path.name}, ab Zeile {first_row}: der Kontoauszug ist nicht lesbar "
                f"({type(error).__name__}: {error}). Exportieren Sie ihn erneut.",
                file=path.name,
                row=first_row,
            ) from None
        if len(transactions) != len(rows):
            raise SourceError(
                f"{path.name}, ab Zeile {first_row}: {len(rows)} Umsatzzeilen (:61:), aber "
                f"{len(transactions)} gelesen. Exportieren Sie den Kontoauszug erneut.",
                file=path.name,
                row=first_row,
            )
        account = statement.data.get("account_identification")
        for row, transaction in zip(rows, transactions, strict=True):
            lines.append(Mt940Line(row=row, values=_values(transaction.data, account)))
    return lines


def _date(value: object) -> dt.date | None:
    return dt.date(value.year, value.month, value.day) if value is not None else None  # type: ignore[attr-defined]


def _values(data: dict, account: str | None) -> dict[str, object]:
    amount = data.get("amount")
    booking = data.get("entry_date") or data.get("guessed_entry_date") or data.get("date")
    end_to_end = data.get("end_to_end_reference")
    purpose = " ".join(
        part for part in (data.get("purpose"), data.get("additional_purpose")) if part
    )
    return {
        "account_iban": account,
        "booking_date": _date(booking),
        "value_date": _date(data.get("date")),
        "amount": float(amount.amount) if amount is not None else None,
        "currency_code": data.get("currency") or (amount.currency if amount else None),
        "counterparty_name": data.get("applicant_name"),
        "counterparty_iban": data.get("applicant_iban") or data.get("gvc_applicant_iban"),
        "purpose": purpose or data.get("transaction_details") or data.get("posting_text"),
        "end_to_end_id": None if end_to_end in (None, "NOTPROVIDED") else end_to_end,
    }
