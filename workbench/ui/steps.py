"""One step of the guided flow: a title, what it needs, its content, and what comes next.

The app shows the steps in DATEV's order (Mandant → Quellen → Prüfen → Vorschau → Übertragen →
Status → Protokoll). A step is a small class with a ``key``, a ``title``, a sentence saying what
it ``needs``, its widgets in ``body`` and two hooks: :meth:`Step.refresh` (results of an earlier
step changed) and :meth:`Step.reset` (forget everything: another Mandant or other sources).
New steps (a talk filter, an "Abgleich mit DATEV") subclass it and are added with
``app.add_step(MyStep, after="status")``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.ui.tables import message_html

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["Step", "TabStep"]


class Step:
    """Base of every step; subclasses fill :attr:`body` in :meth:`build`."""

    key = "step"
    title = "Schritt"
    needs = ""
    #: Part of the main path ("Weiter" leads through it); expert steps are only in the bar.
    in_flow = True

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.heading = widgets.HTML()
        self.state = widgets.HTML()
        self.state.add_class(f"wb-state-{self.key}")
        self.next_button = widgets.Button(description="Weiter", icon="arrow-right")
        self.next_button.add_class("wb-next")
        self.next_button.on_click(app.runner.guard(lambda: app.go_next(self.key)))
        self.body = widgets.VBox()
        self.build()
        self.widget = self.compose()
        # buttons and fields as wide as they need, not stretched over the page
        self.body.layout.align_items = "flex-start"
        self.widget.layout.align_items = "flex-start"
        self.widget.add_class("wb-step")
        self.widget.add_class(f"wb-step-{self.key}")

    def compose(self) -> widgets.Box:
        """The step as shown: heading, status line, content, "Weiter"."""
        return widgets.VBox([self.heading, self.state, self.body, self.next_button])

    def build(self) -> None:
        """Create the step's widgets and put them into :attr:`body`."""

    def refresh(self) -> None:
        """Show what the earlier steps produced (called when they change)."""

    def reset(self) -> None:
        """Forget every result: another Mandant, or other sources."""

    @property
    def done(self) -> bool:
        """Whether the step has a result the next step can use."""
        return False

    def say(self, text: str, *, level: str = "info") -> None:
        """The step's own status line (what it needs, what happened, what to do next)."""
        self.state.value = message_html(text, level=level)

    def show_heading(self, number: int, next_title: str | None) -> None:
        follows = f" Danach: {next_title}." if next_title else ""
        self.heading.value = (
            f"<h3 style='margin:6px 0 2px'>{number} · {html.escape(self.title)}</h3>"
            f"<div class='wb-step-needs' style='color:#555'>"
            f"{html.escape(self.needs + follows)}</div>"
        )
        self.next_button.description = f"Weiter: {next_title}" if next_title else "Fertig"
        self.next_button.layout.display = None if next_title else "none"


class TabStep(Step):
    """An expert area written as a plain tab (a class with ``title``, ``widget``, ``refresh``),
    shown in the bar but not on the main path. Attributes not of the step are the tab's, so
    ``app.steps["talk"].overview`` reaches the tab's widget."""

    in_flow = False
    tab_class: type | None = None

    def build(self) -> None:
        assert self.tab_class is not None
        self.tab = self.tab_class(self.app)

    def compose(self) -> widgets.Box:
        """The tab's own box, with the step's heading and status line on top."""
        box = self.tab.widget
        box.children = (self.heading, self.state, *box.children)
        self.next_button.layout.display = "none"
        return box

    def refresh(self) -> None:
        refresh = getattr(self.tab, "refresh", None)
        if refresh is not None:
            refresh()

    def __getattr__(self, name: str):
        tab = self.__dict__.get("tab")
        if tab is None:
            raise AttributeError(name)
        return getattr(tab, name)
