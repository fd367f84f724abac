"""Schritt "Abgleich mit DATEV": what DATEV booked, read back and compared with what was sent.

After the protocol: DATEV's bookings of the month (Accounting Data Exchange, the data service
"Datenservice Export Rechnungswesen") against the bookings the workbench sent, and, if asked,
the sources of the step "Quellen" as the third side. The differences come first, each with its
source row and what to do; then the accounts with DATEV's Kontenbeschriftung and a chart of
sent vs booked per account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.errors import ConfigError
from workbench.german import format_count, format_month, parse_month
from workbench.kinds import kind_spec
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, message_html

if TYPE_CHECKING:
    from workbench.reconcile import Reconciliation
    from workbench.transfer.jobs import Progress
    from workbench.ui.session import Session

__all__ = ["ReconcileStep"]


class ReconcileStep(Step):
    key = "reconcile"
    title = "Abgleich mit DATEV"
    needs = (
        "Liest, was DATEV für den Monat gebucht hat, und vergleicht es mit dem Gesendeten "
        "(und den Quellen): Abweichungen zuerst, dann je Konto."
    )

    def build(self) -> None:
        self.result: Reconciliation | None = None
        self.month = widgets.Text(description="Monat", placeholder="2026-01 oder Januar 2026")
        self.month.add_class("wb-reconcile-month")
        self.with_sources = widgets.Checkbox(
            description="Quellen des Schritts „Quellen“ einbeziehen", value=True
        )
        self.run = widgets.Button(description="Abgleich starten", icon="balance-scale")
        self.run.add_class("wb-reconcile-run")
        self.run.on_click(self.app.runner.guard(self.start))
        self.summary = widgets.HTML()
        self.summary.add_class("wb-reconcile-summary")
        self.differences = PagedTable(
            page_size=25,
            severity=None,
            css_class="wb-reconcile-differences",
            unit="Abweichungen",
            one_line={"Meldung": 560},
        )
        self.chart = widgets.HTML()
        self.chart.add_class("wb-reconcile-chart")
        self.accounts = PagedTable(
            page_size=50, severity=None, css_class="wb-reconcile-accounts", unit="Konten"
        )
        self.notes = widgets.HTML()
        self.body.children = [
            widgets.HBox([self.month, self.run]),
            self.with_sources,
            self.summary,
            widgets.HTML("<b>Abweichungen</b>"),
            self.differences.widget,
            widgets.HTML("<b>Je Konto</b> (Soll positiv, Haben negativ; Bezeichnung von DATEV)"),
            self.chart,
            self.accounts.widget,
            self.notes,
        ]

    def refresh(self) -> None:
        session = self.app.session
        if not self.month.value:
            self.month.value = _default_month(session)
        if session.client is None:
            self.say("Zuerst im Schritt „Mandant“ einen Mandanten wählen.")
        elif self.result is None:
            self.say("Monat wählen und „Abgleich starten“: DATEV stellt die Buchungen bereit.")

    def start(self) -> None:
        session = self.app.session
        if session.client is None:
            raise ConfigError("Zuerst im Schritt „Mandant“ einen Mandanten wählen.")
        client, period = session.client, parse_month(self.month.value)
        sources = self._sources() if self.with_sources.value else []

        def work(progress: Progress) -> Reconciliation:
            from workbench.pipeline import map_sources, reconcile_run

            connection = session.connection
            progress(0, 2, "Quellen prüfen und abbilden")
            mapped = map_sources(
                connection, sources, client=client, period=period, pos_mapping=session.pos_mapping
            )
            progress(1, 2, "Buchungen von DATEV lesen und vergleichen")
            return reconcile_run(connection, client=client, period=period, sources=mapped)

        self.app.runner.run("Abgleich mit DATEV", work, self.show, success=None)

    def _sources(self) -> list[tuple[str, list, str | None]]:
        session = self.app.session
        if not session.files or kind_spec(session.kind).billed:
            return []  # call lists are booked in DATEV Eigenorganisation, not compared here
        return [(session.kind, list(session.files), session.profile)]

    def show(self, result: Reconciliation) -> None:
        from workbench.charts import sent_and_booked, svg
        from workbench.reconcile.tables import accounts_table, differences_table

        self.result = result
        counts = result.counts
        self.summary.value = message_html(
            f"{result.client}, {format_month(result.period)}: {format_count(counts['sent'])} "
            f"gesendete und {format_count(counts['booked'])} bei DATEV gebuchte Buchungen"
            + (f", {format_count(counts['source'])} aus den Quellen" if result.with_sources else "")
            + "."
        )
        self.differences.set_frame(differences_table(result))
        accounts = accounts_table(result)
        self.accounts.set_frame(accounts)
        self.chart.value = svg(sent_and_booked(accounts)) if accounts.height else ""
        self.notes.value = "".join(message_html(note) for note in result.notes)
        found = result.differences.height
        self.say(
            f"{format_count(found)} Abweichungen: klären Sie sie mit der Kanzlei (Meldung je "
            "Beleg)."
            if found
            else "Keine Abweichungen: Gesendetes und bei DATEV Gebuchtes stimmen überein.",
            level="error" if found else "ok",
        )
        self.app.changed("reconcile")

    @property
    def done(self) -> bool:
        return self.result is not None

    def reset(self) -> None:
        self.result = None
        self.month.value = ""
        self.summary.value = self.chart.value = self.notes.value = ""
        self.differences.clear()
        self.accounts.clear()


def _default_month(session: Session) -> str:
    """The period chosen in the app if it is one month, else the newest transfer's month."""
    if isinstance(session.period, str):
        return session.period
    if session.client is None:
        return ""
    transfers = session.connection.ledger.transfers(client=session.client)
    months = [transfer.month for transfer in transfers if transfer.month]
    return max(months) if months else ""
