"""The client page in Debian's chromium (Playwright), used as a client would: open the link from
the e-mail, read the questions, answer one with text and a PDF, try a file that is no receipt.
Screenshots go to ``artifacts/screenshots/`` (gitignored); ``talk.png`` is the one in docs/."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from pages import PDF

from workbench.talk import Item

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--lang=de-DE",
]
CLIENT = "455148-1"

pytestmark = pytest.mark.browser


def _questions(store) -> tuple[int, int]:
    first = store.ask(
        CLIENT,
        Item(
            "BEL-0042-1",
            kind="receipts",
            source="belege.csv",
            row=2,
            label="Beleg ER-2026-0042, BEL-0042, 02.01.2026, 1.190,00 EUR, Bürobedarf Muster GmbH",
        ),
        recipient="chef@mandant.de",
        sender="Maria Muster",
        text="Uns fehlt die Rechnung zu diesem Einkauf. Bitte laden Sie sie hoch.",
    )
    second = store.ask(
        CLIENT,
        Item(
            "B1a2b3c4d5e6f",
            kind="bank",
            label="Kontoumsatz 21.01.2026, -45,90 EUR, Tankstelle Nord, Kartenzahlung 20.01.2026",
        ),
        recipient="chef@mandant.de",
        sender="Maria Muster",
        text="Beleg fehlt: Wofür war diese Kartenzahlung?",
    )
    done = store.ask(
        CLIENT,
        Item("BEL-0101-1", label="Beleg RA-2026-0101, 2.380,00 EUR"),
        recipient="chef@mandant.de",
        sender="Maria Muster",
        text="Erledigt?",
    )
    store.answer(done.id, client=CLIENT, sender="chef@mandant.de", text="Ja, bezahlt.")
    return first.id, second.id


def test_client_answers_with_text_and_pdf_in_chromium(page, store, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} fehlt: apt-get install -y chromium (Playwright lädt keinen).")
    from playwright.sync_api import expect, sync_playwright

    first, second = _questions(store)
    token = store.issue_token(CLIENT, "chef@mandant.de", valid_for=timedelta(days=30))
    receipt = tmp_path / "Rechnung ER-2026-0042.pdf"
    receipt.write_bytes(PDF)
    fake = tmp_path / "rechnung.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 512)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            view = browser.new_page(viewport={"width": 1000, "height": 1100}, locale="de-DE")
            view.goto(f"{page.url}/login/{token}")
            expect(view).to_have_url(f"{page.url}/")
            expect(view.get_by_role("heading", name="Offene Fragen")).to_be_visible()
            expect(view.locator(".count.open strong")).to_have_text("2")
            card = view.locator(f"#talk-{first}")
            expect(card).to_contain_text("Uns fehlt die Rechnung")
            view.screenshot(path=str(SCREENSHOTS / "talk-01-fragen.png"), full_page=True)

            card.get_by_label("Ihre Antwort").fill("Anbei die Rechnung, bezahlt am 10.01.")
            card.get_by_label("Beleg hochladen").set_input_files(str(receipt))
            card.get_by_role("button", name="Antwort senden").click()
            expect(view.get_by_role("status")).to_contain_text("Danke!")
            expect(view.locator(".count.open strong")).to_have_text("1")
            answered = view.locator(f"#talk-{first}")
            expect(answered).to_contain_text("Rechnung ER-2026-0042.pdf")
            view.screenshot(path=str(SCREENSHOTS / "talk-02-beantwortet.png"), full_page=True)

            other = view.locator(f"#talk-{second}")
            other.get_by_label("Ihre Antwort").fill("Das war Diesel.")
            other.get_by_label("Beleg hochladen").set_input_files(str(fake))
            other.get_by_role("button", name="Antwort senden").click()
            expect(view.locator(f"#talk-{second} [role=alert]")).to_contain_text(
                "weder ein PDF noch ein Bild"
            )
            # what the client wrote is still there to send again
            expect(view.locator(f"#talk-{second}").get_by_label("Ihre Antwort")).to_have_value(
                "Das war Diesel."
            )
            view.screenshot(path=str(SCREENSHOTS / "talk-03-falsche-datei.png"), full_page=True)

            mobile = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE")
            mobile.context.add_cookies(view.context.cookies())
            mobile.goto(f"{page.url}/")
            mobile.screenshot(path=str(SCREENSHOTS / "talk-04-handy.png"), full_page=True)
        finally:
            browser.close()
    talk = store.get(first)
    assert talk.status == "beantwortet"
    assert [a.name for a in talk.attachments] == ["Rechnung ER-2026-0042.pdf"]
    assert store.attachment_path(talk.attachments[0]).read_bytes() == PDF
    assert store.get(second).status == "offen" and store.get(second).attachments == ()
    shutil.copy(SCREENSHOTS / "talk-02-beantwortet.png", SCREENSHOTS / "talk.png")
