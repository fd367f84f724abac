"""The one HTTP client for DATEV (the only module that imports httpx).

It speaks to the Online APIs (accounting-clients, -dxso-jobs, -extf-files, -documents, and
Accounting Data Exchange through :class:`~workbench.transfer.data_exchange.DataExchangeMethods`),
the OAuth token endpoint and DATEVconnect (master data, order management) with base URLs from
settings, so the same code runs against production DATEV and the bundled sandbox.

Every Online API call carries ``Authorization: Bearer`` and ``X-DATEV-Client-Id``. Transient
failures are retried with exponential backoff, honouring ``Retry-After``: 429, 502, 503 and 504
always (DATEV did not process the request), other 5xx and dropped connections only for requests
that are safe to repeat, so an upload is never duplicated behind the user's back. A 401 triggers
one token refresh. Errors become :class:`DatevApiError` with a German message.
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from workbench.clients import normalise_client_id
from workbench.errors import DatevApiError, UsageError
from workbench.transfer.data_exchange import DataExchangeMethods
from workbench.transfer.datev_errors import describe_error

__all__ = ["DatevClient", "RetryPolicy", "TokenSource"]

log = logging.getLogger(__name__)

_ALWAYS_RETRY = {429, 502, 503, 504}
#: A path segment "." or "..", a query, a fragment, an escape or a blank inside a request path:
#: ids from files or users must never be able to point a request somewhere else.
_UNSAFE_PATH = re.compile(r"(^|/)\.{1,2}(/|$)|[?#%\\\s]")
_SAFE_METHODS = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


def _unknown_client(client: str) -> str:
    return (
        f"Den Mandanten {client} gibt es bei DATEV nicht, oder er ist für Sie nicht freigegeben. "
        f"Prüfen Sie die Mandanten-ID (Beraternummer-Mandantennummer) und die Freigaben in der "
        f"DATEV Rechteverwaltung."
    )


class TokenSource(Protocol):
    """Gives access tokens; ``refresh`` is called once after a 401.

    A source with a ``for_request(api, path)`` method picks the token per request (one token
    per DATEV data service, see :mod:`workbench.transfer.tokens`).
    """

    def access_token(self) -> str: ...

    def refresh(self) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff: float = 0.5
    max_wait: float = 60.0

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After wins over the backoff."""
        if retry_after:
            if retry_after.strip().isdigit():
                return min(float(retry_after), self.max_wait)
            parsed = email.utils.parsedate_to_datetime(retry_after)
            if parsed is not None:
                return min(max(parsed.timestamp() - time.time(), 0.0), self.max_wait)
        return min(self.backoff * 2**attempt, self.max_wait)


class DatevClient(DataExchangeMethods):
    """DATEV's APIs behind plain methods; ``endpoints`` maps API names to base URLs.

    >>> client = DatevClient(sandbox_endpoints("http://127.0.0.1:8765"),  # doctest: +SKIP
    ...                      client_id="workbench-sandbox", tokens=session)
    >>> client.list_clients()[0]["id"]  # doctest: +SKIP
    '455148-1'
    """

    def __init__(
        self,
        endpoints: dict[str, str],
        *,
        client_id: str,
        tokens: TokenSource | None = None,
        connect_auth: tuple[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        verify: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoints = endpoints
        self.client_id = client_id
        self.tokens = tokens
        self.connect_auth = connect_auth
        self.retry = retry
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=timeout, verify=verify, transport=transport, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DatevClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- core --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        api: str,
        path: str,
        *,
        what: str,
        auth: str = "bearer",
        safe: bool | None = None,
        basic: tuple[str, str] | None = None,
        headers: dict[str, str] | None = None,
        not_found: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request with retries; raise DatevApiError for an error answer.

        ``auth``: ``bearer`` (Online APIs), ``connect`` (DATEVconnect basic auth) or ``none``
        (with ``basic`` credentials for the OAuth endpoints). ``what`` names the action in the
        German error message; ``not_found`` replaces the general text of a 404 when the
        caller knows what was not found; ``safe`` says whether the request may be repeated after
        it may have reached DATEV (default: by method).
        """
        if _UNSAFE_PATH.search(path):
            raise UsageError(
                f"{what}: Die Adresse '{path}' enthält unzulässige Zeichen (Mandanten- oder "
                f"Job-ID prüfen)."
            )
        url = self.endpoints[api].rstrip("/") + path
        safe = method in _SAFE_METHODS if safe is None else safe
        tokens = self._tokens_for(api, path) if auth == "bearer" else None
        refreshed = False
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    method,
                    url,
                    headers=self._headers(auth, headers, tokens),
                    auth=self._basic(auth, basic),
                    **kwargs,
                )
            except httpx.TransportError as error:
                # Nothing reached DATEV when the connection could not even be opened.
                unsent = isinstance(
                    error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
                )
                if (safe or unsent) and attempt + 1 < self.retry.attempts:
                    self._wait(what, type(error).__name__, self.retry.wait(attempt, None))
                    attempt += 1
                    continue
                unclear = "" if safe or unsent else "; ob die Anfrage angekommen ist, ist unklar"
                raise DatevApiError(
                    f"{what}: DATEV ist nicht erreichbar ({type(error).__name__}). Prüfen Sie "
                    f"die Verbindung und versuchen Sie es erneut{unclear}."
                ) from error
            status = response.status_code
            if status == 401 and tokens is not None and not refreshed:
                refreshed = True
                tokens.refresh()
                continue
            if (
                status in _ALWAYS_RETRY or (status >= 500 and safe)
            ) and attempt + 1 < self.retry.attempts:
                self._wait(
                    what,
                    f"HTTP {status}",
                    self.retry.wait(attempt, response.headers.get("Retry-After")),
                )
                attempt += 1
                continue
            if status >= 400:
                message, code, request_id = describe_error(status, response.content, what=what)
                if status == 404 and not_found:  # say which thing is unknown, not a guess
                    message = f"{what}: {not_found}"
                raise DatevApiError(message, status=status, code=code, request_id=request_id)
            return response

    def _tokens_for(self, api: str, path: str) -> TokenSource | None:
        route = getattr(self.tokens, "for_request", None)
        return route(api, path) if route is not None else self.tokens

    def _headers(
        self, auth: str, extra: dict[str, str] | None, tokens: TokenSource | None = None
    ) -> dict[str, str]:
        headers = dict(extra or {})
        if auth == "bearer":
            headers["X-DATEV-Client-Id"] = self.client_id
            if tokens is not None:
                headers["Authorization"] = f"Bearer {tokens.access_token()}"
        return headers

    def _basic(self, auth: str, basic: tuple[str, str] | None) -> tuple[str, str] | None:
        if basic is not None:
            return basic
        return self.connect_auth if auth == "connect" else None

    def _wait(self, what: str, reason: str, seconds: float) -> None:
        log.warning("%s: %s, neuer Versuch in %.1f s", what, reason, seconds)
        self._sleep(seconds)

    def _json(self, method: str, api: str, path: str, *, what: str, **kwargs: Any) -> Any:
        response = self.request(method, api, path, what=what, **kwargs)
        return response.json() if response.content else None

    # --- OAuth -------------------------------------------------------------------------------

    def token(self, form: dict[str, str], *, client_secret: str) -> dict:
        """POST to the token endpoint (form-urlencoded, client_secret_basic).

        Never repeated once sent: a refresh token is single-use, a second try would burn it.
        """
        response = self.request(
            "POST",
            "token",
            "",
            what="Anmeldung bei DATEV",
            auth="none",
            safe=False,
            data=form,
            headers={"Accept": "application/json"},
            basic=(self.client_id, client_secret),
        )
        return response.json()

    def approve_in_sandbox(self, authorize_url: str) -> None:
        """Play the user's browser against the sandbox, which approves a seeded user at once.

        Follows the authorize redirect to the ``redirect_uri`` (our loopback listener). Done
        with urllib, not httpx: httpx and httpcore log URLs and response headers, and this
        redirect carries the authorization code.
        """

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(authorize_url, timeout=30) as answer:
                status, location, body = answer.status, None, answer.read()
        except urllib.error.HTTPError as redirect:
            status, location, body = (
                redirect.code,
                redirect.headers.get("Location"),
                redirect.read(),
            )
        if status not in (302, 303) or not location:
            message, code, request_id = describe_error(
                status, body, what="Anmeldung bei der Sandbox"
            )
            raise DatevApiError(message, status=status, code=code, request_id=request_id)
        with urllib.request.urlopen(location, timeout=30) as answer:
            answer.read()

    def userinfo(self, access_token: str) -> dict:
        """The logged-in DATEV user (OpenID Connect userinfo: ``sub``, ``name``, …)."""
        return self._json(
            "GET",
            "userinfo",
            "",
            what="Benutzerdaten bei DATEV abrufen",
            auth="none",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )

    def revoke(self, token: str, *, client_secret: str, hint: str = "refresh_token") -> None:
        self.request(
            "POST",
            "revoke",
            "",
            what="Abmelden bei DATEV",
            auth="none",
            safe=True,
            data={"token": token, "token_type_hint": hint},
            basic=(self.client_id, client_secret),
        )

    # --- accounting-clients, client basics, document types -----------------------------------

    def list_clients(self, *, page_size: int = 100) -> list[dict]:
        """All clients the user may access (pages through ``skip``/``top``)."""
        return list(
            self._paged(
                "accounting-clients", "/clients", what="Mandanten abrufen", page_size=page_size
            )
        )

    def _paged(self, api: str, path: str, *, what: str, page_size: int) -> Iterator[dict]:
        skip = 0
        while True:
            response = self.request(
                "GET", api, path, what=what, params={"skip": skip, "top": page_size}
            )
            page = response.json()
            yield from page
            total = response.headers.get("Total-Items")
            skip += len(page)
            if not page or len(page) < page_size or (total is not None and skip >= int(total)):
                return

    def get_client(self, client: str) -> dict:
        return self._json(
            "GET",
            "accounting-clients",
            f"/clients/{normalise_client_id(client)}",
            what=f"Mandant {client} abrufen",
            not_found=_unknown_client(client),
        )

    def client_basics(self, client: str) -> dict:
        """ClientBasics with ``basic_accounting_information`` (fiscal years, account length)."""
        return self._json(
            "GET",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}",
            what=f"Stammdaten des Mandanten {client} abrufen",
            not_found=_unknown_client(client),
        )

    def document_types(self, client: str) -> list[dict]:
        return self._json(
            "GET",
            "accounting-documents",
            f"/clients/{normalise_client_id(client)}/document-types",
            what=f"Belegtypen des Mandanten {client} abrufen",
            not_found=_unknown_client(client),
        )

    # --- dxso-jobs (XML-Schnittstelle online) ------------------------------------------------

    def create_dxso_job(self, client: str, *, import_type: str, accounting_month: str) -> dict:
        return self._json(
            "POST",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs",
            what="Datenübertragung anlegen",
            safe=False,
            json={"import_type": import_type, "accounting_month": accounting_month},
        )

    def upload_dxso_file(
        self, client: str, job: str, name: str, content: bytes, media_type: str
    ) -> None:
        self.request(
            "POST",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs/{job}/files",
            what=f"Datei {name} hochladen",
            safe=False,
            files={"files": (name, content, media_type)},
        )

    def finalize_dxso_job(self, client: str, job: str) -> None:
        self.request(
            "PUT",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs/{job}",
            what="Datenübertragung abschließen",
            content=b'{"ready":"true"}',
            headers={"Content-Type": "application/merge-patch+json"},
        )

    def dxso_job(self, client: str, job: str) -> dict:
        return self._json(
            "GET",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs/{job}",
            what="Status der Datenübertragung abrufen",
        )

    def dxso_protocol(self, client: str, job: str) -> list[dict]:
        return self._json(
            "GET",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs/{job}/protocol-entries",
            what="Protokoll der Datenübertragung abrufen",
        )

    def delete_dxso_job(self, client: str, job: str) -> None:
        self.request(
            "DELETE",
            "accounting-dxso-jobs",
            f"/clients/{normalise_client_id(client)}/dxso-jobs/{job}",
            what="Datenübertragung löschen",
        )

    # --- extf-files (Buchungsdatenservice) ---------------------------------------------------

    def upload_extf(
        self, client: str, filename: str, content: bytes, *, reference_id: str | None = None
    ) -> str:
        """Upload one EXTF file; returns the import job id from ``Location``."""
        headers = {"Filename": filename, "Content-Type": "application/octet-stream"}
        if reference_id:
            headers["Reference-Id"] = reference_id
        response = self.request(
            "POST",
            "accounting-extf-files",
            f"/clients/{normalise_client_id(client)}/extf-files/import",
            what=f"EXTF-Datei {filename} hochladen",
            safe=False,
            content=content,
            headers=headers,
        )
        return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

    def list_extf_jobs(self, client: str, *, page_size: int = 100) -> list[dict]:
        return list(
            self._paged(
                "accounting-extf-files",
                f"/clients/{normalise_client_id(client)}/extf-files/jobs",
                what="EXTF-Importe abrufen",
                page_size=page_size,
            )
        )

    def extf_job(self, client: str, job: str) -> dict:
        return self._json(
            "GET",
            "accounting-extf-files",
            f"/clients/{normalise_client_id(client)}/extf-files/jobs/{job}",
            what="Status des EXTF-Imports abrufen",
        )

    # --- documents (Belegbilder) -------------------------------------------------------------

    def put_document(
        self, client: str, guid: str, name: str, content: bytes, media_type: str, *, metadata: str
    ) -> dict:
        """Upload a Belegbild under a GUID chosen by us (safe to repeat: 409 means it is there)."""
        return self._json(
            "PUT",
            "accounting-documents",
            f"/clients/{normalise_client_id(client)}/documents/{guid}",
            what=f"Belegbild {name} hochladen",
            files={"file": (name, content, media_type)},
            data={"metadata": metadata},
        )

    # --- DATEVconnect: master data and order management --------------------------------------

    def connect_get(self, api: str, path: str, *, what: str, params: dict | None = None) -> Any:
        return self._json("GET", api, path, what=what, auth="connect", params=params)

    def post_expense_posting(self, order: str, suborder: str, posting: dict) -> Any:
        """One expense posting per request, as Order Management takes it (201)."""
        return self._json(
            "POST",
            "order-management",
            f"/orders/{order}/suborders/{suborder}/expensepostings",
            what=f"Auslage zum Auftrag {order} buchen",
            auth="connect",
            safe=False,
            json=posting,
        )
