"""Monthly reconciliation reports and ad hoc transfer investigation.

The report notebook (``notebooks/reports/monthly-reconciliation.ipynb``) stays thin: each cell
calls one function here. :mod:`~workbench.reports.monthly` gathers the data,
:mod:`~workbench.reports.render` draws the sections, :mod:`~workbench.reports.runner` executes
the notebook with papermill; :mod:`~workbench.reports.investigate` backs the investigation
notebook (why did transfer X fail, which rows, what to fix).
"""

from workbench.reports.monthly import (
    ReportData,
    collect,
    finish,
    in_period,
    open_talks,
    rows_in_period,
)
from workbench.reports.render import (
    amounts_per_account,
    show_amounts,
    show_findings,
    show_header,
    show_summary,
    show_talks,
    show_transfers,
    table_html,
)
from workbench.reports.runner import (
    ReportOptions,
    ReportResult,
    run_report,
    run_reports,
    write_overview,
)

__all__ = [
    "ReportData",
    "ReportOptions",
    "ReportResult",
    "amounts_per_account",
    "collect",
    "finish",
    "in_period",
    "open_talks",
    "rows_in_period",
    "run_report",
    "run_reports",
    "show_amounts",
    "show_findings",
    "show_header",
    "show_summary",
    "show_talks",
    "show_transfers",
    "table_html",
    "write_overview",
]
