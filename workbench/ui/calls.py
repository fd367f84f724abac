"""Schritt "Anrufe" (für Anruflisten): Abrechnung je Mandant, ungeklärte Rufnummern mit
Kandidaten, "Adressat ändern" und "Neues Gespräch" (seed 000), Notizen, Übertragung als Aufwände
(mit Rückfrage).

Every change becomes a :class:`~workbench.calls.CallAssignment` and the log is billed again by
:func:`~workbench.calls.bill_calls`; invalid assignments come back as findings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.calls import CallAssignment, bill_calls
from workbench.findings import concat_findings
from workbench.german import CALL_TITLES, MATCH_STATUS_WORDS, POSTING_STATUS_WORDS
from workbench.pipeline import map_run, package_run, send_run
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.pipeline import CheckedRun

__all__ = ["CallsStep"]

_UNRESOLVED = {
    name: CALL_TITLES[name]
    for name in (
        "call_id",
        "started_at",
        "duration_s",
        "remote_number",
        "match_status",
        "candidates",
        "reason",
    )
}
_SUMMARY = {
    name: CALL_TITLES[name]
    for name in ("client_number", "client_name", "month", "calls", "seconds", "billed_minutes")
} | {"hours": CALL_TITLES["hours"]}
_POSTED = ("call_id", "part", "client_number", "month", "billed_minutes", "status", "message")


class CallsStep(Step):
    key = "calls"
    title = "Anrufe"
    in_flow = False
    needs = (
        "Nur für Anruflisten (Quellart Anrufliste): Abrechnung je Mandant, ungeklärte "
        "Rufnummern zuordnen, Aufwände an DATEV übertragen."
    )

    def build(self) -> None:
        app = self.app
        self.info = widgets.HTML(message_html("Bitte eine Anrufliste laden und prüfen."))
        self.info.add_class("wb-calls-info")
        self.summary = widgets.HTML()
        self.summary.add_class("wb-calls-summary")
        self.unresolved = PagedTable(
            page_size=15,
            severity=None,
            css_class="wb-unresolved",
            unit="Gespräche",
            labels=_UNRESOLVED,
        )
        self.call = widgets.Dropdown(
            description="Gespräch", options=[], layout=widgets.Layout(width="520px")
        )
        self.call.add_class("wb-call")
        self.client = widgets.Dropdown(
            description="Mandant", options=[], layout=widgets.Layout(width="520px")
        )
        self.client.add_class("wb-call-client")
        self.seconds = widgets.IntText(
            description="Sekunden",
            value=0,
            tooltip="Neues Gespräch: nach wie vielen Sekunden seit "
            "Gesprächsbeginn der neue Teil beginnt",
        )
        self.note = widgets.Text(description="Notiz", layout=widgets.Layout(width="520px"))
        self.reassign = widgets.Button(description="Adressat ändern", icon="user")
        self.reassign.add_class("wb-reassign")
        self.reassign.on_click(app.runner.guard(self.on_reassign))
        self.split = widgets.Button(
            description="Neues Gespräch",
            icon="scissors",
            tooltip="Einen weiteren Teil (virtuelles Gespräch) anhängen",
        )
        self.split.add_class("wb-split")
        self.split.on_click(app.runner.guard(self.on_split))
        self.clear = widgets.Button(
            description="Zuordnung verwerfen", icon="undo", layout=widgets.Layout(width="200px")
        )
        self.clear.on_click(app.runner.guard(self.on_clear))
        self.assigned = widgets.HTML()
        self.assigned.add_class("wb-assignments")
        self.post = widgets.Button(
            description="Aufwände übertragen",
            button_style="primary",
            icon="paper-plane",
            layout=widgets.Layout(width="220px"),
        )
        self.post.on_click(app.runner.guard(self.on_post))
        self.question = widgets.HTML()
        self.confirm = widgets.Button(description="Übertragen", button_style="danger")
        self.confirm.on_click(app.runner.guard(self.on_confirm_post))
        self.cancel = widgets.Button(description="Abbrechen")
        self.cancel.on_click(app.runner.guard(self._hide_confirmation))
        self.confirmation = widgets.VBox(
            [self.question, widgets.HBox([self.confirm, self.cancel])],
            layout=widgets.Layout(display="none"),
        )
        self.posted = widgets.HTML()
        self.body.children = [
            self.info,
            widgets.HTML("<b>Abrechnung je Mandant und Monat</b>"),
            self.summary,
            widgets.HTML("<b>Ungeklärte Rufnummern</b>"),
            self.unresolved.widget,
            widgets.HTML(
                "<b>Zuordnen</b> (Adressat ändern: ein Mandant für das ganze Gespräch; "
                "Neues Gespräch: ab Sekunde … zählt die Zeit für den gewählten "
                "Mandanten, mit eigener Notiz)"
            ),
            self.call,
            self.client,
            self.seconds,
            self.note,
            widgets.HBox([self.reassign, self.split, self.clear]),
            self.assigned,
            self.post,
            self.confirmation,
            self.posted,
        ]
        self.next_button.layout.display = "none"

    def reset(self) -> None:
        self.info.value = message_html("Bitte eine Anrufliste laden und prüfen.")
        self.summary.value = ""
        self.unresolved.clear()
        self.assigned.value = ""
        self.posted.value = ""
        self._hide_confirmation()

    @property
    def run(self) -> CheckedRun | None:
        """The checked run, if it is a billed kind (a call log)."""
        run = self.app.session.run
        return run if run is not None and run.spec.billed else None

    def refresh(self) -> None:
        run = self.run
        if run is None:
            self.info.value = message_html(
                "Bitte eine Anrufliste (Quellart Anrufliste) laden und prüfen."
            )
            return
        billing, directory = run.call_billing()
        lines = billing.lines
        counts = dict(lines.group_by("status").len().iter_rows())
        self.info.value = message_html(
            f"{lines.height} Gespräche: {counts.get('billed', 0)} abgerechnet, "
            f"{counts.get('unresolved', 0)} ungeklärt, {counts.get('blocked', 0)} gesperrt, "
            f"{counts.get('ignored', 0)} ignoriert.",
            level="warning" if counts.get("unresolved") else "ok",
        )
        self.summary.value = frame_html(
            # a Mandantennummer is a name, not an amount: 55003, not 55.003
            billing.summary()
            .select(list(_SUMMARY))
            .with_columns(pl.col("client_number").cast(pl.String)),
            severity=None,
            labels=_SUMMARY,
        )
        open_lines = lines.filter(pl.col("status") == "unresolved")
        self.unresolved.set_frame(
            open_lines.select(list(_UNRESOLVED)).with_columns(
                pl.col("match_status").replace(MATCH_STATUS_WORDS)
            )
        )
        first = open_lines["call_id"].unique(maintain_order=True).to_list()
        rest = [c for c in lines["call_id"].unique(maintain_order=True).to_list() if c not in first]
        set_options(self.call, [(f"{c} (ungeklärt)", c) for c in first] + [(c, c) for c in rest])
        clients = directory.clients.filter(pl.col("client_active"))
        set_options(
            self.client,
            [
                (f"{row['client_number']} – {row['client_name']}", row["client_id"])
                for row in clients.iter_rows(named=True)
            ],
        )
        self._show_assignments()

    def _show_assignments(self) -> None:
        assignments = self.app.session.assignments
        rows = [
            {"call_id": a.call_id, "client": str(a.client), "seconds": a.seconds, "note": a.note}
            for a in assignments
        ]
        problems = (
            self.run.findings.filter(pl.col("rule") == "calls.invalid_assignment")
            if self.run is not None
            else pl.DataFrame()
        )
        self.assigned.value = (
            frame_html(
                pl.DataFrame(rows),
                severity=None,
                labels={
                    "call_id": "Gespräch",
                    "client": "Mandant",
                    "seconds": "Sekunden",
                    "note": "Notiz",
                },
            )
            if rows
            else ""
        ) + "".join(
            message_html(text, level="error")
            for text in (problems["message"].to_list() if problems.height else [])
        )

    def _part(self) -> CallAssignment | None:
        if self.run is None:
            self.app.runner.say("Bitte zuerst eine Anrufliste laden und prüfen.", level="warning")
            return None
        if self.call.value is None or self.client.value is None:
            self.app.runner.say("Bitte Gespräch und Mandant wählen.", level="warning")
            return None
        return CallAssignment(
            self.call.value,
            self.client.value,
            seconds=self.seconds.value or None,
            note=self.note.value.strip() or None,
        )

    def on_reassign(self) -> None:
        part = self._part()
        if part is not None:
            others = [a for a in self.app.session.assignments if a.call_id != part.call_id]
            self._rebill([*others, CallAssignment(part.call_id, part.client, note=part.note)])

    def on_split(self) -> None:
        """Seed 000's "Neues Gespräch": the part so far ends after ``Sekunden``; a new virtual
        call for the chosen Mandant (with its own note) takes the rest of the call."""
        part = self._part()
        if part is None:
            return
        if not part.seconds or part.seconds <= 0:
            self.app.runner.say(
                "Bitte unter Sekunden angeben, nach wie vielen Sekunden das neue Gespräch beginnt.",
                level="warning",
            )
            return
        assignments = self.app.session.assignments
        mine = [a for a in assignments if a.call_id == part.call_id]
        if not mine and self.run is not None:
            billing, _ = self.run.call_billing()
            current = billing.lines.filter(pl.col("call_id") == part.call_id)["client_id"]
            if current.is_empty() or current[0] is None:
                self.app.runner.say(
                    "Das Gespräch hat noch keinen Mandanten: wählen Sie ihn "
                    "zuerst mit „Adressat ändern“.",
                    level="warning",
                )
                return
            mine = [CallAssignment(part.call_id, current[0])]
        done = sum(a.seconds or 0 for a in mine[:-1])
        last = mine[-1]
        # An offset at or before an earlier split gives a length <= 0: bill_calls reports it.
        parts = [
            *mine[:-1],
            CallAssignment(last.call_id, last.client, seconds=part.seconds - done, note=last.note),
            CallAssignment(part.call_id, part.client, note=part.note),
        ]
        others = [a for a in assignments if a.call_id != part.call_id]
        self._rebill([*others, *parts])

    def on_clear(self) -> None:
        if self.call.value is not None:
            self._rebill([a for a in self.app.session.assignments if a.call_id != self.call.value])

    def _rebill(self, assignments: list[CallAssignment]) -> None:
        session = self.app.session
        run = self.run
        if run is None:
            return
        billing, directory = run.call_billing()

        def work(progress):
            progress(0, 1, "Neu abrechnen")
            return bill_calls(
                run.loaded.result,
                directory,
                settings=billing.settings,
                assignments=assignments,
            )

        def done(billing) -> None:
            session.assignments = assignments
            session.run = replace(
                run,
                billing=billing,
                findings=concat_findings([run.loaded.result.findings, billing.findings]),
            )
            self.refresh()
            self.app.changed("billed")

        self.app.runner.run("Abrechnen", work, done, success="Gespräche neu abgerechnet.")

    def on_post(self) -> None:
        run = self.run
        if run is None:
            return
        billed = run.call_billing()[0].billed
        numbers = [str(n) for n in billed["client_number"].drop_nulls().unique().sort()]
        # A call list bills every Mandant in it, not only the one chosen in step 1: say whose.
        whose = "der Mandanten" if len(numbers) > 1 else "des Mandanten"
        self.question.value = message_html(
            f"{billed.height} abgerechnete Gespräche ({billed['billed_minutes'].sum()} Minuten) "
            f"{whose} {', '.join(numbers)} als Aufwände an DATEV übertragen?",
            level="warning",
        )
        self.confirmation.layout.display = "flex"

    def _hide_confirmation(self) -> None:
        self.confirmation.layout.display = "none"

    def on_confirm_post(self) -> None:
        self._hide_confirmation()
        session = self.app.session
        run = self.run
        if run is None:
            return

        def work(progress):
            progress(0, 2, "Aufwände planen")
            packaged = package_run(map_run(run), out_dir=session.home / "packages")
            progress(1, 2, "Aufwände übertragen")
            sent = send_run(packaged, session.connection)
            return packaged.mapped.plan, sent.postings

        def done(outcome) -> None:
            plan, result = outcome
            counts = dict(result.group_by("status").len().iter_rows()) if result.height else {}
            shown = result.select(_POSTED).with_columns(
                pl.when(pl.col("status") == "failed")
                .then(pl.lit("error"))
                .when(pl.col("status") == "skipped")
                .then(pl.lit("warning"))
                .otherwise(None)
                .alias("severity"),
                pl.col("client_number").cast(pl.String),
                pl.col("status").replace(POSTING_STATUS_WORDS),
            )
            self.posted.value = (
                message_html(
                    f"{counts.get('posted', 0)} übertragen, {counts.get('failed', 0)} "
                    f"abgelehnt, {counts.get('skipped', 0)} übersprungen; "
                    f"{plan.findings.height} Gespräche ohne Auftrag oder Mitarbeiter.",
                    level="error" if counts.get("failed") else "ok",
                )
                + frame_html(shown.head(200), labels=CALL_TITLES, badge="severity")
                + (
                    frame_html(
                        plan.findings.select("severity", "item_id", "message").head(200),
                        labels=CALL_TITLES,
                        badge="severity",
                    )
                    if plan.findings.height
                    else ""
                )
            )
            self.app.changed("transferred")

        self.app.runner.run(
            "Aufwände übertragen", work, done, success="Aufwände an DATEV übertragen."
        )
