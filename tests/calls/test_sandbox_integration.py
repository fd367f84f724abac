"""Over real sockets: master data from the sandbox's DATEVconnect, postings accepted by it."""

import polars as pl
import pytest

from workbench.calls import (
    bill_calls,
    fetch_directory,
    plan_expense_postings,
    transfer_expense_postings,
)
from workbench.config import sandbox_endpoints
from workbench.sandbox import start_sandbox
from workbench.transfer.client import DatevClient, RetryPolicy


@pytest.fixture(scope="module")
def datev():
    with start_sandbox() as sandbox, DatevClient(
            sandbox_endpoints(sandbox.url), client_id="workbench-sandbox",
            connect_auth=("datevconnect", "sandbox"),
            retry=RetryPolicy(attempts=3, backoff=0.01)) as client:
        yield client


@pytest.fixture(scope="module")
def remote_directory(datev):
    return fetch_directory(datev)


def test_fetched_directory_equals_the_seed(remote_directory, directory):
    # /relationships is not served by the sandbox (404): the directory is built without it.
    for name in ("numbers", "clients", "employees", "orders"):
        fetched = getattr(remote_directory, name)
        assert fetched.sort(fetched.columns).equals(
            getattr(directory, name).sort(fetched.columns)), name


def test_postings_are_accepted_by_the_sandbox(datev, remote_directory, fixture_calls):
    billing = bill_calls(fixture_calls, remote_directory)
    plan = plan_expense_postings(billing, remote_directory)
    assert plan.postings.height == 3
    result = transfer_expense_postings(plan, datev)
    assert result["status"].to_list() == ["posted"] * 3
    assert result["message"].null_count() == 3
    # What DATEV now holds per order equals the billed minutes (1 hour = 1200 units).
    for order_id, units in plan.postings.group_by("order_id").agg(
            pl.col("time_units").sum()).rows():
        stored = datev.connect_get("order-management", f"/orders/{order_id}/expensepostings",
                                   what="Aufwandsbuchungen lesen")
        mine = [p for p in stored if p["comment"].endswith(tuple(
            f"({c})" for c in plan.postings["call_id"]))]
        assert sum(p["time_units"] for p in mine) == units
        assert {p["cost_position"] for p in mine} == {"TELB"}


def test_refused_postings_are_reported_and_the_rest_goes_on(datev, remote_directory,
                                                            fixture_calls):
    billing = bill_calls(fixture_calls, remote_directory)
    # Order 1002 is done: DATEV refuses cost entries there.
    plan = plan_expense_postings(billing, remote_directory, orders={"3": (1002, 1)})
    result = transfer_expense_postings(plan, datev)
    by_call = dict(zip(result["call_id"], result["status"], strict=True))
    assert by_call == {"SF-2": "failed", "SF-11": "posted", "SF-17": "posted"}
    message = result.filter(pl.col("status") == "failed")["message"][0]
    assert "HTTP 400" in message and "Auftrag 1002" in message
