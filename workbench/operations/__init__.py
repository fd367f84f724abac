"""Runs that happen by themselves, at any scale (issue 18): schedules with a test file before
go-live (seed 003), historical backfill, and fan-out over many Mandanten on a process pool or a
Dask cluster. Everything here calls the pipeline's stage functions; runs are recorded in the
Kanzlei's ledger.
"""

from workbench.operations.backfill import BackfillResult, backfill
from workbench.operations.fanout import Unit, UnitResult, run_units
from workbench.operations.period_run import Job, PeriodOutcome, run_period
from workbench.operations.periods import BERLIN, Period, due_at, period_of
from workbench.operations.schedules import DueRun, go_live, new_schedule, run_due
from workbench.operations.store import Schedule, ScheduleStore

__all__ = [
    "BERLIN",
    "BackfillResult",
    "DueRun",
    "Job",
    "Period",
    "PeriodOutcome",
    "Schedule",
    "ScheduleStore",
    "Unit",
    "UnitResult",
    "backfill",
    "due_at",
    "go_live",
    "new_schedule",
    "period_of",
    "run_due",
    "run_period",
    "run_units",
]
