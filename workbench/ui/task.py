"""Long work off the kernel's UI thread, with progress that moves and readable German errors.

Every button handler of the app goes through :class:`TaskRunner`: the work runs in a thread
(so the notebook stays responsive), one job at a time, and any exception ends as one German
line in the app instead of a traceback. While a job runs, the status line shows its step
(``Prüfregeln … (4/5)``) and the seconds it has been running, updated every half second, so a
long step never looks frozen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from workbench.errors import DatevApiError, WorkbenchError
from workbench.ui.tables import message_html

__all__ = ["Progress", "TaskRunner", "error_text"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

#: What to do in the app when an error names a setting (``error.control``).
_CONTROL_HINTS = {
    "profile": " Wählen Sie im Schritt „Quellen“ das passende Profil.",
    "kind": " Wählen Sie im Schritt „Quellen“ die passende Quellart.",
}


def error_text(error: BaseException) -> str:
    """The German line a user sees for ``error``, with the next action where one is known."""
    if isinstance(error, DatevApiError) and error.status == 403:
        return (
            f"Fehler: DATEV verweigert den Zugriff (HTTP 403). Prüfen Sie in der Rechteverwaltung "
            f"online die Freigabe des Mandanten für Rechnungsdatenservice 1.0 oder wählen Sie "
            f"einen anderen Mandanten. ({error})"
        )
    if isinstance(error, WorkbenchError):
        return f"Fehler: {error}{_CONTROL_HINTS.get(error.control or '', '')}"
    return (
        f"Unerwarteter Fehler: {type(error).__name__}: {error}. Die Aktion wurde "
        f"abgebrochen; bitte melden Sie den Fehler mit dieser Meldung."
    )


class TaskRunner:
    """Runs one job at a time; ``background=False`` runs it inline (tests, papermill)."""

    def __init__(self, *, background: bool = True, tick: float = 0.5, grace: float = 2.0) -> None:
        self.background = background
        self.tick = tick
        self.grace = grace
        self.status = widgets.HTML(message_html("Bereit."))
        self.status.add_class("wb-status")
        self.progress = widgets.IntProgress(
            value=0,
            min=0,
            max=1,
            description="",
            layout=widgets.Layout(width="320px", display="none"),
        )
        self.progress.add_class("wb-progress")
        self.widget = widgets.HBox([self.progress, self.status])
        self._thread: threading.Thread | None = None
        self._running = threading.Event()
        self._label = ""
        self._step = ""
        self._started = 0.0
        self.last_error: BaseException | None = None
        self._stopped = threading.Event()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def report(self, done: int, total: int, text: str) -> None:
        """Progress callback for pipeline functions: ``done`` of ``total`` steps, a label."""
        self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)
        self.progress.layout.display = None
        self._step = f"{text} ({done}/{total})"
        self._show_running()

    def _show_running(self) -> None:
        seconds = int(time.monotonic() - self._started)
        clock = f" · {seconds} s" if seconds else ""
        self.status.value = message_html(f"{self._label}: {self._step or '…'}{clock}")

    def _ticker(self) -> None:
        while self._running.wait(0) and not self._stopped.wait(self.tick):
            self._show_running()

    def say(self, text: str, *, level: str = "info") -> None:
        self.status.value = message_html(text, level=level)

    def guard(self, handler: Callable[[], Any]) -> Callable[..., None]:
        """A widget callback that runs ``handler()`` and shows any error as a German line."""

        def on_event(*_: Any) -> None:
            try:
                handler()
            except Exception as error:
                log.debug("Aktion fehlgeschlagen", exc_info=True)
                self.last_error = error
                self.say(error_text(error), level="error")

        return on_event

    def run(
        self,
        label: str,
        work: Callable[[Progress], Any],
        done: Callable[[Any], None] | None = None,
        *,
        success: str | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> bool:
        """Start ``work(progress)``; then ``done(result)`` (or ``failed(error)``).

        False if another job is running.
        """
        if self.busy and self._thread is not None:
            # A job that only finishes showing its result should not swallow the next click.
            self._thread.join(self.grace)
        if self.busy:
            self.say("Bitte warten: eine andere Aktion läuft noch.", level="warning")
            return False
        self.last_error = None
        self.progress.value = 0
        self.progress.max = 1
        self.progress.layout.display = None
        self._label, self._step, self._started = label, "", time.monotonic()
        self.say(f"{label} …")

        def target() -> None:
            self._running.set()
            self._stopped = threading.Event()
            ticker = None
            if self.background:
                ticker = threading.Thread(target=self._ticker, name="workbench: Uhr", daemon=True)
                ticker.start()
            error: BaseException | None = None
            try:
                result = work(self.report)
                if done is not None:
                    done(result)
            except Exception as caught:
                # debug, not error: Jupyter would print an error log as a red traceback.
                log.debug("%s fehlgeschlagen", label, exc_info=True)
                error = self.last_error = caught
                if failed is not None:
                    failed(caught)
            finally:
                self._running.clear()
                self._stopped.set()
                if ticker is not None:
                    ticker.join()
                self.progress.value = self.progress.max
                self.progress.layout.display = "none"
            if error is None:
                self.say(success or f"{label}: fertig.", level="ok")
            else:
                self.say(error_text(error), level="error")

        if self.background:
            self._thread = threading.Thread(target=target, name=f"workbench: {label}", daemon=True)
            self._thread.start()
        else:
            target()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running job ends (tests and scripts)."""
        if self._thread is not None:
            self._thread.join(timeout)
