"""Schritt "Abgleich mit DATEV" driven headless: transfer a month, let DATEV (the sandbox) book
it, reconcile; then a colleague deletes a booking and the step shows that one difference with
its source row, the accounts with DATEV's names and the chart of sent vs booked."""

from __future__ import annotations

from pathlib import Path

import httpx
import polars as pl

from workbench.reconcile import period_bounds
from workbench.reconcile.sent import sent_bookings
from workbench.reconcile.tables import accounts_table

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
EXPENSE = SAMPLES / "receipts_juston_expense.csv"
#: A Mandant no other UI test transfers for (the sandbox is shared by the UI tests).
CLIENT = "29098-55003"


def test_the_abgleich_shows_what_datev_booked_differences_first(make_app, sandbox):
    app = make_app(client=CLIENT, files=[EXPENSE], period="2026-01")
    app.steps["sources"].load.click()
    app.steps["checks"].check.click()
    app.steps["preview"].map.click()
    transfer = app.steps["transfer"]
    transfer.month.value = "2026-01"
    transfer.new.click()
    transfer.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    sandbox.state.clock.advance(60)  # DATEV processes the transfer

    step = app.steps["reconcile"]
    app.go("reconcile")
    assert step.month.value == "2026-01"  # the app's period
    step.run.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "Keine Abweichungen" in step.state.value
    assert step.differences.total == 0
    sent = step.result.counts["sent"]
    assert sent == step.result.counts["booked"] == step.result.counts["source"] > 0
    assert "Januar 2026" in step.summary.value
    assert "<svg" in step.chart.value and "Gesendet und gebucht je Sachkonto" in step.chart.value
    assert "4930</text>" in step.chart.value
    assert "70101</text>" not in step.chart.value  # Personenkonten: in the table only
    accounts = step.accounts.html.value
    assert "Bürobedarf" in accounts  # DATEV's Kontenbeschriftung of 4930

    # A colleague deletes one booked Beleg at DATEV.
    start, end = period_bounds("2026-01")
    booking = sent_bookings(
        app.session.connection.ledger, CLIENT, start=start, end=end, account_length=4
    ).row(0, named=True)
    deleted = httpx.post(
        f"{sandbox.url}/_sandbox/clients/{CLIENT}/postings",
        json={"action": "delete", "match": {"documentField1": booking["belegfeld1"]}},
    )
    assert deleted.status_code == 200, deleted.text
    step.run.click()
    assert "Abweichungen" in step.state.value and "wb-error" in step.state.value
    shown = step.differences.html.value
    assert "nicht gebucht" in shown and booking["belegfeld1"] in shown
    assert EXPENSE.name in shown and f">{booking['source_row']}<" in shown
    # The accounts of the deleted Beleg differ and come first in the account table.
    table = accounts_table(step.result)
    differing = (table["Differenz"] != 0).to_list()
    assert booking["account"] in table.filter(pl.col("Differenz") != 0)["Konto"].to_list()
    assert differing == sorted(differing, reverse=True)  # the differing ones first
    first_row = step.accounts.html.value.split("<tbody>", 1)[1]
    assert first_row.split("</td>", 1)[0].endswith(table["Konto"][0])

    # Another Mandant: nothing of this Abgleich stays.
    app.steps["client"].client.value = "455148-1"
    assert step.result is None and step.differences.total == 0
