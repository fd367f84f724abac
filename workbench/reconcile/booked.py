"""What DATEV booked, read back through Accounting Data Exchange (Datenservice Export
Rechnungswesen): the postings of the period's fiscal year folded into bookings, and the account
names (Kontenbeschriftungen) DATEV keeps for the client."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

import polars as pl

from workbench.errors import WorkbenchError
from workbench.reconcile.bookings import POSTINGS_SCHEMA, bookings_from_postings
from workbench.transfer.client import DatevClient

__all__ = ["Booked", "booked_bookings"]

_GL_LIMIT = 100_000_000


@dataclass(frozen=True)
class Booked:
    """DATEV's side: bookings of the period, account names, the client's account length."""

    bookings: pl.DataFrame
    names: dict[str, str]
    account_length: int
    fiscal_year: int


def booked_bookings(datev: DatevClient, client: str, *, start: date, end: date) -> Booked:
    """DATEV's bookings of ``client`` dated from ``start`` to ``end`` (one fiscal year)."""
    fiscal_year, info = _fiscal_year(datev, client, start, end)
    length = int(info.get("accountLength") or 4)
    frames = [
        _postings(page)
        for page in datev.account_postings_pages(client, fiscal_year, document_links=True)
    ]
    postings = pl.concat(frames) if frames else pl.DataFrame(schema=POSTINGS_SCHEMA)
    bookings = bookings_from_postings(postings, account_length=length).filter(
        pl.col("date").is_between(start, end)
    )
    names = {
        _account(int(entry["accountNumber"]), length): entry["caption"]
        for entry in datev.general_ledger_accounts(client, fiscal_year)
        if entry.get("caption")
    }
    return Booked(bookings, names, length, fiscal_year)


def _fiscal_year(datev: DatevClient, client: str, start: date, end: date) -> tuple[int, dict]:
    years = datev.fiscal_years(client)
    begun = [year for year in years if year <= int(start.strftime("%Y%m%d"))]
    info = datev.fiscal_year(client, max(begun)) if begun else {}
    if not info or date.fromisoformat(str(info.get("yearEnd"))) < end:
        known = ", ".join(f"{str(y)[6:8]}.{str(y)[4:6]}.{str(y)[:4]}" for y in years) or "keins"
        raise WorkbenchError(
            f"Für {start:%m/%Y} hat der Mandant {client} bei DATEV kein Wirtschaftsjahr "
            f"(angelegt: Beginn {known}). Ohne Wirtschaftsjahr ist dort nichts gebucht; "
            "prüfen Sie den Monat."
        )
    return max(begun), info


def _postings(page: bytes) -> pl.DataFrame:
    if not page.strip():
        return pl.DataFrame(schema=POSTINGS_SCHEMA)
    if page.lstrip().startswith(b"["):  # one JSON array instead of NDJSON lines
        return pl.from_dicts(json.loads(page), schema=POSTINGS_SCHEMA)
    return pl.read_ndjson(io.BytesIO(page), schema=POSTINGS_SCHEMA)


def _account(technical: int, length: int) -> str:
    if technical < _GL_LIMIT:
        return str(technical).zfill(8)[:length]
    return str(technical).zfill(9)[: length + 1]
