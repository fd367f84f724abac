"""Call billing (issue 7, seed 000): resolve call-log numbers to Mandanten through DATEV master
data, check the log, bill to the started unit, post the time to the Mandant's order, and export
the Kanzlei's phone book for the phone system (STARFACE CSV, vCard 4.0).

>>> directory = fetch_directory(datev)  # doctest: +SKIP
>>> billing = bill_calls(load_calls("calls.csv", profile="starface"), directory,
...                      settings=CallSettings(rounding="15min"))  # doctest: +SKIP
>>> transfer_expense_postings(plan_expense_postings(billing, directory), datev)  # doctest: +SKIP
"""

from workbench.calls.billing import CallAssignment, CallBilling, bill_calls
from workbench.calls.directory import PhoneDirectory, consultant_client_ids, fetch_directory
from workbench.calls.numbers import normalize_numbers
from workbench.calls.phonebook import (
    AddressBookSettings,
    PhoneBook,
    build_phone_book,
    fetch_phone_book,
)
from workbench.calls.phonebook_files import write_phone_book
from workbench.calls.postings import PostingPlan, plan_expense_postings, transfer_expense_postings
from workbench.calls.resolve import resolve_calls
from workbench.calls.rules import check_calls
from workbench.calls.settings import CallSettings

__all__ = [
    "AddressBookSettings",
    "CallAssignment",
    "CallBilling",
    "CallSettings",
    "PhoneBook",
    "PhoneDirectory",
    "PostingPlan",
    "bill_calls",
    "build_phone_book",
    "check_calls",
    "consultant_client_ids",
    "fetch_directory",
    "fetch_phone_book",
    "normalize_numbers",
    "plan_expense_postings",
    "resolve_calls",
    "transfer_expense_postings",
    "write_phone_book",
]
