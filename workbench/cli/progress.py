"""Progress on a terminal (rich), silence when piped: what a step is doing and for how long.

>>> with progress_for("Prüfen") as report:  # doctest: +SKIP
...     run = check_run(..., progress=report)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

__all__ = ["progress_for"]

Report = Callable[[int, int, str], None]


def _silent(done: int, total: int, label: str) -> None:
    """Piped output (files, CI, other programs) gets no progress lines."""


@contextmanager
def progress_for(label: str, *, console: Console | None = None) -> Iterator[Report]:
    """A ``progress(done, total, text)`` callback: a live bar on a terminal, silent otherwise."""
    if console is None:
        from workbench.cli._app import _err

        console = _err
    if not console.is_terminal:
        yield _silent
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, total: int, text: str) -> None:
            bar.update(task, completed=done, total=max(total, 1), description=f"{label}: {text}")

        yield report
