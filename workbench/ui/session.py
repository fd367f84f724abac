"""What the tabs share: the connection, the chosen source and the results of each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.calls import CallAssignment
    from workbench.pipeline import CheckedRun, LoadedRun, MappedRun
    from workbench.pipeline.connection import Connection

__all__ = ["Session", "parse_period"]


def parse_period(text: str) -> str | tuple[str, str] | None:
    """``""`` → None, ``"2026-01"`` → ``"2026-01"``, ``"2026-01..2026-03"`` → a pair."""
    text = text.strip()
    if not text:
        return None
    if ".." in text:
        first, _, last = text.partition("..")
        return first.strip(), last.strip()
    return text


@dataclass
class Session:
    """The app's working state; each step resets what depends on it."""

    connection: Connection
    client: str | None = None
    kind: str = "receipts"
    files: list[Path] = field(default_factory=list)
    profile: str = "auto"
    period: str | tuple[str, str] | None = None
    pos_mapping: Path | None = None
    target: str | None = None
    loaded: LoadedRun | None = None
    run: CheckedRun | None = None
    mapped: MappedRun | None = None
    assignments: list[CallAssignment] = field(default_factory=list)

    def __post_init__(self) -> None:
        from workbench.clients import normalise_client_id

        if self.client is not None:
            self.client = normalise_client_id(self.client)

    def reset_from_load(self) -> None:
        self.run = None
        self.mapped = None
        self.assignments = []

    @property
    def home(self) -> Path:
        return Path(self.connection.settings.home)
