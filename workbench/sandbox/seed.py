"""Seed data: the DATEV world the sandbox pretends to be (clients, fiscal years, DATEVconnect).

The default seed is `data/sandbox/default.json`, shipped as a package resource; copy and extend
it for your own sandbox (`workbench sandbox --seed FILE`).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from workbench.resources import resource_path

# Which OAuth scope each DATEV service grants access to (accounting-clients `services[].scopes`).
SERVICE_SCOPES = {
    "Buchungsdatenservice": ["datev:accounting:extf-files-import"],
    "Belegbilderservice": ["accounting:documents"],
    "Rechnungsdatenservice 1.0": ["accounting:dxso-jobs"],
    "Rechnungsdatenservice 2.0": ["datev:accounting:invoices"],
    "Datenservice Export Rechnungswesen": ["datev:accounting:exchange"],
}


def load_seed(path: Path | None = None) -> dict[str, Any]:
    """Read a seed file, or the packaged default when `path` is None."""
    if path is None:
        path = resource_path("sandbox", "default.json")
    text = Path(path).read_text("utf-8")
    data = json.loads(text)
    for client in data.get("accounting_clients", []):
        if client["id"] != f"{client['consultant_number']}-{client['client_number']}":
            raise ValueError(f"seed client id {client['id']!r} does not match its numbers")
        if not 4 <= int(client["account_length"]) <= 8:
            raise ValueError(f"seed client {client['id']}: account_length must be 4-8")
    data.setdefault("connect", {})
    return data


@dataclass(frozen=True)
class FiscalYear:
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Chart:
    """An excerpt of a DATEV standard chart (SKR): four-digit accounts with their captions and
    the accounts bookings fall back on (Kasse, Forderungen, Verbindlichkeiten)."""

    name: str
    accounts: dict[str, str]
    cash: str
    receivables: str
    payables: str

    @classmethod
    def parse(cls, name: str, raw: dict[str, Any]) -> Chart:
        return cls(
            name, dict(raw.get("accounts", {})), raw["cash"], raw["receivables"], raw["payables"]
        )

    def caption(self, account: str) -> str | None:
        """The caption of ``account`` at any account length (8400 and 84000 are one account)."""
        base = account[:4] if account[4:].strip("0") == "" else account
        return self.accounts.get(base)


class AccountingClient:
    """One DATEV Unternehmen online client as seen by the accounting APIs."""

    def __init__(self, raw: dict[str, Any], chart: Chart | None = None) -> None:
        self.raw = raw
        self.chart = chart
        self.id: str = raw["id"]
        self.consultant_number = int(raw["consultant_number"])
        self.client_number = int(raw["client_number"])
        self.name: str = raw["name"]
        self.account_length = int(raw["account_length"])
        self.services: list[str] = list(raw.get("services", []))
        self.fiscal_years = [
            FiscalYear(date.fromisoformat(fy["start"]), date.fromisoformat(fy["end"]))
            for fy in raw.get("fiscal_years", [])
        ]
        self.fiscal_years.sort(key=lambda fy: fy.start)

    def has_service(self, name: str) -> bool:
        return name in self.services

    def fiscal_year_for(self, day: date) -> FiscalYear | None:
        return next((fy for fy in self.fiscal_years if fy.contains(day)), None)

    def folders(self, category: str) -> list[str]:
        """Folders of activated document types of one category (Rechnungsordner)."""
        return [
            t["folder"]
            for t in self.raw.get("document_types", [])
            if t["category"] == category and t.get("folder")
        ]

    @property
    def cash_ledgers(self) -> list[str]:
        return list(self.raw.get("cash_ledgers", []))

    def service_objects(self) -> list[dict[str, Any]]:
        return [{"name": s, "scopes": SERVICE_SCOPES.get(s, [])} for s in self.services]

    def auto_create_fiscal_year(self, day: date) -> FiscalYear | None:
        """DATEV creates the next fiscal year on job creation when the previous one exists."""
        if not self.raw.get("auto_create_next_fiscal_year") or not self.fiscal_years:
            return None
        last = self.fiscal_years[-1]
        start = date(last.start.year + 1, last.start.month, last.start.day)
        end = date(last.end.year + 1, last.end.month, last.end.day)
        if not start <= day <= end:
            return None
        new = FiscalYear(start, end)
        self.fiscal_years.append(new)
        return new


class Seed:
    """Parsed seed with lookups; accounting clients are copied so runs never share state."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = copy.deepcopy(data)
        self.users: list[dict[str, Any]] = self.data.get("users") or [
            self.data.get("user", {"sub": "sandbox", "name": "Sandbox"})
        ]
        self.user = self.users[0]
        charts = {
            name: Chart.parse(name, raw)
            for name, raw in self.data.get("charts_of_accounts", {}).items()
        }
        self.clients = {
            c["id"]: AccountingClient(c, charts.get(c.get("chart_of_accounts", "SKR03")))
            for c in self.data["accounting_clients"]
        }
        self.connect: dict[str, Any] = self.data["connect"]
        # Further DATEVconnect installations (other Kanzleien), each behind its own basic auth.
        self.connect_tenants: list[dict[str, Any]] = self.data.get("connect_tenants", [])

    def client(self, client_id: str) -> AccountingClient | None:
        return self.clients.get(client_id)

    def user_for(self, hint: str | None) -> dict[str, Any] | None:
        """The seeded user with ``sub`` or e-mail ``hint``; the first user without a hint."""
        if not hint:
            return self.user
        return next((u for u in self.users if hint in (u.get("sub"), u.get("email"))), None)
