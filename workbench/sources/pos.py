"""POS revenue: daily sales per revenue, payment and tip category (Lightspeed K-Series style)."""

from __future__ import annotations

from collections.abc import Iterable

from workbench.sources.loader import LoadResult, PathLike, load_source
from workbench.sources.profiles import Profile

__all__ = ["load_pos"]


def load_pos(
    files: PathLike | Iterable[PathLike], *, profile: str | Profile = "canonical"
) -> LoadResult:
    """Load POS daily sales into the canonical ``pos`` frame.

    >>> result = load_pos("data/samples/pos_lightspeed.csv", profile="lightspeed")
    >>> result.frame.columns
    ['business_date', 'category_type', 'category', 'amount', 'tax', 'source_file', 'source_row']
    """
    frame, findings, infos = load_source("pos", files, profile=profile)["pos"]
    return LoadResult(kind="pos", frame=frame, findings=findings, sources=infos)
