"""The widget app: eight tabs over one session (one Kanzlei), one job at a time, errors as
German lines."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionWidget

from workbench.errors import WorkbenchError
from workbench.kinds import kind_spec
from workbench.ui.calls import CallsTab
from workbench.ui.checks import ChecksTab
from workbench.ui.preview import PreviewTab
from workbench.ui.session import Session, parse_period
from workbench.ui.sources import SourcesTab
from workbench.ui.status import StatusTab
from workbench.ui.tables import message_html
from workbench.ui.talk import TalkTab
from workbench.ui.task import TaskRunner, error_text
from workbench.ui.tokens import TokensTab
from workbench.ui.transfer import TransferTab

__all__ = ["UnavailableApp", "WorkbenchApp", "open_workbench"]

_TABS = (
    ("sources", SourcesTab),
    ("checks", ChecksTab),
    ("preview", PreviewTab),
    ("transfer", TransferTab),
    ("status", StatusTab),
    ("calls", CallsTab),
    ("tokens", TokensTab),
    ("talk", TalkTab),
)


class WorkbenchApp:
    """Quellen, Prüfungen, Vorschau, Übertragung, Status, Anrufe, Mandantentalk for one
    connection.

    ``connection`` is an open :class:`~workbench.pipeline.connection.Connection` (tests inject
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
            files=[Path(f) for f in files],
            profile=profile,
            period=parse_period(period or ""),
            pos_mapping=Path(pos_mapping) if pos_mapping else None,
        )
        self.runner = TaskRunner(background=background)
        self._closing = contextlib.ExitStack()
        self.header = widgets.HTML()
        self.tab = widgets.Tab()
        self.tab.add_class("wb-tabs")
        self.widget = widgets.VBox([self.header, self.runner.widget, self.tab])
        self.widget.add_class("wb-app")
        self._build_tabs()

    def _build_tabs(self) -> None:
        self.tabs: dict[str, Any] = {key: tab(self) for key, tab in _TABS}
        self.tab.children = [tab.widget for tab in self.tabs.values()]
        self.tab.titles = [tab.title for tab in self.tabs.values()]
        connection = self.session.connection
        mode = getattr(connection, "mode", "")
        kanzlei = getattr(getattr(connection, "settings", None), "kanzlei", "")
        self.header.value = (
            f"<h3 style='margin:4px 0'>DATEV-Abgleich</h3>"
            f"<div style='color:#555'>Kanzlei {kanzlei}: verbunden mit "
            f"{'der DATEV-Sandbox' if mode == 'sandbox' else 'DATEV'}.</div>"
        )
        _tidy(self.widget)
        self.tabs["status"].refresh()
        self.tabs["talk"].refresh()

    def switch_kanzlei(self, name: str) -> None:
        """Work for another Kanzlei: its connection, tokens and ledger; the tabs start afresh."""
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
        self._build_tabs()
        self.runner.say(f"Kanzlei {name} gewählt.", level="ok")

    def changed(self, step: str) -> None:
        """A step finished: refresh the tabs that show its results."""
        if step in ("checked", "mapped", "transferred", "loaded"):
            self.tabs["transfer"].refresh()
        if step in ("checked", "billed", "loaded"):
            self.tabs["calls"].refresh()
        if step == "transferred":
            self.tabs["status"].refresh()
        if step in ("checked", "transferred"):
            self.tabs["talk"].refresh()

    def run_steps(self) -> None:
        """Laden, Prüfen and (except for calls) Abbilden, one after the other (reports, demos)."""
        for action in (self.tabs["sources"].on_load, self.tabs["checks"].on_check):
            action()
            self.wait()
            if self.runner.last_error is not None:
                return
        if not kind_spec(self.session.kind).billed:
            self.tabs["preview"].on_map()
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
    elif isinstance(widget, DescriptionWidget) and widget.description:
        widget.style.description_width = "110px"
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

    >>> app = open_workbench(client="455148-1", files=["belege.csv"])  # doctest: +SKIP
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
