"""Actions run off the UI thread; errors end as one German line, never a traceback."""

import threading

from workbench.errors import SourceError
from workbench.ui.task import TaskRunner, error_text


def test_workbench_error_is_shown_in_german_without_traceback():
    runner = TaskRunner(background=False)

    def work(progress):
        raise SourceError("Die Datei x.csv fehlt.", file="x.csv")

    assert runner.run("Laden", work)
    assert "Fehler: Die Datei x.csv fehlt." in runner.status.value
    assert "Traceback" not in runner.status.value
    assert isinstance(runner.last_error, SourceError)
    assert runner.progress.layout.display == "none"


def test_unexpected_error_is_caught_at_the_handler_boundary():
    def work(progress):
        return {}["missing"]

    runner = TaskRunner(background=False)
    runner.run("Prüfen", work, success="ok")
    assert "Unerwarteter Fehler: KeyError" in runner.status.value
    assert error_text(ValueError("x")).startswith("Unerwarteter Fehler: ValueError: x.")


def test_background_job_reports_progress_and_result():
    runner = TaskRunner(background=True)
    seen, results = [], []
    release = threading.Event()

    def work(progress):
        progress(1, 4, "Hochladen a.xml")
        seen.append((runner.progress.value, runner.progress.max, runner.status.value))
        release.wait(5)
        return 42

    runner.run("Übertragen", work, results.append, success="Fertig.")
    assert runner.busy
    # A second action while one runs is refused, not queued.
    assert not runner.run("Prüfen", lambda progress: None)
    assert "Bitte warten" in runner.status.value
    release.set()
    runner.wait(5)
    assert not runner.busy
    assert results == [42]
    assert seen[0][:2] == (1, 4) and "Hochladen a.xml (1/4)" in seen[0][2]
    assert "Fertig." in runner.status.value


def test_guard_turns_any_handler_error_into_a_german_line():
    runner = TaskRunner(background=False)

    def broken():
        raise SourceError("Die Übertragung x ist nicht vorhanden.")

    runner.guard(broken)(object())
    assert "Fehler: Die Übertragung x ist nicht vorhanden." in runner.status.value
    runner.guard(lambda: [][1])()
    assert "Unerwarteter Fehler: IndexError" in runner.status.value


def test_a_click_while_the_last_job_shows_its_result_waits_instead_of_being_refused():
    runner = TaskRunner(background=True, grace=5.0)
    shown = threading.Event()
    ran = []

    def done(_):
        shown.set()  # the result is on screen (a button enabled) ...
        threading.Event().wait(0.3)  # ... while the job still refreshes other steps

    runner.run("Status abrufen", lambda progress: 1, done)
    shown.wait(5)
    assert runner.run("Bestätigen", lambda progress: ran.append(1))
    runner.wait(5)
    assert ran == [1]
