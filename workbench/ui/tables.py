"""Polars frames as HTML tables for widgets: escaped values, highlighted findings, paging.

Only presentation lives here: which rows are errors or warnings comes from a column the
pipeline already filled (``severity``); nothing is decided in the UI.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import polars as pl

__all__ = ["PagedTable", "frame_html", "message_html", "set_options"]

#: Row colours per severity (light, readable in JupyterLab's light and dark themes).
ROW_STYLES = {
    "error": "background-color:#fde2e1;",
    "warning": "background-color:#fff4d6;",
    "info": "background-color:#e8f1fb;",
}
_TABLE_STYLE = (
    "border-collapse:collapse;font-size:12px;font-family:var(--jp-ui-font-family,sans-serif);"
)
_CELL_STYLE = (
    "border:1px solid #d0d0d0;padding:2px 6px;text-align:left;vertical-align:top;"
    "max-width:480px;overflow-wrap:break-word;"
)
_MESSAGE_STYLES = {
    "error": "color:#a40000;font-weight:bold;",
    "ok": "color:#1b6e1b;",
    "info": "color:#333;",
    "warning": "color:#8a5a00;",
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)


def frame_html(
    frame: pl.DataFrame,
    *,
    severity: str | None = "severity",
    labels: dict[str, str] | None = None,
    table_class: str = "wb-table",
) -> str:
    """``frame`` as an HTML table; every value escaped; rows tinted by their ``severity``.

    >>> "&lt;b&gt;" in frame_html(pl.DataFrame({"a": ["<b>"]}))
    True
    """
    labels = labels or {}
    head = "".join(
        f'<th style="{_CELL_STYLE}background:#f0f0f0;">{html.escape(labels.get(name, name))}</th>'
        for name in frame.columns
    )
    rows = []
    marked_by = severity if severity is not None and severity in frame.columns else None
    for row in frame.iter_rows(named=True):
        style = ROW_STYLES.get(str(row[marked_by]), "") if marked_by else ""
        level = (
            f' data-severity="{html.escape(str(row[marked_by]))}"'
            if marked_by and row[marked_by]
            else ""
        )
        cells = "".join(
            f'<td style="{_CELL_STYLE}">{html.escape(_text(row[name]))}</td>'
            for name in frame.columns
        )
        rows.append(f'<tr style="{style}"{level}>{cells}</tr>')
    span = max(len(frame.columns), 1)
    body = "".join(rows) or (
        f'<tr><td style="{_CELL_STYLE}" colspan="{span}">(keine Zeilen)</td></tr>'
    )
    return (
        f'<div style="overflow-x:auto;max-width:100%;">'
        f'<table class="{html.escape(table_class)}" style="{_TABLE_STYLE}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def set_options(choice: widgets.Dropdown, options: list, *, keep: bool = True) -> None:
    """New options for a dropdown; the chosen value stays if still offered, else the first."""
    previous = choice.value
    values = [option[1] if isinstance(option, tuple) else option for option in options]
    # Not under hold_trait_notifications: ipywidgets validates the value against the old options.
    choice.options = options
    choice.value = previous if keep and previous in values else (values[0] if values else None)


def message_html(text: str, *, level: str = "info") -> str:
    """One escaped line of text for a status area (``error``, ``warning``, ``ok``, ``info``)."""
    style = _MESSAGE_STYLES.get(level, "")
    return (
        f'<div class="wb-message wb-{html.escape(level)}" style="{style}">{html.escape(text)}</div>'
    )


class PagedTable:
    """An HTML table with Zurück/Weiter buttons over a frame (or a page function).

    ``set_frame`` shows a frame page by page; ``set_source`` takes ``(page, page_size) -> frame``
    and a total row count, for sources that cut their own pages (the mapping preview).
    """

    def __init__(
        self,
        *,
        page_size: int = 25,
        severity: str | None = "severity",
        css_class: str = "wb-table",
        unit: str = "Zeilen",
        labels: dict[str, str] | None = None,
    ) -> None:
        self.page_size = page_size
        self.labels = labels
        self.unit = unit
        self.page = 0
        self.total = 0
        self.severity = severity
        self._fetch: Callable[[int, int], pl.DataFrame] = lambda page, size: pl.DataFrame()
        self.html = widgets.HTML()
        self.html.add_class(css_class)
        self.previous = widgets.Button(description="◀ Zurück")
        self.next = widgets.Button(description="Weiter ▶")
        self.label = widgets.Label()
        self.previous.on_click(lambda _: self.show(self.page - 1))
        self.next.on_click(lambda _: self.show(self.page + 1))
        self.widget = widgets.VBox(
            [widgets.HBox([self.previous, self.next, self.label]), self.html]
        )

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def set_frame(self, frame: pl.DataFrame) -> None:
        self.set_source(lambda page, size: frame.slice(page * size, size), frame.height)

    def set_source(self, fetch: Callable[[int, int], pl.DataFrame], total: int) -> None:
        self._fetch = fetch
        self.total = total
        self.show(0)

    def show(self, page: int) -> None:
        self.page = min(max(page, 0), self.pages - 1)
        try:
            frame = self._fetch(self.page, self.page_size)
        except Exception as error:
            self.html.value = message_html(
                f"Seite {self.page + 1} ist nicht darstellbar: {type(error).__name__}: {error}",
                level="error",
            )
        else:
            self.html.value = frame_html(frame, severity=self.severity, labels=self.labels)
        self.label.value = f"Seite {self.page + 1} von {self.pages} ({self.total} {self.unit})"
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
