"""Reiter "Zugänge": die Kanzlei wählen, die Zugangsschlüssel der Kanzlei (seed 001,
"Zugangsschlüsselverwaltung"): Übersicht, neuen Zugangsschlüssel anfordern, widerrufen (mit
Rückfrage), Link "Verbundene Anwendungen bei DATEV verwalten".
"""

from __future__ import annotations

import time
import webbrowser
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.config import Settings, list_kanzleien
from workbench.transfer.access import open_registry, open_tokens, request_token, revoke_token
from workbench.transfer.tokens import DATA_SERVICES
from workbench.ui.tables import frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["CONNECTED_APPS_URL", "TokensTab"]

CONNECTED_APPS_URL = "https://apps.datev.de/tokrevui"
_LABELS = {
    "id": "ID",
    "type": "Tokentyp",
    "person": "Person",
    "datenbestand": "Datenbestand",
    "service": "Datenservice",
    "issued_at": "Ausgestellt am",
    "renewed_at": "Letzte Verlängerung am",
    "expires_at": "Ablauf am",
    "revoked_at": "Widerrufen am",
    "status": "Status",
}


def _german(value: str | None) -> str:
    if not value:
        return ""
    day, clock = value[:10], value[11:16]
    return f"{day[8:10]}.{day[5:7]}.{day[:4]} {clock}"


class TokensTab:
    title = "Zugänge"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        settings = app.session.connection.settings
        self.kanzlei = widgets.Dropdown(
            description="Kanzlei", options=list_kanzleien(), value=settings.kanzlei
        )
        self.kanzlei.add_class("wb-kanzlei")
        self.kanzlei.observe(self._on_kanzlei, names="value")
        self.overview = widgets.HTML()
        self.overview.add_class("wb-tokens")
        self.service = widgets.Dropdown(
            description="Datenservice",
            options=[(service.label, service.name) for service in DATA_SERVICES.values()],
            layout=widgets.Layout(width="360px"),
        )
        self.long = widgets.Checkbox(description="Langzeittoken (2 Jahre)", value=False)
        self.bestand = widgets.Text(description="Datenbestand", placeholder="455148-1")
        self.request = widgets.Button(
            description="Neuen Zugangsschlüssel anfordern", button_style="primary", icon="key"
        )
        self.request.add_class("wb-request-token")
        self.request.on_click(app.runner.guard(self.on_request))
        self.entry = widgets.Dropdown(
            description="Schlüssel", options=[], layout=widgets.Layout(width="480px")
        )
        self.revoke = widgets.Button(description="Widerrufen", button_style="danger", icon="ban")
        self.revoke.add_class("wb-revoke")
        self.revoke.on_click(app.runner.guard(self.ask))
        self.confirm = widgets.Button(
            description="Ja, widerrufen", button_style="warning", disabled=True
        )
        self.confirm.add_class("wb-revoke-confirm")
        self.confirm.on_click(app.runner.guard(self.on_revoke))
        self.question = widgets.HTML()
        link = widgets.HTML(
            f'<a class="wb-connected-apps" href="{CONNECTED_APPS_URL}" target="_blank" '
            'rel="noopener noreferrer" style="color:#1565c0;text-decoration:underline">'
            "Verbundene Anwendungen bei DATEV verwalten</a>"
        )
        self.widget = widgets.VBox(
            [
                self.kanzlei,
                widgets.HTML("<b>Übersicht Zugangsschlüssel</b> (max. 10 Einträge)"),
                self.overview,
                widgets.HBox([self.service, self.long, self.bestand, self.request]),
                widgets.HBox([self.entry, self.revoke, self.confirm]),
                self.question,
                link,
            ]
        )
        self.refresh()

    @property
    def _settings(self) -> Settings:
        return self.app.session.connection.settings

    def refresh(self) -> None:
        # A Langzeittoken is usually wanted for the Mandant at hand.
        self.bestand.placeholder = self.app.session.client or "455148-1"
        registry = open_registry(self._settings)
        now = time.time()
        rows = [entry.overview(now) for entry in registry.entries()] if registry else []
        if not rows:
            self.overview.value = message_html(
                "Noch keine Zugangsschlüssel"
                + (
                    " (die Sandbox braucht keine Anmeldung)."
                    if self._settings.mode == "sandbox"
                    else ". Fordern Sie einen an."
                )
            )
        else:
            frame = pl.DataFrame(rows).with_columns(
                *(pl.col(name).map_elements(_german, return_dtype=pl.String)
                  for name in ("issued_at", "renewed_at", "expires_at", "revoked_at")),
                pl.col("datenbestand").fill_null("Bestand auswählen"),
            )  # fmt: skip
            self.overview.value = frame_html(frame, labels=_LABELS, severity=None)
        set_options(
            self.entry,
            [(f"{row['id']} · {row['type']} · {row['service']}", row["id"])
             for row in rows if row["status"] == "aktiv"],
        )  # fmt: skip

    def on_request(self) -> None:
        settings = self._settings
        datev = self.app.session.connection.datev
        service, long, bestand = self.service.value, self.long.value, self.bestand.value.strip()

        def work(progress):
            progress(0, 1, "Anmeldung bei DATEV")
            browser = webbrowser.open if settings.mode == "production" else None
            entry = request_token(
                settings, datev, service=service, long=long, client=bestand or None,
                open_browser=browser,
            )  # fmt: skip
            datev.tokens = open_tokens(settings, datev)
            return entry

        def done(entry) -> None:
            self.refresh()
            self.question.value = message_html(
                f"Zugangsschlüssel {entry.id} ({entry.type}) ist aktiv.", level="ok"
            )

        self.app.runner.run("Anmelden", work, done, success="Angemeldet.")

    def ask(self) -> None:
        """First click: say what revoking means; "Ja, widerrufen" does it."""
        if self.entry.value is None:
            self.app.runner.say("Bitte einen aktiven Zugangsschlüssel wählen.", level="warning")
            return
        self.question.value = message_html(
            f"Zugangsschlüssel {self.entry.value} bei DATEV widerrufen? Er wird inaktiv; für "
            "den nächsten Zugriff ist eine neue Anmeldung nötig.",
            level="warning",
        )
        self.confirm.disabled = False

    def on_revoke(self) -> None:
        settings, datev = self._settings, self.app.session.connection.datev
        identifier = self.entry.value

        def work(progress):
            progress(0, 1, "Widerrufen bei DATEV")
            return revoke_token(settings, datev, identifier)

        def done(entry) -> None:
            self.confirm.disabled = True
            self.question.value = message_html(
                f"Zugangsschlüssel {entry.id} ist widerrufen.", level="ok"
            )
            self.refresh()

        self.app.runner.run("Widerrufen", work, done, success="Widerrufen.")

    def _on_kanzlei(self, change: dict) -> None:
        if change["new"] and change["new"] != self._settings.kanzlei:
            self.app.switch_kanzlei(change["new"])
