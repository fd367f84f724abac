"""Helpers to use the client page over real sockets like a browser would (cookies, CSRF)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from workbench.talk import Item, TalkStore

#: Clients opened by :func:`login`; the conftest closes them after each test.
OPENED: list[httpx.Client] = []

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def ask(store: TalkStore, client: str, item: str, recipient: str = "chef@mandant.de") -> int:
    talk = store.ask(
        client,
        Item(item, label=f"Beleg {item}"),
        recipient=recipient,
        sender="M. Muster",
        text=f"Bitte den Beleg zu {item} hochladen.",
    )
    return talk.id


def login(
    url: str, store: TalkStore, client: str, recipient: str = "chef@mandant.de", *, days: float = 30
) -> httpx.Client:
    """A browser-like client logged in through a fresh token link."""
    token = store.issue_token(client, recipient, valid_for=timedelta(days=days))
    browser = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
    OPENED.append(browser)
    answer = browser.get(f"/login/{token}")
    assert answer.status_code == 303, answer.text
    return browser


def csrf(browser: httpx.Client) -> str:
    page = browser.get("/")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def answer(
    browser: httpx.Client,
    talk_id: int,
    *,
    text: str = "Anbei.",
    file=None,
    token: str | None = None,
) -> httpx.Response:
    data = {"text": text}
    if token is not False:
        data["csrf"] = token or csrf(browser)
    files = {"beleg": file} if file else None
    return browser.post(f"/talks/{talk_id}/antwort", data=data, files=files)
