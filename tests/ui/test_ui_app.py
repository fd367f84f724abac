"""Every tab of the widget app, driven headless: set widget values, click, read the widgets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
EXPENSE = SAMPLES / "receipts_juston_expense.csv"
CALLS = SAMPLES / "calls_starface.csv"


def _checked(make_app, **options):
    app = make_app(client="455148-1", files=[EXPENSE], **options)
    app.tabs["sources"].load.click()
    app.tabs["checks"].check.click()
    return app


def test_sources_tab_lists_datev_clients_and_shows_what_was_loaded(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    sources = app.tabs["sources"]
    clients = dict((value, label) for label, value in sources.client.options)
    assert "455148-2" in clients and "Bäckerei Müller GmbH" in clients["455148-1"]
    assert sources.client.value == "455148-1"
    sources.load.click()
    assert app.runner.last_error is None
    assert "200 Zeilen geladen (Profil juston); 2 Zeilenprobleme" in sources.summary.value
    assert ">cp1252<" in sources.summary.value
    assert "receipts_juston_expense.csv" in sources.summary.value
    assert "field.unparseable" in sources.problems.html.value
    assert sources.problems.label.value == "Seite 1 von 1 (2 Zeilen)"


def test_sources_tab_takes_uploaded_files(make_app, connection):
    app = make_app(client="455148-1")
    sources = app.tabs["sources"]
    content = EXPENSE.read_bytes()
    sources.upload.value = (
        {
            "name": "hochgeladen.csv",
            "type": "text/csv",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        },
    )
    sources.load.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert (connection.settings.home / "uploads" / "hochgeladen.csv").read_bytes() == content
    assert "hochgeladen.csv" in sources.summary.value


def test_sources_tab_reports_missing_input_in_german(make_app, tmp_path):
    app = make_app(client="455148-1")
    app.tabs["sources"].load.click()
    assert "Bitte wählen Sie mindestens eine Quelldatei" in app.runner.status.value
    app.tabs["sources"].paths.value = str(tmp_path / "fehlt.csv")
    app.tabs["sources"].load.click()
    assert "Fehler:" in app.runner.status.value and "fehlt.csv" in app.runner.status.value
    assert "Traceback" not in app.runner.status.value


def test_checks_tab_counts_per_rule_and_filters_findings(make_app):
    app = _checked(make_app)
    checks = app.tabs["checks"]
    assert "16 Befunde, davon 11 Fehler, 2 Warnungen, 3 Hinweise" in checks.totals.value
    assert "duplicate.invoice_id" in checks.counts.value
    assert checks.table.label.value == "Seite 1 von 1 (16 Befunde)"
    checks.rule.value = "field.iban"
    assert checks.table.label.value.endswith("(1 Befunde)")
    assert (
        "field.iban" in checks.table.html.value
        and "duplicate.invoice_id" not in checks.table.html.value
    )
    checks.rule.value = "(alle)"
    checks.severity.value = "warning"
    assert checks.table.label.value.endswith("(2 Befunde)")
    assert 'data-severity="error"' not in checks.table.html.value
    checks.severity.value = "(alle)"
    checks.column.value = "iban"
    assert checks.table.label.value.endswith("(1 Befunde)")


def test_checks_tab_applies_safe_fixes_and_checks_again(make_app):
    app = _checked(make_app)
    checks = app.tabs["checks"]
    before = app.session.run.findings
    assert not checks.fix.disabled
    checks.fix.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "Werte korrigiert und erneut geprüft" in checks.fixed.value
    after = app.session.run.findings
    fixable = ("encoding.exotic_space", "encoding.mojibake")
    assert before.filter(pl.col("rule").is_in(fixable)).height > 0
    assert after.filter(pl.col("rule").is_in(fixable)).height == 0
    assert checks.fix.disabled


def test_preview_tab_pages_mapped_fields_with_lineage_and_findings(make_app):
    app = _checked(make_app)
    preview = app.tabs["preview"]
    preview.map.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "185 DATEV-Datensätze" in preview.counts.value
    assert ">200<" in preview.counts.value and ">14<" in preview.counts.value  # loaded, blocked
    assert preview.table.label.value == "Seite 1 von 37 (185 Datensätze)"
    first = preview.table.html.value
    assert "invoiceId" in first and "receipts_juston_expense.csv" in first
    preview.table.next.click()
    assert preview.table.html.value != first
    # Mapped rows with warnings (e.g. the non-UTF-8 file) are tinted.
    pages = [preview.table.show(page) or preview.table.html.value for page in range(37)]
    assert any('data-severity="warning"' in page for page in pages)


def test_preview_before_checks_asks_to_check_first(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    app.tabs["preview"].map.click()
    assert "Bitte zuerst prüfen" in app.runner.status.value


def test_transfer_tab_groups_per_month_and_kind_and_transfers_after_confirmation(make_app):
    app = _checked(make_app)
    transfer = app.tabs["transfer"]
    assert "Bitte zuerst prüfen und abbilden" in transfer.overview.value
    app.tabs["preview"].map.click()
    labels = [label for label, _ in transfer.group.options]
    assert "2026-02 · Rechnungseingang (51 Positionen, 26 Belege)" in labels
    assert "2026-02 ★" in transfer.overview.value
    transfer.group.value = ("2026-02", "Rechnungseingang")
    transfer.new.click()
    assert transfer.confirmation.layout.display == "flex"
    assert "51 Belegpositionen (26 Belege)" in transfer.question.value
    transfer.cancel.click()
    assert transfer.confirmation.layout.display == "none"
    assert not app.session.connection.ledger.transfers()
    progress = []
    app.runner.report = lambda done, total, text: progress.append((done, total, text))
    transfer.new.click()
    transfer.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "1 Datenübertragung(en) angelegt" in transfer.result.value
    assert any(text.startswith("Hochladen ") and total > 1 for _, total, text in progress)
    assert progress[-1][0] == progress[-1][1]
    # The group is gone from the list; the Status tab shows the new transfer.
    assert all(value != ("2026-02", "Rechnungseingang") for _, value in transfer.group.options)
    (made,) = app.session.connection.ledger.transfers()
    assert made.month == "2026-02" and made.local_status == "Transferiert"
    assert made.id in app.tabs["status"].transfer.value
    assert "Transferiert" in app.tabs["status"].overview.value


def test_status_tab_refreshes_confirms_and_shows_protocol_and_affected_rows(make_app, sandbox):
    app = _checked(make_app)
    app.tabs["preview"].map.click()
    transfer = app.tabs["transfer"]
    transfer.group.value = ("2026-03", "Rechnungseingang")
    transfer.new.click()
    transfer.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    sandbox.state.clock.advance(60)  # DATEV-side processing finishes
    status = app.tabs["status"]
    (made,) = app.session.connection.ledger.transfers()
    status.transfer.value = made.id
    status.fetch.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "DATEV-Status:" in status.fetched.value and "Bestätigen" in status.fetched.value
    assert not status.confirm.disabled
    # Not stored before "Bestätigen" (seed 004).
    assert app.session.connection.ledger.get(made.id).datev_status == "0"
    assert status.protocol.total > 0
    status.confirm.click()
    stored = app.session.connection.ledger.get(made.id)
    assert stored.datev_status_text not in ("", "Status offen", "In Arbeit")
    assert f"Gespeichert: DATEV-Status {stored.datev_status_text}" in status.fetched.value
    assert stored.datev_status_text in status.overview.value
    assert status.confirm.disabled
    status.show_protocol.click()
    assert status.protocol.total == len(stored.protocol) <= 1000
    # The sample has files DATEV rejects: the protocol names them, back-mapped to source rows.
    if stored.datev_status_text != "Fertig":
        assert status.backmapped.total > 0
        assert "receipts_juston_expense.csv" in status.backmapped.html.value


def test_calls_tab_shows_unresolved_numbers_reassigns_splits_and_posts(make_app):
    app = make_app(kind="calls", files=[CALLS])
    app.tabs["sources"].load.click()
    app.tabs["checks"].check.click()
    calls = app.tabs["calls"]
    assert "300 Gespräche: 154 abgerechnet, 60 ungeklärt" in calls.info.value
    assert calls.unresolved.label.value == "Seite 1 von 4 (60 Gespräche)"
    assert "ambiguous" in calls.unresolved.html.value or "unmatched" in calls.unresolved.html.value
    assert "Mandant" in calls.summary.value
    call = calls.call.options[0][1]
    assert calls.call.options[0][0].endswith("(ungeklärt)")
    first, second = calls.client.options[0][1], calls.client.options[1][1]
    calls.call.value, calls.client.value, calls.note.value = call, first, "Frage zu Firma A"
    calls.reassign.click()
    assert "155 abgerechnet, 59 ungeklärt" in calls.info.value
    calls.client.value, calls.seconds.value, calls.note.value = second, 30, "Firma B"
    calls.split.click()
    lines = app.session.run.billing.lines.filter(pl.col("call_id") == call)
    assert lines["part"].to_list() == [1, 2]
    assert lines["client_id"].to_list() == [first, second]
    assert lines["duration_s"][0] == 30
    assert lines["note"].to_list() == ["Frage zu Firma A", "Firma B"]
    assert "Firma B" in calls.assigned.value
    # An impossible split comes back as a finding shown in the tab, nothing is billed wrongly.
    calls.seconds.value = 10
    calls.split.click()
    assert "korrigieren Sie sie" in calls.assigned.value
    calls.clear.click()
    assert app.session.assignments == []
    calls.post.click()
    assert calls.confirmation.layout.display == "flex"
    assert "154 abgerechnete Gespräche" in calls.question.value
    calls.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "übertragen, 0 abgelehnt" in calls.posted.value
    assert "Aufwände" in app.tabs["transfer"].overview.value


@pytest.mark.parametrize("tab", ["preview", "transfer"])
def test_calls_are_not_mapped_or_transferred_as_documents(make_app, tab):
    app = make_app(kind="calls", files=[CALLS])
    app.tabs["checks"].check.click()
    app.tabs["preview"].map.click()
    if tab == "preview":
        assert "Fehler: Anruflisten werden nicht abgebildet" in app.runner.status.value
    else:
        assert app.tabs["transfer"].new.disabled


def test_app_displays_as_a_widget_and_runs_actions_in_a_thread(make_app):
    app = make_app(client="455148-1", files=[EXPENSE], background=True)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert app.tab.titles == (
        "Quellen",
        "Prüfungen",
        "Vorschau",
        "Übertragung",
        "Status",
        "Anrufe",
        "Zugänge",
        "Mandantentalk",
    )
    app.tabs["sources"].load.click()
    app.wait(30)
    assert "200 Zeilen geladen" in app.tabs["sources"].summary.value


def test_run_steps_loads_checks_and_maps(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    app.run_steps()
    assert app.session.mapped is not None
    assert app.tabs["transfer"].group.options


def test_transfer_errors_from_the_pipeline_show_as_german_messages(make_app, monkeypatch):
    from workbench.errors import TransferError
    from workbench.ui import transfer as transfer_tab

    app = _checked(make_app)
    app.tabs["preview"].map.click()

    def refused(*args, **kwargs):
        raise TransferError("Für den Mandanten 455148-1 läuft bereits die Übertragung abc.")

    monkeypatch.setattr(transfer_tab, "send_run", refused)
    tab = app.tabs["transfer"]
    tab.new.click()
    tab.confirm.click()
    assert "Fehler: Für den Mandanten 455148-1 läuft bereits" in app.runner.status.value
    assert tab.result.value == ""
    assert tab.group.options  # nothing was lost: the groups are still offered


def test_unexpected_errors_in_checks_do_not_leave_a_half_state(make_app, monkeypatch):
    from workbench.ui import checks as checks_tab

    app = _checked(make_app)
    before = app.session.run

    def broken(*args, **kwargs):
        raise RuntimeError("Verbindung weg")

    monkeypatch.setattr(checks_tab, "check_run", broken)
    app.tabs["checks"].check.click()
    assert "Unerwarteter Fehler: RuntimeError: Verbindung weg" in app.runner.status.value
    assert app.session.run is before
    assert "16 Befunde" in app.tabs["checks"].totals.value


def test_period_from_the_sources_tab_reaches_the_checks(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    app.tabs["sources"].period.value = "2026-01"
    app.tabs["checks"].check.click()
    assert app.session.period == "2026-01"
    assert "fiscal_year.outside_period" in app.tabs["checks"].counts.value


def test_pos_revenue_is_grouped_per_month_as_one_buchungsstapel(make_app):
    app = make_app(
        client="455148-1",
        kind="pos",
        files=[SAMPLES / "pos_lightspeed.csv"],
        pos_mapping=SAMPLES / "pos_mapping.toml",
    )
    app.run_steps()
    assert app.runner.last_error is None, app.runner.status.value
    labels = [label for label, _ in app.tabs["transfer"].group.options]
    assert labels and all("· Buchungsstapel (" in label for label in labels)
    assert any(label.startswith("2026-01 ") for label in labels)


def test_open_workbench_without_a_datev_login_shows_a_german_line(monkeypatch, tmp_path):
    from workbench.ui import open_workbench
    from workbench.ui.app import UnavailableApp

    config = tmp_path / "workbench.toml"
    config.write_text('[datev]\nclient_id = "abc"\nclient_secret = "geheim"\n', encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    app = open_workbench(client="455148-1")
    # No token key / no login on this machine: one German line instead of the app.
    assert isinstance(app, UnavailableApp)
    assert "Fehler: " in app.widget.value and "Traceback" not in app.widget.value
    assert "application/vnd.jupyter.widget-view+json" in app._repr_mimebundle_()
    app.close()


def test_status_tab_deletes_a_failed_transfer_only_after_confirmation(make_app, sandbox):
    app = _checked(make_app)
    app.tabs["preview"].map.click()
    transfer = app.tabs["transfer"]
    transfer.group.value = ("2026-01", "Rechnungseingang")
    transfer.new.click()
    transfer.confirm.click()
    (made,) = app.session.connection.ledger.transfers()
    ledger = app.session.connection.ledger
    ledger.update(made.id, action="test: DATEV lehnt ab", datev_status="3")
    status = app.tabs["status"]
    status.refresh()
    status.transfer.value = made.id
    status.actions["retransfer"].click()
    assert "neu übertragen" in status.action_question.value
    assert ledger.get(made.id).local_status == "Transferiert"  # nothing happens before "Ja"
    status.actions["delete"].click()
    status.action_confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert ledger.get(made.id).local_status == "Gelöscht"
    assert "Gelöscht" in status.overview.value
    status.transfer.value = made.id
    status.actions["retransfer"].click()
    status.action_confirm.click()
    assert "nicht fehlgeschlagen" in app.runner.status.value  # a readable message, no traceback
