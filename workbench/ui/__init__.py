"""The ipywidgets app of ``notebooks/01-workbench.ipynb`` (also served by voila).

A guided flow in DATEV's order, one module per step (Mandant, Quellen, Prüfen, Vorschau,
Übertragen, Status, Protokoll, Anrufe); every action calls the pipeline
(``workbench.pipeline``, ``transfer``, ``calls``, ``checks``, ``mapping``): no business rules
live here. New steps subclass :class:`Step` and are added with ``app.add_step``.

>>> app = open_workbench(client="455148-1", files=["data/samples/belege.csv"])  # doctest: +SKIP
>>> app  # doctest: +SKIP
"""

from workbench.ui.app import STEPS, WorkbenchApp, open_workbench
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, frame_html
from workbench.ui.task import TaskRunner, error_text

__all__ = [
    "STEPS",
    "PagedTable",
    "Step",
    "TaskRunner",
    "WorkbenchApp",
    "error_text",
    "frame_html",
    "open_workbench",
]
