"""The client page: the client answers questions and uploads receipts (Starlette).

Routes::

    GET  /login/{token}          link from the e-mail: token -> session cookie, redirect to /
    GET  /passwort, POST         the password step when "Mandantentalk Passwort" is on
    GET  /                       open questions, answered ones, what is done
    POST /talks/{id}/antwort     answer with text and/or one receipt (CSRF token required)
    GET  /talks/{id}/anhang/{n}  download one of the client's own uploads
    POST /abmelden               end the session
    GET  /_health                200 when serving

A session shows only the talks of its token's client and recipient; any other talk id is a 404
(the page never tells whether it exists). Forms carry a per-session CSRF token; the session
cookie is HttpOnly and SameSite=Strict (Secure when the page is served over https). Bodies over
20 MB (+ form overhead) are refused with 413 before they are read to the end.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.datev.limits import megabytes
from workbench.errors import TalkError
from workbench.talk.access import PageSession
from workbench.talk.store import Talk, TalkStore
from workbench.talk.uploads import MAX_UPLOAD_BYTES

__all__ = ["COOKIE", "ClientPage", "build_talk_app"]

COOKIE = "mandantentalk"
#: Multipart framing and the text field on top of one maximal receipt.
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024
_BERLIN = ZoneInfo("Europe/Berlin")
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), by header and while reading."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(scope, receive, send)
            return
        received, started = 0, False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = HTMLResponse(
        f"<p>Die Datei ist zu groß: erlaubt sind höchstens {megabytes(MAX_UPLOAD_BYTES)} MB je "
        f"Beleg.</p>",
        status_code=413,
    )
    await response(scope, receive, send)


def _berlin(stamp: str | None) -> str:
    from datetime import datetime

    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(_BERLIN).strftime("%d.%m.%Y %H:%M")


def build_talk_app(
    store: TalkStore,
    *,
    password_required: Callable[[str], bool] = lambda client: False,
    secure_cookie: bool = False,
) -> ASGIApp:
    """The client page on ``store``; ``password_required(client)`` is the password option."""
    page = ClientPage(store, password_required=password_required, secure_cookie=secure_cookie)
    routes = [
        Route("/login/{token}", page.login),
        Route("/passwort", page.password, methods=["GET", "POST"]),
        Route("/", page.home),
        Route("/talks/{talk_id:int}/antwort", page.answer, methods=["POST"]),
        Route("/talks/{talk_id:int}/anhang/{attachment_id:int}", page.attachment),
        Route("/abmelden", page.logout, methods=["POST"]),
        Route("/talk.css", page.stylesheet),
        Route("/_health", page.health),
    ]
    # An unknown address or method gets the same German page and headers as a foreign talk.
    handlers = {status: page.not_found for status in (404, 405)}
    return BodyLimit(
        Starlette(routes=routes, exception_handlers=handlers),
        MAX_BODY_BYTES,
    )


class ClientPage:
    """The page's handlers over one talk store. Handlers are async and run on the event loop
    one at a time, so the store's single SQLite connection is never used by two threads."""

    def __init__(
        self, store: TalkStore, *, password_required: Callable[[str], bool], secure_cookie: bool
    ) -> None:
        self.store = store
        self.password_required = password_required
        self.secure_cookie = secure_cookie
        self.templates = Environment(
            loader=PackageLoader("workbench.talk", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.templates.filters["berlin"] = _berlin
        css = resources.files("workbench.talk") / "templates" / "talk.css"
        self.css = css.read_text("utf-8")

    # --- helpers -----------------------------------------------------------------------------

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    def denied(self) -> HTMLResponse:
        return self.render("denied.html", 403)

    async def not_found(self, request: Request, error: Exception) -> HTMLResponse:
        return self.render("not_found.html", getattr(error, "status_code", 404))

    def signed_in(self, request: Request) -> PageSession | None:
        """The session if it exists and passed the password step (if one is required)."""
        page = self.store.session(request.cookies.get(COOKIE))
        return page if page is not None and page.authenticated else None

    def page_html(
        self,
        page: PageSession,
        *,
        status: int = 200,
        sent: str | None = None,
        error: tuple[int, str, str] | None = None,
    ) -> HTMLResponse:
        talks = self.store.talks(client=page.client, recipient=page.recipient)
        groups = {
            s: [t for t in talks if t.status == s] for s in ("offen", "beantwortet", "geschlossen")
        }
        return self.render("page.html", status, page=page, groups=groups, sent=sent, error=error)

    # --- handlers ----------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        page = self.store.login(
            request.path_params["token"], password_required=self.password_required
        )
        if page is None:
            return self.denied()
        target = "/" if page.authenticated else "/passwort"
        response = RedirectResponse(target, status_code=303, headers=_HEADERS)
        response.set_cookie(
            COOKIE,
            page.session_id,
            httponly=True,
            samesite="strict",
            secure=self.secure_cookie,
            path="/",
        )
        return response

    async def password(self, request: Request) -> Response:
        page = self.store.session(request.cookies.get(COOKIE))
        if page is None:
            return self.denied()
        if request.method == "GET":
            missing = not self.store.has_password(page.client, page.recipient)
            return self.render("password.html", page=page, error=None, missing=missing)
        async with request.form(max_files=0, max_fields=5) as form:
            given, secret = form.get("csrf"), str(form.get("password") or "")
        if not _csrf_ok(page, given):
            return self.render("csrf.html", 403)
        if self.store.check_password(page, secret):
            return RedirectResponse("/", status_code=303, headers=_HEADERS)
        if self.store.session(page.session_id) is None:
            return self.denied()  # too many wrong passwords: the token is revoked
        return self.render(
            "password.html", 401, page=page, missing=False, error="Das Passwort ist falsch."
        )

    async def home(self, request: Request) -> Response:
        page = self.signed_in(request)
        if page is None:
            return self.denied()
        talks = self.store.talks(client=page.client, recipient=page.recipient)
        self.store.mark_read(
            [t.id for t in talks if t.status != "geschlossen"],
            client=page.client,
            reader=page.recipient,
        )
        return self.page_html(page, sent=request.query_params.get("gesendet"))

    async def answer(self, request: Request) -> Response:
        page = self.signed_in(request)
        if page is None:
            return self.denied()
        talk = _own_talk(self.store, page, request.path_params["talk_id"])
        if talk is None:
            return self.render("not_found.html", 404)
        # "async with" closes the spooled upload (a temporary file) whatever happens.
        async with request.form(max_files=1, max_fields=5) as form:
            if not _csrf_ok(page, form.get("csrf")):
                return self.render("csrf.html", 403)
            text = str(form.get("text") or "")
            upload = form.get("beleg")
            content = None
            if isinstance(upload, UploadFile) and upload.filename:
                content = (upload.filename, await upload.read())
        try:
            self.store.answer(
                talk.id, client=page.client, sender=page.recipient, text=text, upload=content
            )
        except TalkError as error:
            return self.page_html(page, status=422, error=(talk.id, str(error), text))
        return RedirectResponse(
            f"/?gesendet={talk.id}#talk-{talk.id}", status_code=303, headers=_HEADERS
        )

    async def attachment(self, request: Request) -> Response:
        page = self.signed_in(request)
        if page is None:
            return self.denied()
        talk = _own_talk(self.store, page, request.path_params["talk_id"])
        wanted = request.path_params["attachment_id"]
        found = [a for a in (talk.attachments if talk else ()) if a.id == wanted]
        if not found:
            return self.render("not_found.html", 404)
        return FileResponse(
            self.store.attachment_path(found[0]),
            media_type=found[0].content_type,
            filename=found[0].name,
            headers=_HEADERS,
        )

    async def logout(self, request: Request) -> Response:
        page = self.store.session(request.cookies.get(COOKIE))
        if page is not None:
            async with request.form(max_files=0, max_fields=2) as form:
                given = form.get("csrf")
            if not _csrf_ok(page, given):
                return self.render("csrf.html", 403)
            self.store.revoke_session(page.session_id)
        response = self.render("logged_out.html")
        response.delete_cookie(COOKIE, path="/")
        return response

    async def stylesheet(self, request: Request) -> Response:
        return Response(self.css, media_type="text/css", headers=_HEADERS)

    async def health(self, request: Request) -> Response:
        return Response("ok", media_type="text/plain")


def _csrf_ok(page: PageSession, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given, page.csrf)


def _own_talk(store: TalkStore, page: PageSession, talk_id: int) -> Talk | None:
    """The talk if it belongs to this session's client and recipient, else None (404)."""
    try:
        talk = store.get(talk_id)
    except TalkError:
        return None
    if talk.client != page.client or talk.recipient != page.recipient:
        return None
    return talk
