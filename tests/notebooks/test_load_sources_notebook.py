"""The loading notebook runs headless with papermill (as users run it for reports)."""

from pathlib import Path

import nbformat
import papermill

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore" / "load-sources.ipynb"


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_load_sources_notebook_runs_with_parameters(write, tmp_path):
    source = write("calls.csv",
                   "Anruf-ID;Beginn;Dauer;Richtung;Rufnummer\n"
                   "c-1;31.01.2026 09:15:02;00:03:25;eingehend;+49 30 1234567\n"
                   "c-2;kaputt;00:01:00;ausgehend;030 1234567\n")
    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(output), cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
        parameters={"kind": "calls", "files": [str(source)], "profile": "starface"},
    )
    executed = nbformat.read(output, as_version=4)
    texts = "\n".join(
        str(output_item.get("data", {}).get("text/plain", ""))
        for cell in executed.cells if cell.cell_type == "code" for output_item in cell.outputs
    )
    assert "calls.csv" in texts
    assert "kaputt" in texts
