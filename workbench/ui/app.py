"""The widget app: a guided flow in DATEV's order over one session, one job at a time.

Mandant → Quellen → Prüfen → Vorschau → Übertragen → Status → Protokoll, plus "Anrufe" for
call lists. The bar at the top shows every step (done ones ticked) and lets experts jump; each
step says what it needs and what comes next, and its "Weiter" button leads there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionWidget

from workbench.errors import WorkbenchError
from workbench.kinds import kind_spec
from workbench.ui.calls import CallsStep
from workbench.ui.checks import ChecksStep
from workbench.ui.client import ClientStep
from workbench.ui.preview import PreviewStep
from workbench.ui.protocol import ProtocolStep
from workbench.ui.reconcile import ReconcileStep
from workbench.ui.session import Session, parse_period, resolve_source_path
from workbench.ui.sources import SourcesStep
from workbench.ui.status import StatusStep
from workbench.ui.steps import Step, TabStep
from workbench.ui.tables import message_html
from workbench.ui.talk import TalkTab
from workbench.ui.task import TaskRunner, error_text
from workbench.ui.tokens import TokensTab
from workbench.ui.transfer import TransferStep

__all__ = ["STEPS", "UnavailableApp", "WorkbenchApp", "open_workbench"]

S = TypeVar("S", bound=Step)


class TalkStep(TabStep):
    key = "talk"
    title = "Mandantentalk"
    needs = "Fragen an den Mandanten zu Positionen, seine Antworten und Belege."
    tab_class = TalkTab


class TokensStep(TabStep):
    key = "tokens"
    title = "Zugänge"
    needs = "Kanzlei, DATEV-Zugänge und ihr Widerruf."
    tab_class = TokensTab


#: The guided flow in DATEV's order (seed 004), then the expert areas; ``app.add_step`` adds
#: more.
STEPS: tuple[type[Step], ...] = (
    ClientStep,
    SourcesStep,
    ChecksStep,
    PreviewStep,
    TransferStep,
    StatusStep,
    ProtocolStep,
    ReconcileStep,
    CallsStep,
    TalkStep,
    TokensStep,
)
_STYLE = """<style>
.wb-app .wb-nav button { margin: 0 2px 4px 0; }
.wb-app .wb-step { border-top: 1px solid #d9d9d9; padding-top: 4px; }
</style>"""


class WorkbenchApp:
    """The guided flow for one connection (DATEV or the sandbox).

    ``connection`` is an open :class:`~workbench.transfer.connection.Connection` (tests inject
    one); ``background=False`` runs every action inline instead of in a thread.

    >>> with connect() as connection:  # doctest: +SKIP
    ...     app = WorkbenchApp(connection, client="455148-1", files=["belege.csv"])
    """

    def __init__(
        self,
        connection: Any,
        *,
        client: str | None = None,
        kind: str = "receipts",
        files: Sequence[str | Path] = (),
        profile: str = "auto",
        period: str | None = None,
        pos_mapping: str | Path | None = None,
        background: bool = True,
    ) -> None:
        self.session = Session(
            connection=connection,
            client=client,
            kind=kind,
            files=[resolve_source_path(f) for f in files],
            profile=profile,
            period=parse_period(period or ""),
            pos_mapping=resolve_source_path(pos_mapping) if pos_mapping else None,
        )
        self.runner = TaskRunner(background=background)
        self._closing = contextlib.ExitStack()
        self.header = widgets.HTML()
        self.nav = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.nav.add_class("wb-nav")
        self.stack = widgets.Stack()
        self.widget = widgets.VBox([self.header, self.nav, self.runner.widget, self.stack])
        self.widget.add_class("wb-app")
        self._build_steps()

    def _build_steps(self) -> None:
        self.steps: dict[str, Step] = {}
        self.current = "client"
        for step in STEPS:
            self.steps[step.key] = step(self)
        connection = self.session.connection
        mode = getattr(connection, "mode", "")
        kanzlei = getattr(getattr(connection, "settings", None), "kanzlei", "")
        self.header.value = (
            f"{_STYLE}<h2 style='margin:4px 0'>DATEV-Abgleich</h2>"
            f"<div style='color:#555'>Kanzlei {kanzlei}: verbunden mit "
            f"{'der DATEV-Sandbox' if mode == 'sandbox' else 'DATEV'}. Schritt für Schritt wie "
            f"in DATEV Unternehmen online: Mandant, Quellen, Prüfen, Vorschau, Übertragen, "
            f"Status, Protokoll; danach der Abgleich mit dem, was DATEV gebucht hat.</div>"
        )
        self._layout()
        self.go("client")
        self.step(ClientStep).load_clients()
        self.changed("start")  # every step shows its state (transfers, talks, Zugänge)

    def switch_kanzlei(self, name: str) -> None:
        """Work for another Kanzlei: its connection, tokens and ledger; every step starts afresh."""
        from workbench.config import load_settings
        from workbench.pipeline.connection import connect

        self.wait(30)
        stack = contextlib.ExitStack()
        try:
            connection = stack.enter_context(connect(load_settings(kanzlei=name)))
        except WorkbenchError as error:
            stack.close()
            self.runner.say(error_text(error), level="error")
            return
        # The environment too, so that reports and helpers started from here follow.
        os.environ["WORKBENCH_KANZLEI"] = connection.settings.kanzlei
        self._closing.close()
        self._closing = stack
        self.session = Session(connection=connection, kind=self.session.kind)
        self._build_steps()
        self.runner.say(f"Kanzlei {name} gewählt.", level="ok")

    # --- steps -----------------------------------------------------------------------------

    def step(self, kind: type[S]) -> S:
        """The step of class ``kind`` (typed access: ``app.step(SourcesStep).read_form()``)."""
        found = self.steps[kind.key]
        if not isinstance(found, kind):
            raise TypeError(f"step {kind.key!r} is a {type(found).__name__}")
        return found

    def add_step(self, step: type[Step], *, after: str) -> Step:
        """Insert a step after the one with key ``after`` (extension point for new steps)."""
        keys = list(self.steps)
        made = step(self)
        position = keys.index(after) + 1
        items = list(self.steps.items())
        items.insert(position, (made.key, made))
        self.steps = dict(items)
        self._layout()
        return made

    def _layout(self) -> None:
        steps = list(self.steps.values())
        flow = [step for step in steps if step.in_flow]
        buttons = []
        for number, step in enumerate(steps, start=1):
            later = flow[flow.index(step) + 1 :] if step in flow else []
            step.show_heading(number, later[0].title if later else None)
            button = widgets.Button(description=f"{number} {step.title}")
            button.add_class("wb-nav-button")
            button.add_class(f"wb-nav-{step.key}")
            button.on_click(self.runner.guard(partial(self.go, step.key)))
            buttons.append(button)
        self.nav.children = buttons
        self.stack.children = [step.widget for step in steps]
        _tidy(self.widget)
        self._mark()

    def _mark(self) -> None:
        for button, step in zip(self.nav.children, self.steps.values(), strict=True):
            current = step.key == self.current
            button.button_style = "info" if current else ""
            number = button.description.removeprefix("✓ ").split(" ", 1)[0]
            button.description = f"{'✓ ' if step.done else ''}{number} {step.title}"

    def go(self, key: str) -> None:
        """Show step ``key``."""
        self.current = key
        self.stack.selected_index = list(self.steps).index(key)
        self.steps[key].refresh()
        self._mark()

    def go_next(self, key: str) -> None:
        keys = [step.key for step in self.steps.values() if step.in_flow]
        position = keys.index(key) if key in keys else len(keys)
        if position + 1 < len(keys):
            self.go(keys[position + 1])

    def changed(self, event: str) -> None:
        """A step produced something: later steps show it, the bar ticks it."""
        for step in self.steps.values():
            step.refresh()
        self._mark()

    def reset(self, *, keep: Sequence[str] = ()) -> None:
        """Clear every step's results except ``keep``'s (another Mandant, other sources)."""
        for key, step in self.steps.items():
            if key not in keep:
                step.reset()
        self._mark()

    @property
    def tabs(self) -> dict[str, Step]:
        """The steps by key (older name)."""
        return self.steps

    # --- whole runs ------------------------------------------------------------------------

    def run_steps(self) -> None:
        """Laden, Prüfen and (except for calls) Abbilden, one after the other (reports, demos)."""
        for action in (self.step(SourcesStep).on_load, self.step(ChecksStep).on_check):
            action()
            self.wait()
            if self.runner.last_error is not None:
                return
        if not kind_spec(self.session.kind).billed:  # billed kinds are not mapped
            self.step(PreviewStep).on_map()
            self.wait()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running action ends."""
        self.runner.wait(timeout)

    def close(self) -> None:
        """Close what :func:`open_workbench` opened (connection, embedded sandbox)."""
        self.wait(30)
        self._closing.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


class UnavailableApp:
    """Shown instead of the app when no connection can be opened (one German line)."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.widget = widgets.HTML(message_html(message, level="error"))
        self.widget.add_class("wb-app-unavailable")

    def close(self) -> None:
        """Nothing to close."""

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _tidy(widget: widgets.Widget) -> None:
    """Buttons as wide as their text, labels of form fields in one readable column."""
    if isinstance(widget, widgets.Button) and widget.layout.width is None:
        widget.layout.width = "auto"
    elif isinstance(widget, widgets.Checkbox):
        widget.indent = False
        widget.layout.width = "auto"
    elif isinstance(widget, DescriptionWidget) and widget.description:
        widget.style.description_width = "130px"
    for child in getattr(widget, "children", ()):
        _tidy(child)


def open_workbench(
    *,
    client: str | None = None,
    kind: str = "receipts",
    files: Sequence[str | Path] = (),
    profile: str = "auto",
    period: str | None = None,
    pos_mapping: str | Path | None = None,
    run: bool = False,
    background: bool = True,
    kanzlei: str | None = None,
) -> WorkbenchApp:
    """Connect to DATEV (or the embedded sandbox) for ``kanzlei`` (default: the selected one)
    and build the app; ``run`` loads, checks and maps the given files right away.
    ``app.close()`` ends the connection.

    >>> app = open_workbench(client="455148-1", files=["data/samples/belege.csv"])  # doctest: +SKIP
    """
    from workbench.config import load_settings
    from workbench.pipeline.connection import connect

    stack = contextlib.ExitStack()
    try:
        connection = stack.enter_context(connect(load_settings(kanzlei=kanzlei)))
    except WorkbenchError as error:
        # Not logged in, settings wrong: say so in the notebook instead of a traceback.
        return UnavailableApp(error_text(error))  # type: ignore[return-value]
    try:
        app = WorkbenchApp(
            connection,
            client=client,
            kind=kind,
            files=files,
            profile=profile,
            period=period,
            pos_mapping=pos_mapping,
            background=background,
        )
    except BaseException:
        stack.close()
        raise
    app._closing = stack
    if run:
        background_was, app.runner.background = app.runner.background, False
        app.run_steps()
        app.runner.background = background_was
    return app
