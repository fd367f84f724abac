"""Long work off the kernel's UI thread, with a progress bar and readable German errors.

Every button handler of the app goes through :class:`TaskRunner`: the work runs in a thread
(so the notebook stays responsive and the progress bar moves), one job at a time, and any
exception ends as one German line in the app instead of a traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from workbench.errors import WorkbenchError
from workbench.ui.tables import message_html

__all__ = ["Progress", "TaskRunner", "error_text"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


def error_text(error: BaseException) -> str:
    """The German line a user sees for ``error``."""
    if isinstance(error, WorkbenchError):
        return f"Fehler: {error}"
    return (
        f"Unerwarteter Fehler: {type(error).__name__}: {error}. Die Aktion wurde "
        f"abgebrochen; bitte melden Sie den Fehler mit dieser Meldung."
    )


class TaskRunner:
    """Runs one job at a time; ``background=False`` runs it inline (tests, papermill)."""

    def __init__(self, *, background: bool = True) -> None:
        self.background = background
        self.status = widgets.HTML(message_html("Bereit."))
        self.status.add_class("wb-status")
        self.progress = widgets.IntProgress(
            value=0,
            min=0,
            max=1,
            description="",
            layout=widgets.Layout(width="320px", visibility="hidden"),
        )
        self.progress.add_class("wb-progress")
        self.widget = widgets.HBox([self.progress, self.status])
        self._thread: threading.Thread | None = None
        self.last_error: BaseException | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def report(self, done: int, total: int, text: str) -> None:
        """Progress callback for pipeline functions: ``done`` of ``total`` steps, a label."""
        self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)
        self.progress.layout.visibility = "visible"
        self.status.value = message_html(f"{text} ({done}/{total})")

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
    ) -> bool:
        """Start ``work(progress)``; then ``done(result)``. False if another job is running."""
        if self.busy:
            self.say("Bitte warten: eine andere Aktion läuft noch.", level="warning")
            return False
        self.last_error = None
        self.progress.value = 0
        self.progress.max = 1
        self.progress.layout.visibility = "visible"
        self.say(f"{label} …")

        def target() -> None:
            try:
                result = work(self.report)
                if done is not None:
                    done(result)
            except Exception as error:
                # debug, not error: Jupyter would print an error log as a red traceback.
                log.debug("%s fehlgeschlagen", label, exc_info=True)
                self.last_error = error
                self.say(error_text(error), level="error")
            else:
                self.say(success or f"{label}: fertig.", level="ok")
            finally:
                self.progress.value = self.progress.max
                self.progress.layout.visibility = "hidden"

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
