"""What the tabs share: the connection, the chosen source and the results of each step."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["KIND_LABELS", "Session", "parse_period"]

#: Source kinds as the user reads them.
KIND_LABELS = {
    "receipts": "Belegpositionen",
    "invoices": "Rechnungen",
    "calls": "Anrufliste",
    "pos": "Kassenumsätze (POS)",
}


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

    connection: Any
    client: str | None = None
    kind: str = "receipts"
    files: list[Path] = field(default_factory=list)
    profile: str = "auto"
    period: str | tuple[str, str] | None = None
    pos_mapping: Path | None = None
    target: str | None = None
    loaded: Any = None
    run: Any = None
    mapped: Any = None
    assignments: list = field(default_factory=list)

    def reset_from_load(self) -> None:
        self.run = None
        self.mapped = None
        self.assignments = []

    @property
    def home(self) -> Path:
        return Path(self.connection.settings.home)
