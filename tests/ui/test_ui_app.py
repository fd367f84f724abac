"""Every step of the guided app, driven headless: set widget values, click, read the widgets."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
EXPENSE = SAMPLES / "receipts_juston_expense.csv"
BOOKING = SAMPLES / "receipts_juston_booking_detail.csv"
CALLS = SAMPLES / "calls_starface.csv"


def uploaded(path: Path, name: str | None = None, content: bytes | None = None) -> tuple:
    content = path.read_bytes() if content is None else content
    return (
        {
            "name": name or path.name,
            "type": "application/octet-stream",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        },
    )


def belege_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((SAMPLES / "belege").glob("BEL-*")):
            archive.write(path, f"export/belege/{path.name}")
        archive.writestr("../../ausbruch.pdf", b"%PDF-1.4")  # a name that tries to escape
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _datev_done_with_earlier_transfers(sandbox):
    """DATEV takes one open transfer per client, month and kind: the shared sandbox finishes
    the earlier tests' transfers first (it moves a job when it is looked at)."""
    from workbench.sandbox.processing import visible_job

    sandbox.state.clock.advance(120)
    open_jobs = sandbox.state.store.query(
        "SELECT client_id, id FROM dxso_jobs WHERE deleted = 0 AND status IN (0, 1)"
    )
    for job in open_jobs:
        visible_job(sandbox.state, job["client_id"], job["id"])


def _checked(make_app, **options):
    app = make_app(client="455148-1", files=[EXPENSE], **options)
    app.steps["sources"].load.click()
    app.steps["checks"].check.click()
    assert app.runner.last_error is None, app.runner.status.value
    return app


def test_the_flow_runs_in_datevs_order_and_each_step_says_what_it_needs(make_app):
    app = make_app(client="455148-1")
    titles = [step.title for step in app.steps.values()]
    assert titles == ["Mandant", "Quellen", "Prüfen", "Vorschau", "Übertragen", "Status",
                      "Protokoll", "Abgleich mit DATEV", "Anrufe", "Mandantentalk",
                      "Zugänge"]  # fmt: skip
    # the main path ends with the Abgleich; the expert areas are in the bar only
    assert [step.key for step in app.steps.values() if step.in_flow][-1] == "reconcile"
    assert app.steps["reconcile"].next_button.layout.display == "none"
    for step in app.steps.values():
        assert step.heading.value.startswith("<h3")
        assert "wb-step-needs" in step.heading.value
    assert "Danach: Quellen" in app.steps["client"].heading.value
    assert app.steps["sources"].next_button.description == "Weiter: Prüfen"
    app.steps["sources"].next_button.click()
    assert app.current == "checks"
    assert "Zuerst im Schritt „Quellen“" in app.steps["checks"].state.value


def test_preview_after_a_check_says_what_to_click_not_its_intro_again(make_app):
    """Tour 28 #22: before "Abbilden" the intro sentence stood twice (heading and state)."""
    app = _checked(make_app)
    app.go("preview")
    preview = app.steps["preview"]
    assert "„Abbilden“" in preview.state.value
    assert "Braucht eine Prüfung" not in preview.state.value


def test_preview_after_abbilden_says_so_once(make_app):
    """Tour 29 #3: after "Abbilden" the app's status line and the step's own line both said
    "Abgebildet. Weiter mit „Übertragen“."; the counts below it say what was mapped."""
    app = _checked(make_app)
    app.go("preview")
    preview = app.steps["preview"]
    preview.map.click()
    shown = app.runner.status.value + preview.state.value
    assert shown.count("Abgebildet") == 1, shown
    assert "DATEV-Datensätze" in preview.counts.value
    app.go("transfer")
    app.go("preview")  # back again: no stale "Klicken Sie auf „Abbilden“"
    assert "„Abbilden“" not in preview.state.value


def test_steps_can_be_added_to_the_flow(make_app):
    from workbench.ui import Step

    class Abgleich(Step):
        key = "abgleich"
        title = "Abgleich mit DATEV"
        needs = "Braucht bestätigte Übertragungen."

    app = make_app(client="455148-1")
    app.add_step(Abgleich, after="status")
    assert list(app.steps)[5:8] == ["status", "abgleich", "protocol"]
    assert "Danach: Abgleich mit DATEV" in app.steps["status"].heading.value
    assert any("Abgleich mit DATEV" in button.description for button in app.nav.children)


def test_client_step_lists_datev_clients(make_app):
    app = make_app(client="455148-1")
    step = app.steps["client"]
    clients = {value: label for label, value in step.client.options}
    assert "455148-2" in clients and "Bäckerei Müller GmbH" in clients["455148-1"]
    assert step.client.value == "455148-1"


def test_switching_the_client_clears_every_result_of_the_previous_one(make_app):
    app = _checked(make_app)
    app.steps["preview"].map.click()
    assert app.steps["checks"].totals.value and app.steps["preview"].counts.value
    app.steps["client"].client.value = "455148-2"
    assert app.session.run is None and app.session.mapped is None
    assert app.steps["checks"].totals.value == "" and app.steps["checks"].table.total == 0
    assert app.steps["preview"].counts.value == ""
    assert not app.steps["transfer"].document_kind.options
    assert "455148-1" not in app.steps["status"].overview.value


def test_a_client_without_rights_says_why_and_shows_nothing_of_the_previous_one(make_app):
    app = _checked(make_app)
    app.steps["client"].client.value = "455148-3"  # no Rechnungsdatenservice 1.0 booked
    app.steps["sources"].paths.value = str(EXPENSE)
    app.steps["checks"].check.click()
    status = app.runner.status.value
    if app.runner.last_error is not None:  # DATEV refuses: one German sentence, next action
        assert "Fehler:" in status and "Traceback" not in status
        assert "Rechteverwaltung" in status or "Mandant" in status
    assert "455148-1" not in app.steps["checks"].totals.value
    assert all(run.client == "455148-3" for run in [app.session.run] if run is not None)


def test_sources_step_says_which_line_of_a_file_is_invoices_and_which_positions(make_app):
    """Tour 28 #26: an e-invoice stood twice in the table (1 row, 2 rows), alike but the count."""
    app = make_app(client="455148-1", kind="invoices",
                   files=[SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml"])  # fmt: skip
    sources = app.steps["sources"]
    sources.load.click()
    assert app.runner.last_error is None, app.runner.status.value
    table = sources.summary.value
    assert ">Inhalt<" in table and ">Rechnungen<" in table and ">Rechnungspositionen<" in table


def test_sources_step_loads_what_was_typed_the_way_the_readme_writes_it(make_app, monkeypatch):
    monkeypatch.chdir(SAMPLES.parents[1] / "notebooks")  # where JupyterLab starts the kernel
    app = make_app(client="455148-1")
    sources = app.steps["sources"]
    sources.paths.value = "data/samples/receipts_juston_expense.csv"
    sources.load.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "200 Zeilen geladen (Profil juston); 2 Zeilenprobleme" in sources.summary.value
    assert ">cp1252<" in sources.summary.value
    assert (
        "Wert nicht lesbar" in sources.problems.html.value
        or "ungültig" in sources.problems.html.value
    )


def test_an_upload_replaces_the_prefilled_path_and_can_be_removed(make_app, connection):
    app = make_app(client="455148-1", files=[EXPENSE])
    sources = app.steps["sources"]
    sources.upload.value = uploaded(BOOKING, "hochgeladen.csv")
    assert sources.paths.value == ""  # the upload replaces the pre-filled path
    assert sources.upload.value == ()
    sources.load.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "300 Zeilen geladen" in sources.summary.value  # not 500: only the upload
    saved = app.session.uploads[0]
    assert saved.read_bytes() == BOOKING.read_bytes()
    assert connection.settings.home / "uploads" / "455148-1" in saved.parents
    [remove] = [row.children[1] for row in sources.uploaded.children]
    remove.click()
    assert not saved.exists() and app.session.uploads == []
    assert sources.summary.value == ""
    sources.load.click()
    assert "keine Quelldatei" in app.runner.status.value  # nothing stays behind


def test_belegbilder_come_with_an_upload_as_a_zip(make_app, tmp_path):
    app = make_app(client="455148-1")
    sources = app.steps["sources"]
    sources.upload.value = uploaded(BOOKING)
    checks = app.steps["checks"]
    checks.check.click()
    missing = app.session.run.findings.filter(pl.col("rule") == "attachment.missing").height
    assert missing > 250  # without its Belegbilder every row misses its image
    sources.upload_belege.value = uploaded(BOOKING, "belege.zip", belege_zip())
    assert "Belegbilder:" in sources.uploaded.children[-1].children[0].value
    assert not (app.session.upload_folder.parent / "ausbruch.pdf").exists()
    checks.check.click()
    assert app.runner.last_error is None, app.runner.status.value
    after = app.session.run.findings.filter(pl.col("rule") == "attachment.missing").height
    assert after <= 2  # the seeded missing ones


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (lambda tmp: tmp / "fehlt.csv", "wurde nicht gefunden"),
        (lambda tmp: _write(tmp / "rechnung.pdf", b"%PDF-1.4\n1 0 obj"), "PDF-Dokument"),
        (lambda tmp: _write(tmp / "leer.csv", b""), "ist leer"),
        (lambda tmp: CALLS, "sieht aus wie eine Anrufliste"),
        (lambda tmp: SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml", "ist eine E-Rechnung"),
    ],
)
def test_load_errors_name_the_real_cause_and_the_control(make_app, tmp_path, make, cause):
    app = make_app(client="455148-1")
    app.steps["sources"].paths.value = str(make(tmp_path))
    app.steps["sources"].load.click()
    status = app.runner.status.value
    assert cause in status
    assert "--profile" not in status and "passt keines" not in status
    if "Anrufliste" in cause or "E-Rechnung" in cause:
        assert "Schritt „Quellen“ die passende Quellart" in status
    assert "Nicht geladen" in app.steps["sources"].state.value


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_checks_read_message_first_in_german_with_filters_and_charts(make_app):
    app = _checked(make_app)
    checks = app.steps["checks"]
    assert "200 Zeilen geprüft" in checks.totals.value
    # short Sachkonto: a Hinweis (account.short), the Ziel-Ordner not known yet: a Hinweis
    assert "11 Fehler, 2 Warnungen, 3 Hinweise." in checks.totals.value
    assert checks.charts.value.count("<svg") == 2  # per rule and per month
    assert "Befunde je Monat" in checks.charts.value
    html = checks.table.html.value
    headers = html.split("<thead>")[1].split("</thead>")[0]
    assert headers.index("Meldung") < headers.index("Schwere") < headers.index("Regel")
    assert "white-space:nowrap" in html and 'title="' in html  # one line, whole text on hover
    assert ">Fehler<" in html and ">error<" not in html
    assert checks.table.label.value == "Seite 1 von 1 (16 Befunde)"
    checks.filters["rule"].value = "field.iban"
    assert checks.table.label.value.endswith("(1 Befunde)")
    checks.filters["rule"].value = "(alle)"
    checks.filters["severity"].value = "warning"
    assert checks.table.label.value.endswith("(2 Befunde)")
    assert "Warnung" in [label for label, _ in checks.filters["severity"].options]
    checks.filters["severity"].value = "(alle)"
    checks.filters["source"].value = EXPENSE.name
    assert checks.table.label.value.endswith("(16 Befunde)")
    checks.filters["column"].value = "PayeeIBAN"
    assert checks.table.label.value.endswith("(1 Befunde)")


def test_the_period_selects_rows_in_the_app_too(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    checks = app.steps["checks"]
    checks.period.value = "Januar 2026"
    checks.check.click()
    assert app.session.period == "2026-01"
    assert "fiscal_year.outside_period" not in checks.table.html.value
    assert "135 Zeilen anderer Monate nicht geprüft (Zeitraum Januar 2026)" in checks.totals.value
    checks.period.value = "13/2026"
    checks.check.click()
    assert "kein gültiger Monat" in app.runner.status.value


def test_safe_fixes_are_shown_old_to_new_and_survive_a_reload(make_app):
    app = _checked(make_app)
    checks = app.steps["checks"]
    assert "sichere Korrekturen möglich" in checks.fixes.value
    assert ">alt<" in checks.fixes.value and ">neu<" in checks.fixes.value
    checks.fix.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "korrigiert und gespeichert" in checks.fixes.value
    fixable = ("encoding.exotic_space", "encoding.mojibake")
    assert app.session.run.findings.filter(pl.col("rule").is_in(fixable)).is_empty()
    again = _checked(make_app)  # a new app: the page was reloaded
    assert again.session.run.findings.filter(pl.col("rule").is_in(fixable)).is_empty()
    assert "gespeicherte Korrekturen angewendet" in again.steps["checks"].totals.value


def test_the_pruefbericht_is_offered_as_a_download(make_app):
    import base64

    from openpyxl import load_workbook

    app = _checked(make_app)
    checks = app.steps["checks"]
    checks.report.click()
    assert app.runner.last_error is None, app.runner.status.value
    link = checks.download.value
    assert 'download="Pruefbericht_455148-1_alle.xlsx"' in link
    data = base64.b64decode(link.split("base64,")[1].split('"')[0])
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames[:2] == ["Zusammenfassung", "Befunde"]


def test_preview_is_one_row_per_datev_record_in_datevs_words(make_app):
    app = _checked(make_app)
    preview = app.steps["preview"]
    preview.map.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "185 DATEV-Datensätze" in preview.counts.value
    assert preview.table.label.value == "Seite 1 von 13 (185 Datensätze)"
    page = preview.table.html.value
    head = page.split("<thead>")[1].split("</thead>")[0]
    for name in ("Umsatz", "Soll/Haben", "Konto", "Gegenkonto", "Belegdatum", "Belegfeld 1",
                 "Buchungstext", "KOST1", "Geschäftspartner"):  # fmt: skip
        assert f">{name}<" in head, name
    assert "accountNo" not in page and "bpAccountNo" not in page and "costCategoryId" not in page
    assert head.count(">Geschäftspartner<") == 1
    body = page.split("<tbody>")[1]
    assert body.count("<tr>") == 15
    # German values; the source cell as written in the file, with file and row, on hover
    # (row 2 is blocked: an exotic space in the party's name is an error, issue 13)
    assert ">715,24<" in body and ">07.01.2026<" in body
    assert "Quelle: GrossAmount = »715,24« (receipts_juston_expense.csv:3)" in body
    assert "Quelle: ReceiptDate = »07.01.2026«" in body
    assert "receipts_juston_expense.csv:3<" in body
    # Tour 28 #21: the Belegbild as the user names it, not the server's path to it.
    assert ">BEL-000402.pdf<" in body and "/belege/BEL-000402.pdf" not in body
    pages = [preview.table.show(number) or preview.table.html.value for number in range(13)]
    assert any("data-severity='warning'" in text for text in pages)  # findings on the cell


def test_preview_before_checks_asks_to_check_first(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    app.steps["preview"].map.click()
    assert "Bitte zuerst prüfen" in app.runner.status.value


def test_transfer_offers_month_kind_with_counts_and_folder_with_a_favourite(make_app):
    app = _checked(make_app)
    transfer = app.steps["transfer"]
    assert "Vorschau" in transfer.overview.value
    app.steps["preview"].map.click()
    months = dict((value, label) for label, value in transfer.month.options)
    assert months["2026-02"] == "Februar 2026 ★"
    transfer.month.value = "2026-02"
    assert transfer.document_kind.options == (("Rechnungseingang (51)", "Rechnungseingang"),)
    # DATEV names a Beleg-Art's folders only when a transfer creates its job (issue 13): the
    # first transfer goes to DATEV's default folder
    assert transfer.folder.options == (("Vorgabe von DATEV", ""),)
    assert transfer.folder.value == ""  # shown: the dropdown has a label for ""
    transfer.new.click()
    assert transfer.confirmation.layout.display == "flex"
    assert (
        "51 Belegpositionen (26 Belege) des Buchungsmonats Februar 2026" in transfer.question.value
    )
    transfer.cancel.click()
    assert not app.session.connection.ledger.transfers()
    progress = []
    app.runner.report = lambda done, total, text: progress.append((done, total, text))
    transfer.new.click()
    transfer.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "1 Datenübertragung(en) angelegt" in transfer.result.value
    assert any(text.startswith("Hochladen ") and total > 1 for _, total, text in progress)
    (made,) = app.session.connection.ledger.transfers()
    assert made.month == "2026-02" and made.local_status == "Transferiert"
    assert "Februar 2026 ★" not in [label for label, _ in transfer.month.options]
    # Now the folders DATEV named are offered; one saved as favourite is offered first next time
    transfer.month.value = "2026-01"
    folders = [value for _, value in transfer.folder.options]
    assert folders and all(folders), transfer.folder.options
    transfer.folder.value = folders[-1]
    transfer.favourite.value = True
    transfer.new.click()
    transfer.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    transfer.month.value = "2026-03"
    assert transfer.folder.options[0] == (f"{folders[-1]} (Favorit)", folders[-1])


def test_status_selects_the_newest_transfer_of_the_mandant_and_confirms_it(make_app, sandbox):
    from workbench.ui.status import FAILED

    app = _checked(make_app)
    app.steps["preview"].map.click()
    transfer = app.steps["transfer"]
    for month in ("2026-01", "2026-03"):
        transfer.month.value = month
        transfer.new.click()
        transfer.confirm.click()
        assert app.runner.last_error is None, app.runner.status.value
    ledger = app.session.connection.ledger
    newest = ledger.transfers()[-1]
    status = app.steps["status"]
    app.go("status")
    assert status.transfer.value == newest.id  # not an older one
    rows = status.overview.value
    assert "März 2026" in rows and "Januar 2026" in rows and "angelegt" in rows
    assert rows.index("März 2026") < rows.index("Januar 2026")  # newest first
    status.filters["month"].value = "2026-01"
    assert "März 2026" not in status.overview.value
    status.filters["month"].value = "(alle)"
    sandbox.state.clock.advance(60)
    status.transfer.value = newest.id
    status.fetch.click()
    assert "DATEV-Status:" in status.fetched.value and not status.confirm.disabled
    assert ledger.get(newest.id).datev_status == "0"  # not stored before "Bestätigen"
    # Another choice withdraws the fetched status: it would be stored on the wrong transfer.
    status.transfer.value = next(
        value for _, value in status.transfer.options if value != newest.id
    )
    assert status.confirm.disabled
    status.transfer.value = newest.id
    status.fetch.click()
    status.confirm.click()
    stored = ledger.get(newest.id)
    assert stored.datev_status_text not in ("", "–", "Status offen", "In Arbeit")
    assert f"Gespeichert: DATEV-Status {stored.datev_status_text}" in status.fetched.value
    assert status.transfer.value == newest.id
    # Tour 28 #16: the stored status belongs to its transfer; choosing another withdraws it.
    status.transfer.value = next(
        value for _, value in status.transfer.options if value != newest.id
    )
    assert status.fetched.value == "" and status.confirm.disabled
    assert FAILED  # the failed statuses are highlighted as errors in the table


def test_protocol_shows_errors_first_with_their_source_rows(make_app, sandbox):
    app = _checked(make_app)
    app.steps["preview"].map.click()
    transfer = app.steps["transfer"]
    transfer.month.value = "2026-03"
    transfer.new.click()
    transfer.confirm.click()
    sandbox.state.clock.advance(60)
    status = app.steps["status"]
    app.go("status")
    status.fetch.click()
    status.confirm.click()
    status.show_protocol.click()
    protocol = app.steps["protocol"]
    assert app.current == "protocol"
    stored = app.session.connection.ledger.get(status.transfer.value)
    shown = protocol.protocol.html.value
    assert "wurde empfangen!" not in shown  # receipt confirmations folded away
    assert "Eingangsbestätigungen" in protocol.folded.value
    protocol.everything.value = True
    assert protocol.protocol.total == len(stored.protocol) <= 1000
    lines = protocol.protocol.html.value
    if stored.datev_status_text != "Fertig":
        assert lines.index(">Fehler<") < lines.index(">Hinweis<")
        assert protocol.backmapped.total > 0
        assert "receipts_juston_expense.csv" in protocol.backmapped.html.value


def test_calls_step_shows_unresolved_numbers_reassigns_splits_and_posts(make_app):
    app = make_app(kind="calls", files=[CALLS])
    app.steps["sources"].load.click()
    app.steps["checks"].check.click()
    calls = app.steps["calls"]
    assert "300 Gespräche: 154 abgerechnet, 60 ungeklärt" in calls.info.value
    assert calls.unresolved.label.value == "Seite 1 von 4 (60 Gespräche)"
    assert "Mandant" in calls.summary.value
    assert "1.0" not in calls.summary.value  # hours in German: 1,00
    # Tour 29 #6/#8: the unresolved calls in German, a Mandantennummer without a separator.
    unresolved = calls.unresolved.html.value
    assert "Rufnummer" in unresolved and "Zuordnung" in unresolved, unresolved
    for english in ("call_id", "match_status", "remote_number", ">no_client<", ">unmatched<"):
        assert english not in unresolved, english
    assert "55.003" not in calls.summary.value
    call = calls.call.options[0][1]
    first, second = calls.client.options[0][1], calls.client.options[1][1]
    calls.call.value, calls.client.value, calls.note.value = call, first, "Frage zu Firma A"
    calls.reassign.click()
    assert "155 abgerechnet, 59 ungeklärt" in calls.info.value
    calls.client.value, calls.seconds.value, calls.note.value = second, 30, "Firma B"
    calls.split.click()
    lines = app.session.run.billing.lines.filter(pl.col("call_id") == call)
    assert lines["part"].to_list() == [1, 2]
    assert lines["client_id"].to_list() == [first, second]
    calls.clear.click()
    assert app.session.assignments == []
    calls.post.click()
    assert calls.confirmation.layout.display == "flex"
    # Tour 29 #15: the call list bills every Mandant in it, whichever is chosen: it says whose.
    assert "der Mandanten 2, 3, 55003 als" in calls.question.value, calls.question.value
    calls.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert "übertragen, 0 abgelehnt" in calls.posted.value
    for english in ("call_id", ">posted<", "billed_minutes", ">error<", ">severity<"):
        assert english not in calls.posted.value, english
    assert "Anrufe" in app.steps["transfer"].overview.value


def test_calls_have_no_datev_status_to_confirm(make_app):
    app = make_app(kind="calls", files=[CALLS])
    app.steps["checks"].check.click()
    calls = app.steps["calls"]
    calls.post.click()
    calls.confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    app.steps["client"].client.value = "455148-1"
    status = app.steps["status"]
    app.go("status")
    assert status.transfer.options == ()  # expense postings: nothing to refresh or confirm


def test_app_displays_as_a_widget_and_runs_actions_in_a_thread(make_app):
    app = make_app(client="455148-1", files=[EXPENSE], background=True)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    app.steps["sources"].load.click()
    app.wait(30)
    assert "200 Zeilen geladen" in app.steps["sources"].summary.value


def test_a_long_step_shows_its_progress_and_time(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    seen = []
    original = app.runner.report

    def report(done, total, text):
        original(done, total, text)
        seen.append(app.runner.status.value)

    app.runner.report = report
    app.steps["checks"].check.click()
    assert any("Prüfregeln" in text and "(2/4)" in text for text in seen)
    assert any("laden" in text for text in seen)


def test_run_steps_loads_checks_and_maps(make_app):
    app = make_app(client="455148-1", files=[EXPENSE])
    app.run_steps()
    assert app.session.mapped is not None
    assert app.steps["transfer"].document_kind.options


def test_transfer_errors_from_the_pipeline_show_as_german_messages(make_app, monkeypatch):
    from workbench.errors import TransferError
    from workbench.ui import transfer as transfer_step

    app = _checked(make_app)
    app.steps["preview"].map.click()

    def refused(*args, **kwargs):
        raise TransferError("Für den Mandanten 455148-1 läuft bereits die Übertragung abc.")

    monkeypatch.setattr(transfer_step, "send_run", refused)
    step = app.steps["transfer"]
    step.new.click()
    step.confirm.click()
    assert "Fehler: Für den Mandanten 455148-1 läuft bereits" in app.runner.status.value
    assert step.result.value == ""
    assert step.document_kind.options  # nothing was lost


def test_a_failed_check_leaves_no_stale_results(make_app, monkeypatch):
    from workbench.ui import checks as checks_step

    app = _checked(make_app)

    def broken(*args, **kwargs):
        raise RuntimeError("Verbindung weg")

    monkeypatch.setattr(checks_step, "check_run", broken)
    app.steps["checks"].check.click()
    assert "Unerwarteter Fehler: RuntimeError: Verbindung weg" in app.runner.status.value
    assert app.session.run is None
    assert app.steps["checks"].totals.value == ""
    assert "Nicht geprüft" in app.steps["checks"].state.value


def test_pos_revenue_is_offered_per_month_as_one_buchungsstapel(make_app):
    app = make_app(
        client="455148-1",
        kind="pos",
        files=[SAMPLES / "pos_lightspeed.csv"],
        pos_mapping=SAMPLES / "pos_mapping.toml",
    )
    app.run_steps()
    assert app.runner.last_error is None, app.runner.status.value
    transfer = app.steps["transfer"]
    assert transfer.document_kind.options[0][0].startswith("Buchungsstapel (")
    assert "Januar 2026 ★" in [label for label, _ in transfer.month.options]


def test_pos_check_step_checks_the_transit_account_with_the_mapping(make_app):
    """Tour 27, defect 17: with the account mapping the check step shows the days whose
    transit account does not balance, as the mapping blocks them."""
    app = make_app(
        client="455148-1",
        kind="pos",
        files=[SAMPLES / "pos_lightspeed.csv"],
        pos_mapping=SAMPLES / "pos_mapping.toml",
    )
    app.steps["sources"].load.click()
    app.steps["checks"].check.click()
    assert app.runner.last_error is None, app.runner.status.value
    findings = app.session.run.findings
    unbalanced = findings.filter(pl.col("rule") == "pos.unbalanced")
    assert sorted(unbalanced["row"]) == [56, 58, 59, 60, 61, 338, 339, 340, 341, 342]
    app.steps["preview"].map.click()
    assert app.runner.last_error is None, app.runner.status.value
    counts = app.session.mapped.mapping.counts().row(0, named=True)
    assert (counts["blocked"], counts["mapped"]) == (13, 443)  # as map without the check's help


def test_open_workbench_without_a_datev_login_shows_a_german_line(monkeypatch, tmp_path):
    from workbench.ui import open_workbench
    from workbench.ui.app import UnavailableApp

    config = tmp_path / "workbench.toml"
    config.write_text('[datev]\nclient_id = "abc"\nclient_secret = "geheim"\n', encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    app = open_workbench(client="455148-1")
    assert isinstance(app, UnavailableApp)
    assert "Fehler: " in app.widget.value and "Traceback" not in app.widget.value
    app.close()


def test_status_deletes_a_failed_transfer_only_after_confirmation(make_app, sandbox):
    app = _checked(make_app)
    app.steps["preview"].map.click()
    transfer = app.steps["transfer"]
    transfer.month.value = "2026-01"
    transfer.new.click()
    transfer.confirm.click()
    (made,) = app.session.connection.ledger.transfers()
    assert made.job_id, (made.local_status, made.error)
    ledger = app.session.connection.ledger
    ledger.update(made.id, action="test: DATEV lehnt ab", datev_status="3")
    status = app.steps["status"]
    status.refresh()
    status.transfer.value = made.id
    assert 'data-severity="error"' in status.overview.value
    status.actions["retransfer"].click()
    assert "neu übertragen" in status.action_question.value
    assert ledger.get(made.id).local_status == "Transferiert"  # nothing happens before "Ja"
    status.actions["delete"].click()
    status.action_confirm.click()
    assert app.runner.last_error is None, app.runner.status.value
    assert ledger.get(made.id).local_status == "Gelöscht"
    assert "Gelöscht" in status.overview.value
