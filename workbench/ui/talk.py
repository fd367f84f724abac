"""Reiter "Mandantentalk": Positionen mit Talk (Talk-Filter nach Status), der Verlauf neben der
Position mit Antworten und hochgeladenen Belegen, eine neue Frage stellen, einen Talk schließen
und die E-Mail zu einem Talk sofort senden (seed 002).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.german import format_datetime
from workbench.talk import INTERN, Item, TalkStore
from workbench.talk.store import Talk
from workbench.ui.tables import frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["STATUS_SYMBOLS", "TalkTab"]

#: Seed 002's status symbols: empty bubble, bubble with dots, internal, closed.
STATUS_SYMBOLS = {
    "offen": "🗨 wartet auf den Mandanten",
    "beantwortet": "💬 beantwortet",
    "intern": "👥 intern",
    "geschlossen": "✓ geschlossen",
}
_FILTERS = [
    ("Nicht geschlossene", "nicht geschlossen"),
    ("Wartet auf den Mandanten", "offen"),
    ("Beantwortet", "beantwortet"),
    ("Intern", "intern"),
    ("Geschlossen", "geschlossen"),
    ("Alle", "alle"),
]


class TalkTab:
    title = "Mandantentalk"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.status = widgets.Dropdown(description="Talk-Filter", options=_FILTERS)
        self.status.observe(lambda _: app.runner.guard(self.refresh)(), names="value")
        self.reload = widgets.Button(description="Neu laden", icon="refresh")
        self.reload.on_click(app.runner.guard(self.refresh))
        self.overview = widgets.HTML()
        self.overview.add_class("wb-talks")
        self.choice = widgets.Dropdown(description="Talk", options=[])
        self.choice.observe(lambda _: self.show(), names="value")
        self.thread = widgets.HTML()
        self.thread.add_class("wb-talk-thread")
        self.close_button = widgets.Button(description="Talk schließen", button_style="danger")
        self.close_button.add_class("wb-talk-close")
        self.close_button.on_click(app.runner.guard(self.on_close))
        self.send_button = widgets.Button(description="E-Mail jetzt senden", icon="envelope")
        self.send_button.on_click(app.runner.guard(self.on_send))
        self.item = widgets.Text(description="Position", placeholder="Positions- oder Beleg-ID")
        self.recipient = widgets.Text(description="Empfänger", placeholder="E-Mail oder intern")
        self.sender = widgets.Text(description="Absender", placeholder="Ihr Name")
        self.text = widgets.Textarea(description="Nachricht", layout=widgets.Layout(width="520px"))
        self.ask_button = widgets.Button(description="Frage stellen", button_style="primary")
        self.ask_button.add_class("wb-talk-ask")
        self.ask_button.on_click(app.runner.guard(self.on_ask))
        self.message = widgets.HTML()
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.status, self.reload]),
                self.overview,
                self.choice,
                self.thread,
                widgets.HBox([self.close_button, self.send_button]),
                widgets.HTML("<b>Neue Frage an den Mandanten</b>"),
                self.item,
                self.recipient,
                self.sender,
                self.text,
                self.ask_button,
                self.message,
            ]
        )

    def _store(self) -> TalkStore:
        return TalkStore.open(self.app.session.connection.settings)

    def _talks(self) -> list[Talk]:
        chosen = self.status.value
        if not self.app.session.connection.settings.talk_path.is_file():
            return []  # no talk yet: nothing to open (and no empty store created)
        with self._store() as store:
            talks = store.talks(
                client=self.app.session.client,
                status=None if chosen in ("alle", "nicht geschlossen") else chosen,
            )
        if chosen == "nicht geschlossen":
            talks = [talk for talk in talks if talk.status != "geschlossen"]
        return talks

    def refresh(self) -> None:
        """The talk filter: only items with talks, in the chosen status, oldest first."""
        talks = self._talks()
        rows = [
            {
                "Talk": talk.id,
                "Status": STATUS_SYMBOLS[talk.status],
                "Position": talk.label or talk.item_id,
                "Quelle": f"{talk.source}:{talk.row}" if talk.source else "",
                "Befunde": self._findings_of(talk.item_id),
                "Empfänger": talk.recipient,
                "Letzte Nachricht": (talk.visible_messages or talk.messages)[-1].text[:80],
                "Belege": ", ".join(a.name for a in talk.attachments),
            }
            for talk in talks
        ]
        frame = pl.DataFrame(rows) if rows else pl.DataFrame({"Talk": []})
        self.overview.value = frame_html(frame, severity=None)
        set_options(
            self.choice,
            [(f"{t.id}: {t.label or t.item_id} ({t.status})", t.id) for t in talks],
        )
        self.show()

    def _findings_of(self, item_id: str) -> str:
        """Findings of the loaded run for this item, so the question sits beside the item."""
        run = self.app.session.run
        if run is None or run.findings.is_empty():
            return ""
        rules = run.findings.filter(pl.col("item_id") == item_id)["rule"].unique().sort()
        return ", ".join(rules.to_list())

    def show(self) -> None:
        """The chosen talk's thread: Kanzlei left, the client's answers right in yellow."""
        if self.choice.value is None:
            self.thread.value = ""
            return
        with self._store() as store:
            talk = store.get(self.choice.value)
            paths = {a.id: store.attachment_path(a) for a in talk.attachments}
        bubbles = []
        for message in talk.visible_messages:
            client = message.author == "mandant"
            files = "".join(
                f"<div>📎 {html.escape(a.name)} – Belegbild ab der nächsten Prüfung "
                f"<code>{html.escape(str(paths[a.id]))}</code></div>"
                for a in message.attachments
            )
            side = "margin-left:auto;background:#fff3b8" if client else "background:#f0f0f0"
            bubbles.append(
                f'<div class="wb-bubble" style="max-width:70%;margin:4px 0;padding:6px 10px;'
                f'border-radius:8px;{side}">'
                f'<div style="color:#666;font-size:90%">{html.escape(message.sender)} · '
                f"{html.escape(format_datetime(message.at))} · "
                f"{html.escape(message.delivery)}</div>"
                f"<div style='white-space:pre-wrap'>{html.escape(message.text)}</div>{files}</div>"
            )
        self.thread.value = (
            f"<div><b>{html.escape(talk.label or talk.item_id)}</b> – "
            f"{html.escape(STATUS_SYMBOLS[talk.status])}</div>" + "".join(bubbles)
        )
        self.close_button.disabled = talk.status == "geschlossen"
        self.send_button.disabled = talk.recipient == INTERN or talk.status == "geschlossen"

    def on_ask(self) -> None:
        client = self.app.session.client
        if not client:
            self.message.value = message_html("Bitte zuerst einen Mandanten wählen.", level="error")
            return
        if not self.item.value.strip():
            self.message.value = message_html("Bitte die Position angeben.", level="error")
            return
        with self._store() as store:
            talk = store.ask(
                client,
                Item(self.item.value.strip()),
                recipient=self.recipient.value,
                sender=self.sender.value,
                text=self.text.value,
            )
        self.text.value = ""
        self.message.value = message_html(
            f"Talk {talk.id} gestartet; die E-Mail geht gesammelt mit 'workbench talk send' "
            f"oder sofort mit 'E-Mail jetzt senden'.",
            level="ok",
        )
        self.refresh()
        self.choice.value = talk.id

    def on_close(self) -> None:
        if self.choice.value is None:
            return
        with self._store() as store:
            store.close_talk(self.choice.value, by=self.sender.value.strip() or store.user)
        self.message.value = message_html(f"Talk {self.choice.value} geschlossen.", level="ok")
        self.refresh()

    def on_send(self) -> None:
        from workbench.mail import smtp_settings
        from workbench.talk import send_due

        if self.choice.value is None:
            return
        settings = self.app.session.connection.settings
        with self._store() as store:
            count = send_due(
                store,
                smtp_settings(settings),
                base_url=settings.talk_url,
                talk_id=self.choice.value,
                token_days=int(settings.talk.get("token_days", 30)),
                kanzlei=settings.talk.get("kanzlei"),
            )
        self.message.value = message_html(f"{count} E-Mail(s) gesendet.", level="ok")
        self.show()
