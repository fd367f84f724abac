"""The app's Mandantentalk tab: talk filter, the thread beside the item's findings, asking,
closing, and the client's receipt becoming the Belegbild on the next check."""

from __future__ import annotations

from pathlib import Path

from workbench.talk import Item, TalkStore

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
PDF = b"%PDF-1.4\n%%EOF\n"


def test_talk_filter_thread_ask_and_close(make_app, connection):
    app = make_app(client="455148-1", files=[DATA / "receipts.csv"])
    talk_tab = app.tabs["talk"]
    assert "(keine Zeilen)" in talk_tab.overview.value
    assert not connection.settings.talk_path.exists()  # looking creates no store
    app.tabs["sources"].load.click()
    app.tabs["checks"].check.click()

    talk_tab.item.value = "BEL-0042-1"
    talk_tab.recipient.value = "chef@mandant.de"
    talk_tab.sender.value = "M. Muster"
    talk_tab.text.value = "Bitte die Rechnung hochladen."
    talk_tab.ask_button.click()
    assert "Talk 1 gestartet" in talk_tab.message.value
    with TalkStore.open(connection.settings) as store:
        store.ask(
            "455148-1",
            Item("BEL-0043-1"),
            recipient="intern",
            sender="M. Muster",
            text="Skonto prüfen",
        )
        store.answer(
            1,
            client="455148-1",
            sender="chef@mandant.de",
            text="Anbei",
            upload=("Rechnung.pdf", PDF),
        )
    talk_tab.refresh()
    assert "attachment.missing" in talk_tab.overview.value  # the item's findings beside it
    assert "💬 beantwortet" in talk_tab.overview.value and "👥 intern" in talk_tab.overview.value
    talk_tab.status.value = "intern"
    assert "BEL-0043-1" in talk_tab.overview.value and "BEL-0042-1" not in talk_tab.overview.value
    talk_tab.status.value = "beantwortet"
    talk_tab.choice.value = 1
    assert "Rechnung.pdf" in talk_tab.thread.value and "#fff3b8" in talk_tab.thread.value
    # Tour 28 #6: times as the client page shows them (Berlin, 31.01.2026 14:03), no "UTC".
    from workbench.german import format_datetime

    with TalkStore.open(connection.settings) as store:
        asked_at = store.get(1).visible_messages[0].at
    assert f"M. Muster · {format_datetime(asked_at)} ·" in talk_tab.thread.value
    assert "UTC" not in talk_tab.thread.value
    assert "seed" not in app.tabs["talk"].needs

    app.tabs["checks"].check.click()  # the upload is the Belegbild now
    talk_tab.refresh()
    assert "attachment.missing" not in talk_tab.overview.value

    talk_tab.close_button.click()
    assert "Talk 1 geschlossen" in talk_tab.message.value
    talk_tab.status.value = "geschlossen"
    assert "✓ geschlossen" in talk_tab.overview.value
