"""The widget app: six tabs over one session, one job at a time, errors as German lines."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionWidget

from workbench.errors import WorkbenchError
from workbench.ui.calls import CallsTab
from workbench.ui.checks import ChecksTab
from workbench.ui.preview import PreviewTab
from workbench.ui.session import Session, parse_period
from workbench.ui.sources import SourcesTab
from workbench.ui.status import StatusTab
from workbench.ui.tables import message_html
from workbench.ui.task import TaskRunner, error_text
from workbench.ui.transfer import TransferTab

__all__ = ["UnavailableApp", "WorkbenchApp", "open_workbench"]

_TABS = (
    ("sources", SourcesTab),
    ("checks", ChecksTab),
    ("preview", PreviewTab),
    ("transfer", TransferTab),
    ("status", StatusTab),
    ("calls", CallsTab),
)


class WorkbenchApp:
    """Quellen, Prüfungen, Vorschau, Übertragung, Status, Anrufe for one connection.

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
            files=[Path(f) for f in files],
            profile=profile,
            period=parse_period(period or ""),
            pos_mapping=Path(pos_mapping) if pos_mapping else None,
        )
        self.runner = TaskRunner(background=background)
        self._closing = contextlib.ExitStack()
        self.tabs: dict[str, Any] = {}
        for key, tab in _TABS:
            self.tabs[key] = tab(self)
        self.tab = widgets.Tab(
            children=[tab.widget for tab in self.tabs.values()],
            titles=[tab.title for tab in self.tabs.values()],
        )
        self.tab.add_class("wb-tabs")
        mode = getattr(connection, "mode", "")
        header = widgets.HTML(
            f"<h3 style='margin:4px 0'>DATEV-Abgleich</h3>"
            f"<div style='color:#555'>Verbunden mit "
            f"{'der DATEV-Sandbox' if mode == 'sandbox' else 'DATEV'}.</div>"
        )
        self.widget = widgets.VBox([header, self.runner.widget, self.tab])
        self.widget.add_class("wb-app")
        _tidy(self.widget)
        self.tabs["status"].refresh()

    def changed(self, step: str) -> None:
        """A step finished: refresh the tabs that show its results."""
        if step in ("checked", "mapped", "transferred", "loaded"):
            self.tabs["transfer"].refresh()
        if step in ("checked", "billed", "loaded"):
            self.tabs["calls"].refresh()
        if step == "transferred":
            self.tabs["status"].refresh()

    def run_steps(self) -> None:
        """Laden, Prüfen and (except for calls) Abbilden, one after the other (reports, demos)."""
        for action in (self.tabs["sources"].on_load, self.tabs["checks"].on_check):
            action()
            self.wait()
            if self.runner.last_error is not None:
                return
        if self.session.kind != "calls":
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
) -> WorkbenchApp:
    """Connect to DATEV (or the embedded sandbox) and build the app; ``run`` loads, checks and
    maps the given files right away. ``app.close()`` ends the connection.

    >>> app = open_workbench(client="455148-1", files=["belege.csv"])  # doctest: +SKIP
    """
    from workbench.transfer.connection import connect

    stack = contextlib.ExitStack()
    try:
        connection = stack.enter_context(connect())
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
