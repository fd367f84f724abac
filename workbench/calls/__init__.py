"""Call billing (issue 7, seed 000): resolve call-log numbers to Mandanten through DATEV master
data, check the log, bill to the started unit, post the time to the Mandant's order, and export
the phone book for the phone system.

>>> directory = fetch_directory(datev)  # doctest: +SKIP
>>> billing = bill_calls(load_calls("calls.csv", profile="starface"), directory,
...                      settings=CallSettings(rounding="15min"))  # doctest: +SKIP
>>> transfer_expense_postings(plan_expense_postings(billing, directory), datev)  # doctest: +SKIP
"""

from workbench.calls.addressbook import export_address_book
from workbench.calls.billing import CallAssignment, CallBilling, bill_calls
from workbench.calls.directory import PhoneDirectory, fetch_directory
from workbench.calls.numbers import normalize_numbers
from workbench.calls.postings import PostingPlan, plan_expense_postings, transfer_expense_postings
from workbench.calls.resolve import resolve_calls
from workbench.calls.rules import check_calls
from workbench.calls.settings import CallSettings

__all__ = [
    "CallAssignment",
    "CallBilling",
    "CallSettings",
    "PhoneDirectory",
    "PostingPlan",
    "bill_calls",
    "check_calls",
    "export_address_book",
    "fetch_directory",
    "normalize_numbers",
    "plan_expense_postings",
    "resolve_calls",
    "transfer_expense_postings",
]
