"""Sandbox clock: real time plus an offset, or frozen for tests.

DATEV-side processing, token lifetimes and protocol retention all read this clock, so a test
can jump 61 days ahead without sleeping and see exactly what a user would see after two months.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime


class Clock:
    """Epoch-seconds clock that tests can freeze and advance.

    >>> clock = Clock(frozen_at=1_700_000_000.0)
    >>> clock.advance(5)
    >>> clock.now()
    1700000005.0
    """

    def __init__(self, *, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at = frozen_at

    @property
    def controlled(self) -> bool:
        """True while frozen: time then only moves through `advance`."""
        return self._frozen_at is not None

    def now(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock never runs backwards")
        if not math.isfinite(seconds):
            raise ValueError("the sandbox clock moves by a finite number of seconds")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def freeze(self) -> None:
        """Stop the clock at the current sandbox time."""
        current = self.now()
        with self._lock:
            self._frozen_at = current

    def unfreeze(self) -> None:
        """Let time run again from the current sandbox time."""
        current = self.now()
        with self._lock:
            self._frozen_at = None
            self._offset = current - time.time()


def isoformat(epoch: float) -> str:
    """ISO 8601 with offset and milliseconds, as DATEV writes protocol times."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
