"""Over real sockets: master data from the sandbox's DATEVconnect, postings accepted by it."""

import polars as pl
import pytest

from workbench.calls import (
    PostingPlan,
    bill_calls,
    consultant_client_ids,
    fetch_directory,
    plan_expense_postings,
    transfer_expense_postings,
)
from workbench.config import sandbox_endpoints
from workbench.errors import DatevApiError
from workbench.sandbox import start_sandbox
from workbench.transfer.client import DatevClient, RetryPolicy
from workbench.transfer.ledger import Ledger


@pytest.fixture(scope="module")
def datev():
    with (
        start_sandbox() as sandbox,
        DatevClient(
            sandbox_endpoints(sandbox.url),
            client_id="workbench-sandbox",
            connect_auth=("datevconnect", "sandbox"),
            retry=RetryPolicy(attempts=3, backoff=0.01),
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def remote_directory(datev):
    return fetch_directory(datev)


def test_fetched_directory_equals_the_seed(remote_directory, directory):
    # /relationships is not served by the sandbox (404): the directory is built without it.
    for name in ("numbers", "clients", "employees", "orders"):
        fetched = getattr(remote_directory, name)
        assert fetched.sort(fetched.columns).equals(
            getattr(directory, name).sort(fetched.columns)
        ), name


def test_postings_are_accepted_by_the_sandbox(datev, remote_directory, fixture_calls):
    billing = bill_calls(fixture_calls, remote_directory)
    plan = plan_expense_postings(billing, remote_directory)
    assert plan.postings.height == 3
    result = transfer_expense_postings(plan, datev)
    assert result["status"].to_list() == ["posted"] * 3
    assert result["message"].null_count() == 3
    # What DATEV now holds per order equals the billed minutes (1 hour = 1200 units).
    for order_id, units in (
        plan.postings.group_by("order_id").agg(pl.col("time_units").sum()).rows()
    ):
        stored = datev.connect_get(
            "order-management",
            f"/orders/{order_id}/expensepostings",
            what="Aufwandsbuchungen lesen",
        )
        mine = [
            p
            for p in stored
            if p["comment"].endswith(tuple(f"({c})" for c in plan.postings["call_id"]))
        ]
        assert sum(p["time_units"] for p in mine) == units
        assert {p["cost_position"] for p in mine} == {"TELB"}


def test_refused_postings_are_reported_and_the_rest_goes_on(datev, remote_directory, fixture_calls):
    billing = bill_calls(fixture_calls, remote_directory)
    # Order 1002 is done: DATEV refuses cost entries there.
    plan = plan_expense_postings(billing, remote_directory, orders={"3": (1002, 1)})
    result = transfer_expense_postings(plan, datev)
    by_call = dict(zip(result["call_id"], result["status"], strict=True))
    assert by_call == {"SF-2": "failed", "SF-11": "posted", "SF-17": "posted"}
    message = result.filter(pl.col("status") == "failed")["message"][0]
    assert "HTTP 400" in message and "Auftrag 1002" in message


def ledger_counts(ledger):
    return sorted(
        (t.client, t.month, t.local_status) for t in ledger.transfers() if t.kind == "calls"
    )


def test_ledger_never_posts_twice_and_resumes_after_a_refusal(
    datev, remote_directory, fixture_calls, tmp_path
):
    billing = bill_calls(fixture_calls, remote_directory)
    ledger = Ledger(tmp_path / "ledger.sqlite")
    before = len(datev.connect_get("order-management", "/orders/expensepostings", what="lesen"))
    # First run: Mandant 3's order is the done one, so DATEV refuses SF-2.
    refused = plan_expense_postings(billing, remote_directory, orders={"3": (1002, 1)})
    first = transfer_expense_postings(refused, datev, ledger=ledger)
    assert first["status"].to_list() == ["failed", "posted", "posted"]
    assert ledger_counts(ledger) == [
        ("2", "2026-01", "Transferiert"),
        ("2", "2026-02", "Transferiert"),
        ("3", "2026-01", "Fehlgeschlagen"),
    ]
    failed = next(t for t in ledger.transfers() if t.local_status == "Fehlgeschlagen")
    assert failed.protocol[0]["status"] == "refused" and "HTTP 400" in failed.error
    assert [i["item_id"] for i in ledger.items(failed.id)] == ["SF-2#1"]
    # Second run with the right order: only SF-2 goes to DATEV.
    plan = plan_expense_postings(billing, remote_directory)
    second = transfer_expense_postings(plan, datev, ledger=ledger)
    assert second.select("call_id", "status").rows() == [
        ("SF-2", "posted"),
        ("SF-11", "skipped"),
        ("SF-17", "skipped"),
    ]
    assert second["message"][1].startswith("Bereits an DATEV übertragen (Übertragung ")
    # Third run: nothing left.
    third = transfer_expense_postings(plan, datev, ledger=ledger)
    assert set(third["status"]) == {"skipped"}
    after = len(datev.connect_get("order-management", "/orders/expensepostings", what="lesen"))
    assert after - before == 3
    # Explicit re-transfer sends everything again.
    again = transfer_expense_postings(plan, datev, ledger=ledger, retransfer=True)
    assert set(again["status"]) == {"posted"}
    ledger.close()


def test_each_mandant_is_named_as_in_datevs_client_list(fixture_calls, tmp_path):
    """Tour 29, defect 1: the ledger names a calls transfer by DATEV's consultant-client id
    (from the client list: Mandant 55003 belongs to Berater 29098), and postings a ledger of
    an earlier version recorded under the bare Mandant number are still never sent twice."""
    from workbench.pipeline.connection import connect

    with connect() as connection:  # the embedded sandbox, logged in as every command is
        datev = connection.datev
        ids = consultant_client_ids(datev)
        assert ids[2] == "455148-2" and ids[3] == "455148-3" and ids[55003] == "29098-55003"
        directory = fetch_directory(datev)
        plan = plan_expense_postings(bill_calls(fixture_calls, directory), directory)
        ledger = Ledger(tmp_path / "ledger.sqlite")
        first = transfer_expense_postings(plan, datev, ledger=ledger, client_ids=ids)
        assert set(first["status"]) == {"posted"}
        assert ledger_counts(ledger) == [
            ("455148-2", "2026-01", "Transferiert"),
            ("455148-2", "2026-02", "Transferiert"),
            ("455148-3", "2026-01", "Transferiert"),
        ]
        legacy = Ledger(tmp_path / "legacy.sqlite")
        transfer_expense_postings(plan, datev, ledger=legacy)  # as before: under "2" and "3"
        again = transfer_expense_postings(plan, datev, ledger=legacy, client_ids=ids)
        assert set(again["status"]) == {"skipped"}
        assert {t.client for t in legacy.transfers()} == {"2", "3"}
        ledger.close()
        legacy.close()


def test_a_client_list_datev_does_not_give_names_no_mandant():
    """Calls go to DATEVconnect (basic auth); without a login for the online APIs the client
    list fails, and the Mandant number stays as it is rather than stopping the postings."""

    class NoLogin:
        def list_clients(self):
            raise DatevApiError("Mandanten abrufen: HTTP 401. Melden Sie sich an.")

    assert consultant_client_ids(NoLogin()) == {}


class Interrupted(Exception):
    pass


class FlakyClient:
    """Answers the first POSTs, then fails in the given way."""

    def __init__(self, ok: int, failure: Exception):
        self.ok, self.failure, self.posted = ok, failure, []

    def request(self, method, api, path, **kwargs):
        if len(self.posted) >= self.ok:
            raise self.failure
        self.posted.append((path, kwargs["json"]))


@pytest.mark.parametrize(
    "failure",
    [
        Interrupted("process killed"),
        DatevApiError("Telefonat buchen: DATEV ist nicht erreichbar (ReadTimeout)."),
    ],
)
def test_interrupted_posting_is_unclear_and_never_resent_silently(
    directory, fixture_calls, tmp_path, failure
):
    full = plan_expense_postings(bill_calls(fixture_calls, directory), directory)
    plan = PostingPlan(
        postings=full.postings.filter(pl.col("client_number") == 2), findings=full.findings
    )
    ledger = Ledger(tmp_path / "ledger.sqlite")
    flaky = FlakyClient(ok=1, failure=failure)
    if isinstance(failure, Interrupted):
        with pytest.raises(Interrupted):
            transfer_expense_postings(plan, flaky, ledger=ledger)
        assert ledger_counts(ledger) == [
            ("2", "2026-01", "Transferiert"),
            ("2", "2026-02", "In Übertragung"),
        ]
    else:
        result = transfer_expense_postings(plan, flaky, ledger=ledger)
        assert result["status"].to_list() == ["posted", "failed"]
    # The next run does not know whether DATEV has SF-17: it skips it and says so.
    steady = FlakyClient(ok=10, failure=AssertionError("not reached"))
    rerun = transfer_expense_postings(plan, steady, ledger=ledger)
    assert rerun["status"].to_list() == ["skipped", "skipped"]
    assert "ob DATEV sie erhalten hat, ist unklar" in rerun["message"][1]
    assert steady.posted == []
    assert ledger_counts(ledger)[-1] == ("2", "2026-02", "Fehlgeschlagen")
    # After checking in DATEV, the user re-transfers explicitly.
    forced = transfer_expense_postings(plan, steady, ledger=ledger, retransfer=True)
    assert forced["status"].to_list() == ["posted", "posted"]
    ledger.close()
