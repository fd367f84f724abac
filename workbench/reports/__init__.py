"""Monthly reconciliation reports and ad hoc transfer investigation.

The report notebook (``notebooks/reports/monthly-reconciliation.ipynb``) stays thin: each cell
calls one function here. :mod:`~workbench.reports.monthly` gathers the data,
:mod:`~workbench.reports.accounts` sums Soll and Haben per account,
:mod:`~workbench.reports.render` draws the sections (charts from
:mod:`~workbench.charts`), :mod:`~workbench.reports.runner` executes the notebook with
papermill; :mod:`~workbench.reports.investigate` backs the investigation notebook (why did
transfer X fail, which rows, what to fix).
"""

from workbench.reports.accounts import account_table, amounts_per_account, read_account_names
from workbench.reports.monthly import ReportData, collect, finish, open_talks, previous_month
from workbench.reports.render import (
    show_amounts,
    show_findings,
    show_header,
    show_open,
    show_reconciliation,
    show_rejections,
    show_summary,
    show_talks,
    show_transfers,
    table_html,
)
from workbench.reports.runner import (
    ReportOptions,
    ReportResult,
    run_investigation,
    run_report,
    run_reports,
    write_overview,
)

__all__ = [
    "ReportData",
    "ReportOptions",
    "ReportResult",
    "account_table",
    "amounts_per_account",
    "collect",
    "finish",
    "open_talks",
    "previous_month",
    "read_account_names",
    "run_investigation",
    "run_report",
    "run_reports",
    "show_amounts",
    "show_findings",
    "show_header",
    "show_open",
    "show_reconciliation",
    "show_rejections",
    "show_summary",
    "show_talks",
    "show_transfers",
    "table_html",
    "write_overview",
]
