"""DATEV's Accounting Data Exchange 1.5.8 (Datenservice Export Rechnungswesen) on the client.

The methods of :class:`~workbench.transfer.client.DatevClient` that read back what DATEV booked:
fiscal years, the asynchronous account-postings job (create, poll its state, fetch its pages),
the general-ledger accounts (Kontenbeschriftungen) and sums and balances. They live here so the
client module stays small; every request still goes through ``DatevClient.request`` (one httpx
client, its retries, tokens and German error messages).

Lists arrive as ``application/x-ndjson``, one JSON value per line; a body that is one JSON
array (as the OpenAPI file's schemas read) is accepted too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from workbench.clients import normalise_client_id
from workbench.errors import DatevApiError

__all__ = ["DataExchangeMethods", "SERVICE_LABEL", "parse_ndjson"]

API = "accounting-data-exchange"
SERVICE_LABEL = "Datenservice Export Rechnungswesen"
_LOGIN = "workbench login --service export-rechnungswesen"


def parse_ndjson(content: bytes) -> list[Any]:
    """The values of an NDJSON body (or of a body that is one JSON array)."""
    text = content.decode("utf-8").strip()
    if not text:
        return []
    if text.startswith("["):
        return json.loads(text)
    # One parse for the whole page: much faster than json.loads per line for 50,000 lines.
    return json.loads("[" + ",".join(line for line in text.splitlines() if line.strip()) + "]")


class DataExchangeMethods:
    """Accounting Data Exchange calls, mixed into ``DatevClient``."""

    if TYPE_CHECKING:
        _sleep: Callable[[float], None]

        def request(self, method: str, api: str, path: str, *, what: str, **kwargs: Any) -> Any: ...

    def _exchange(self, path: str, *, what: str, client: str, **kwargs: Any) -> Any:
        method = kwargs.pop("method", "GET")
        try:
            return self.request(
                method, API, f"/clients/{normalise_client_id(client)}{path}", what=what, **kwargs
            )
        except DatevApiError as error:
            if error.status != 403:
                raise
            if "scope" in str(error).lower():
                reason = (
                    f"Ihr Zugangsschlüssel umfasst den {SERVICE_LABEL} nicht. Melden Sie sich "
                    f"dafür an: {_LOGIN}"
                )
            else:
                reason = (
                    f"Der Mandant {client} ist für den {SERVICE_LABEL} nicht freigeschaltet, "
                    f"oder Ihnen fehlt das Recht dazu. Buchen Sie den {SERVICE_LABEL} für den "
                    "Mandanten in DATEV (Rechteverwaltung online: Cloud Services "
                    "Rechnungswesen) und gleichen Sie danach erneut ab"
                )
            raise DatevApiError(
                f"{what}: {reason}.", status=403, code=error.code, request_id=error.request_id
            ) from error

    def fiscal_years(self, client: str) -> list[int]:
        """The client's fiscal years as DATEV's ids (``20260101``: Wirtschaftsjahresbeginn)."""
        response = self._exchange(
            "/fiscal-years", what=f"Wirtschaftsjahre des Mandanten {client} abrufen", client=client
        )
        return [int(value) for value in parse_ndjson(response.content)]

    def fiscal_year(self, client: str, fiscal_year: int) -> dict:
        """One fiscal year: ``yearBegin``, ``yearEnd``, ``accountLength``, ``accountSystem`` …"""
        response = self._exchange(
            f"/fiscal-years/{fiscal_year}",
            what=f"Wirtschaftsjahr {fiscal_year} des Mandanten {client} abrufen",
            client=client,
        )
        values = parse_ndjson(response.content)
        return values[0] if values else {}

    def account_postings(
        self,
        client: str,
        fiscal_year: int,
        *,
        document_links: bool = True,
        timeout: float = 600.0,
    ) -> list[dict]:
        """Every AccountPosting of a fiscal year (see :meth:`account_postings_pages`)."""
        pages = self.account_postings_pages(
            client, fiscal_year, document_links=document_links, timeout=timeout
        )
        return [posting for page in pages for posting in parse_ndjson(page)]

    def account_postings_pages(
        self,
        client: str,
        fiscal_year: int,
        *,
        document_links: bool = True,
        timeout: float = 600.0,
    ) -> Iterator[bytes]:
        """Create DATEV's postings job, wait for it, then yield each page's NDJSON body (up to
        50,000 postings; a columnar reader parses them far faster than one dict per line).

        DATEV prepares the postings asynchronously and keeps them 12 hours; the state is polled
        every 0.25 s for two seconds, then with a growing pause up to 5 s, until ``timeout``
        seconds have passed.
        """
        what = f"Buchungen des Mandanten {client} ({fiscal_year}) abrufen"
        created = self._exchange(
            f"/fiscal-years/{fiscal_year}/account-postings",
            what=what,
            client=client,
            method="POST",
            safe=True,  # creating another read job twice does no harm
            params={"documentLinks": "true" if document_links else "false"},
        )
        job = created.json()["jobId"]
        self._await_job(client, job, what=what, timeout=timeout)
        page, pages = 1, 1
        while page <= pages:
            response = self._exchange(
                f"/account-postings-jobs/{job}", what=what, client=client, params={"page": page}
            )
            pages = int(response.headers.get("x-total-pages") or 1)
            page += 1
            yield response.content

    def _await_job(self, client: str, job: str, *, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            # Every quarter second for the first two seconds (small jobs are ready by then),
            # then a growing pause up to 5 s.
            pause = 0.25 if polls < 8 else min(0.25 * 2 ** (polls - 7), 5.0)
            polls += 1
            state = self._exchange(f"/jobs/{job}/state", what=what, client=client).json()
            job_state = state.get("jobState")
            if job_state == "COMPLETED":
                return
            if job_state in ("FAILED", "DELETED"):
                raise DatevApiError(
                    f"{what}: DATEV meldet den Abruf als {job_state} (Job {job}). Bitte später "
                    "erneut abgleichen; DATEV hält abgerufene Buchungen 12 Stunden bereit."
                )
            if time.monotonic() + pause > deadline:
                raise DatevApiError(
                    f"{what}: DATEV hat die Buchungen nach {timeout:.0f} Sekunden noch nicht "
                    f"bereitgestellt (Job {job}, Status {job_state}). Bitte später erneut "
                    "abgleichen."
                )
            self._sleep(pause)

    def general_ledger_accounts(
        self, client: str, fiscal_year: int, *, only_booked: bool = False
    ) -> list[dict]:
        """Kontenbeschriftungen: ``accountNumber`` (technical, 8 digits) and ``caption``."""
        response = self._exchange(
            f"/fiscal-years/{fiscal_year}/general-ledger-accounts",
            what=f"Kontenbeschriftungen des Mandanten {client} abrufen",
            client=client,
            params={"onlyBooked": "true" if only_booked else "false"},
        )
        return parse_ndjson(response.content)

    def sums_and_balances(self, client: str, fiscal_year: int) -> list[dict]:
        """Summen und Salden per general-ledger account, with monthly values."""
        response = self._exchange(
            f"/fiscal-years/{fiscal_year}/sums-and-balances",
            what=f"Summen und Salden des Mandanten {client} abrufen",
            client=client,
        )
        return parse_ndjson(response.content)
