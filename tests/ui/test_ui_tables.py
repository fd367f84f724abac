"""HTML tables, paging and dropdown helpers."""

import ipywidgets as widgets
import polars as pl

from workbench.ui.tables import PagedTable, frame_html, message_html, set_options


def test_frame_html_escapes_values_and_tints_rows_by_severity():
    frame = pl.DataFrame(
        {
            "value": ["<script>alert(1)</script>", "a & b", None],
            "severity": ["error", "warning", None],
        }
    )
    html = frame_html(frame, labels={"value": "Wert"})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "a &amp; b" in html
    assert '<th style="' in html and ">Wert</th>" in html
    assert 'data-severity="error"' in html and "#fde2e1" in html
    assert 'data-severity="warning"' in html and "#fff4d6" in html


def test_frame_html_renders_lists_and_empty_frames():
    assert "a, b" in frame_html(pl.DataFrame({"rules": [["a", "b"]]}))
    assert "(keine Zeilen)" in frame_html(pl.DataFrame({"x": []}))


def test_message_html_escapes():
    assert "&lt;b&gt;" in message_html("<b>", level="error")


def test_paged_table_pages_through_a_frame():
    table = PagedTable(page_size=10)
    table.set_frame(pl.DataFrame({"n": list(range(25))}))
    assert table.label.value == "Seite 1 von 3 (25 Zeilen)"
    assert table.previous.disabled and not table.next.disabled
    table.next.click()
    table.next.click()
    assert table.page == 2 and table.next.disabled
    assert ">24<" in table.html.value and ">19<" not in table.html.value
    table.show(99)
    assert table.page == 2


def test_set_options_keeps_the_choice_or_takes_the_first():
    choice = widgets.Dropdown(options=[])
    set_options(choice, [("a", 1), ("b", 2)])
    assert choice.value == 1
    choice.value = 2
    set_options(choice, [("b", 2), ("c", 3)])
    assert choice.value == 2
    set_options(choice, [("c", 3)])
    assert choice.value == 3
    set_options(choice, [])
    assert choice.value is None


def test_paged_table_shows_a_broken_page_as_a_message():
    table = PagedTable(page_size=5)

    def fetch(page, size):
        raise RuntimeError("kaputt")

    table.set_source(fetch, 10)
    assert "nicht darstellbar" in table.html.value and "kaputt" in table.html.value


def test_an_empty_protocol_has_only_the_german_columns():
    """Tour 28 #17: an empty protocol table showed the sort key "rank" as a column."""
    from workbench.ui.protocol import protocol_frame

    assert protocol_frame([], []).columns == protocol_frame([{"type": "info"}], []).columns
    assert "rank" not in protocol_frame([], []).columns
