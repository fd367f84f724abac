"""Abgleich mit DATEV: what the sources say, what the workbench sent, what DATEV booked.

The stage after status (ARCHITECTURE §2): DATEV's bookings are read back through Accounting
Data Exchange (:mod:`~workbench.reconcile.booked`), the sent bookings from the transfer ledger
and the files it uploaded (:mod:`~workbench.reconcile.sent`), the sources through the usual
load, check and map stages (:mod:`~workbench.reconcile.sources`); all three become bookings of
one shape (:mod:`~workbench.reconcile.bookings`) and are compared per account and per Beleg
(:mod:`~workbench.reconcile.compare`).
"""

from workbench.reconcile.compare import KINDS
from workbench.reconcile.reconciliation import (
    ACCOUNTS_SCHEMA,
    Reconciliation,
    period_bounds,
    reconcile,
)
from workbench.reconcile.sources import source_bookings

__all__ = [
    "ACCOUNTS_SCHEMA",
    "KINDS",
    "Reconciliation",
    "period_bounds",
    "reconcile",
    "source_bookings",
]
