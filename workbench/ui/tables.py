"""Polars frames as HTML tables for widgets: German formats, escaped values, findings coloured,
one line per row where that reads better, paging.

Only presentation lives here: which rows are errors or warnings comes from a column the
pipeline already filled (``severity``); nothing is decided in the UI.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
import polars as pl

from workbench.german import SEVERITY_LABELS, format_count, format_value

__all__ = [
    "ROW_STYLES",
    "PagedTable",
    "cell_text",
    "frame_html",
    "message_html",
    "set_options",
]

#: Row colours per severity (light, readable in JupyterLab's light and dark themes).
ROW_STYLES = {
    "error": "background-color:#fde2e1;",
    "warning": "background-color:#fff4d6;",
    "info": "background-color:#e8f1fb;",
}
_BADGES = {
    "error": "background:#c0392b;color:#fff;",
    "warning": "background:#e0a100;color:#222;",
    "info": "background:#3b78c2;color:#fff;",
}
_TABLE_STYLE = (
    "border-collapse:collapse;font-size:12px;font-family:var(--jp-ui-font-family,sans-serif);"
)
_CELL_STYLE = (
    "border:1px solid #d0d0d0;padding:2px 6px;text-align:left;vertical-align:top;"
    "max-width:480px;overflow-wrap:break-word;"
)
#: One line per row: long texts end in "…", the whole text is in the tooltip.
_LINE_STYLE = (
    "border:1px solid #d0d0d0;padding:2px 6px;text-align:left;white-space:nowrap;"
    "overflow:hidden;text-overflow:ellipsis;max-width:{width}px;"
)
_MESSAGE_STYLES = {
    "error": "color:#a40000;font-weight:bold;",
    "ok": "color:#1b6e1b;",
    "info": "color:#333;",
    "warning": "color:#8a5a00;",
}


#: A value as people read it (``1.234,56``, ``31.01.2026``, Berlin time).
cell_text = format_value


def frame_html(
    frame: pl.DataFrame,
    *,
    severity: str | None = "severity",
    labels: dict[str, str] | None = None,
    table_class: str = "wb-table",
    one_line: dict[str, int] | None = None,
    badge: str | None = None,
) -> str:
    """``frame`` as an HTML table; every value escaped; rows tinted by their ``severity``.

    ``one_line`` (column → max width in px) keeps those columns on one line with the full text
    as tooltip; ``badge`` names a severity column shown as Fehler/Warnung/Hinweis.

    >>> "&lt;b&gt;" in frame_html(pl.DataFrame({"a": ["<b>"]}))
    True
    """
    labels = labels or {}
    one_line = one_line or {}
    head = "".join(
        f'<th style="{_CELL_STYLE}background:#f0f0f0;">{html.escape(labels.get(name, name))}</th>'
        for name in frame.columns
    )
    rows = []
    marked_by = severity if severity is not None and severity in frame.columns else None
    numeric = {name for name, dtype in frame.schema.items() if dtype.is_numeric()}
    for row in frame.iter_rows(named=True):
        style = ROW_STYLES.get(str(row[marked_by]), "") if marked_by else ""
        level = (
            f' data-severity="{html.escape(str(row[marked_by]))}"'
            if marked_by and row[marked_by]
            else ""
        )
        rows.append(f'<tr style="{style}"{level}>{_cells(row, one_line, badge, numeric)}</tr>')
    span = max(len(frame.columns), 1)
    body = "".join(rows) or (
        f'<tr><td style="{_CELL_STYLE}" colspan="{span}">(keine Zeilen)</td></tr>'
    )
    return (
        f'<div style="overflow-x:auto;max-width:100%;">'
        f'<table class="{html.escape(table_class)}" style="{_TABLE_STYLE}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _cells(row: dict, one_line: dict[str, int], badge: str | None, numeric: set[str]) -> str:
    cells = []
    for name, value in row.items():
        if name == badge and value:
            label = SEVERITY_LABELS.get(value, value)
            cells.append(
                f'<td style="{_CELL_STYLE}"><span class="wb-badge" style="{_BADGES.get(value, "")}'
                f'padding:0 6px;border-radius:8px;">{html.escape(label)}</span></td>'
            )
            continue
        text = html.escape(cell_text(value))
        align = "text-align:right;" if name in numeric else ""
        if name in one_line:
            style = _LINE_STYLE.format(width=one_line[name])
            cells.append(f'<td style="{style}{align}" title="{text}">{text}</td>')
        else:
            cells.append(f'<td style="{_CELL_STYLE}{align}">{text}</td>')
    return "".join(cells)


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
    (or ``-> str`` of ready HTML) and a total row count, for sources that cut their own pages.
    """

    def __init__(
        self,
        *,
        page_size: int = 25,
        severity: str | None = "severity",
        css_class: str = "wb-table",
        unit: str = "Zeilen",
        labels: dict[str, str] | None = None,
        one_line: dict[str, int] | None = None,
        badge: str | None = None,
    ) -> None:
        self.page_size = page_size
        self.labels = labels
        self.unit = unit
        self.one_line = one_line
        self.badge = badge
        self.page = 0
        self.total = 0
        self.severity = severity
        self._fetch: Callable[[int, int], pl.DataFrame | str] = lambda page, size: pl.DataFrame()
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

    def set_source(self, fetch: Callable[[int, int], pl.DataFrame | str], total: int) -> None:
        self._fetch = fetch
        self.total = total
        self.show(0)

    def clear(self) -> None:
        self.set_frame(pl.DataFrame())

    def show(self, page: int) -> None:
        self.page = min(max(page, 0), self.pages - 1)
        try:
            shown = self._fetch(self.page, self.page_size)
        except Exception as error:
            self.html.value = message_html(
                f"Seite {self.page + 1} ist nicht darstellbar: {type(error).__name__}: {error}",
                level="error",
            )
        else:
            self.html.value = (
                shown
                if isinstance(shown, str)
                else frame_html(
                    shown,
                    severity=self.severity,
                    labels=self.labels,
                    one_line=self.one_line,
                    badge=self.badge,
                )
            )
        self.label.value = (
            f"Seite {self.page + 1} von {self.pages} ({format_count(self.total)} {self.unit})"
        )
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
