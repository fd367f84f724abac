"""Call logs from a phone system (STARFACE style call lists)."""

from __future__ import annotations

from collections.abc import Iterable

from workbench.sources.loader import LoadResult, PathLike, load_source
from workbench.sources.profiles import Profile

__all__ = ["load_calls"]


def load_calls(
    files: PathLike | Iterable[PathLike], *, profile: str | Profile = "canonical"
) -> LoadResult:
    """Load call logs into the canonical ``calls`` frame.

    >>> result = load_calls("data/samples/calls_starface.csv", profile="starface")
    >>> result.frame.columns[:3]
    ['call_id', 'started_at', 'duration_s']
    """
    frame, findings, infos = load_source("calls", files, profile=profile)["calls"]
    return LoadResult(kind="calls", frame=frame, findings=findings, sources=infos)
