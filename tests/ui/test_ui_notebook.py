"""notebooks/01-workbench.ipynb runs headless with papermill: the app builds and renders."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "01-workbench.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_notebook_is_thin_and_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        # Logic belongs in workbench.ui (STYLE.md: a def or class in a cell belongs in the package).
        assert "def " not in cell.source and "class " not in cell.source


def test_notebook_builds_and_renders_the_app_against_the_sandbox(tmp_path):
    output = tmp_path / "01-workbench.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(output),
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
        kernel_name="python3",
        # a path as the README writes it, while the kernel runs in notebooks/
        parameters={"run": True, "files": ["data/samples/receipts_juston_expense.csv"]},
    )
    executed = nbformat.read(output, as_version=4)
    outputs = [item for cell in executed.cells if cell.cell_type == "code" for item in cell.outputs]
    assert not [item for item in outputs if item.output_type == "error"]
    assert not [item for item in outputs if item.get("name") == "stderr"]
    views = [item for item in outputs if WIDGET_VIEW in item.get("data", {})]
    assert len(views) == 1
    state = json.dumps(executed.metadata["widgets"], ensure_ascii=False)
    for text in (
        "1 Mandant",
        "2 Quellen",
        "3 Prüfen",
        "4 Vorschau",
        "5 Übertragen",
        "6 Status",
        "7 Protokoll",
        "200 Zeilen geladen (Profil juston)",
        "Rechnungsnummer doppelt (duplicate.invoice_id)",
        "185 DATEV-Datensätze",
        "Januar 2026 ★",
        "Dezember 2025 ★",
        "Rechnungseingang (1)",  # the first month offered: one December receipt
    ):
        assert text in state, text


def test_notebook_says_in_its_first_line_what_to_do_in_jupyterlab():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    first = notebook.cells[0].source.splitlines()[0]
    assert "Run All Cells" in first
    # Tour 28 #10: Voila shows this text to bookkeepers: no make targets, cells or papermill.
    for word in ("make app", "papermill", "parameters", "Zelle"):
        assert word not in notebook.cells[0].source, word
    parameters = notebook.cells[1].source
    assert "files = []" in parameters  # no pre-filled path that an upload would add to
