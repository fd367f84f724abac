"""Timing helper shared by the benchmark scripts (run as scripts: this folder is on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    """The best wall time of ``repeat`` calls and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def figure(label: str, seconds: float, baseline_label: str, baseline: float) -> None:
    """One figure with its baseline from the same run and the ratio, in the ``= `` line format
    ``run_all.py --scale`` reads to print growth factors."""
    print(
        f"= {label:<36} {seconds:8.3f} s | {baseline_label:<30} {baseline:8.3f} s "
        f"| ratio {seconds / baseline:6.2f}x",
        flush=True,
    )
