"""Schritt "Mandant": the client from DATEV's list; choosing another one clears everything.

DATEV's settings of the client (Sachkontenlänge, Wirtschaftsjahre, Beleg-Arten with their
folders) are shown once the checks have fetched them; choosing the Mandant itself sends nothing
to DATEV but the list request.
"""

from __future__ import annotations

import ipywidgets as widgets

from workbench.german import format_date
from workbench.ui.steps import Step
from workbench.ui.tables import message_html

__all__ = ["ClientStep", "settings_text"]


def settings_text(settings) -> str:
    """One line on a client's DATEV settings."""
    years = ", ".join(f"{format_date(s)}–{format_date(e)}" for s, e in settings.fiscal_years)
    kinds = "; ".join(
        f"{t.name}: {t.folder or 'kein Ordner'}" for t in settings.document_types if t.activated
    )
    return (
        f"Sachkontenlänge {settings.account_length or '?'} · Wirtschaftsjahre: {years or 'keine'} "
        f"· Beleg-Arten: {kinds or 'keine'}"
    )


class ClientStep(Step):
    key = "client"
    title = "Mandant"
    needs = "Wählen Sie den Mandanten aus der Liste Ihrer DATEV-Mandanten."

    def build(self) -> None:
        self.client = widgets.Dropdown(
            description="Mandant", options=[], layout=widgets.Layout(width="560px")
        )
        self.client.add_class("wb-client")
        self.client.observe(self.app.runner.guard(self.on_change), names="value")
        self.details = widgets.HTML()
        self.details.add_class("wb-client-details")
        self.body.children = [self.client, self.details]

    def load_clients(self) -> None:
        try:
            clients = self.app.session.connection.datev.list_clients()
        except Exception as error:
            self.say(
                f"Die Mandantenliste von DATEV ist nicht abrufbar: {error}. Prüfen Sie die "
                f"Anmeldung (workbench login) und laden Sie die Seite neu.",
                level="error",
            )
            clients = []
        options = [(f"{c['id']} – {c.get('name', '')}", c["id"]) for c in clients]
        wanted = self.app.session.client
        if wanted and wanted not in {value for _, value in options}:
            options.insert(0, (f"{wanted} (nicht in der DATEV-Liste)", wanted))
        self._quiet = True
        try:
            self.client.options = options
            self.client.value = wanted if wanted else (options[0][1] if options else None)
        finally:
            self._quiet = False
        self.app.session.client = self.client.value
        self.refresh()

    _quiet = False

    def on_change(self) -> None:
        if self._quiet or self.client.value == self.app.session.client:
            return
        self.app.session.switch_client(self.client.value)
        self.app.reset(keep=("client",))
        self.app.changed("client")
        self.app.runner.say(
            f"Mandant {self.client.value} gewählt; alle Ergebnisse des vorigen Mandanten sind "
            f"entfernt. Weiter mit den Quellen.",
            level="ok",
        )

    def refresh(self) -> None:
        session = self.app.session
        settings = session.settings or (session.run.settings if session.run else None)
        if session.client is None:
            self.say("Kein Mandant verfügbar.", level="warning")
        else:
            self.say(f"Mandant {self.client.label or session.client}.", level="ok")
        self.details.value = (
            message_html(settings_text(settings))
            if settings is not None
            else message_html(
                "Die Einstellungen des Mandanten (Sachkontenlänge, Wirtschaftsjahre, Beleg-Arten) "
                "holt die Prüfung von DATEV."
            )
        )

    @property
    def done(self) -> bool:
        return self.app.session.client is not None
