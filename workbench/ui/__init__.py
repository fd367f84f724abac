"""The ipywidgets app of ``notebooks/01-workbench.ipynb`` (also served by voila).

One module per tab; every action calls the pipeline (``workbench.pipeline``, ``transfer``,
``calls``, ``checks``, ``mapping``): no business rules live here.

>>> app = open_workbench(client="455148-1", files=["belege.csv"])  # doctest: +SKIP
>>> app  # doctest: +SKIP
"""

from workbench.ui.app import WorkbenchApp, open_workbench
from workbench.ui.tables import PagedTable, frame_html
from workbench.ui.task import TaskRunner, error_text

__all__ = ["PagedTable", "TaskRunner", "WorkbenchApp", "error_text", "frame_html", "open_workbench"]
