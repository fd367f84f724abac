"""What the steps share: the connection, the chosen Mandant and sources, and each step's result.

Switching the Mandant clears every result (one client's data is never shown to another);
changing the sources clears what was computed from them. Paths are resolved the way the README
writes them (relative to the project, ``data/samples/…``), wherever the notebook runs.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.german import parse_period
from workbench.resources import resolve_source_path

__all__ = ["Favourites", "Session", "parse_period", "resolve_source_path"]


class Favourites:
    """The Ziel-Ordner saved per Mandant and Beleg-Art (seed 004: "als Favorit hinterlegen")."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "favoriten.json"

    def _all(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def folder(self, client: str, document_kind: str) -> str | None:
        return self._all().get(client, {}).get(document_kind)

    def save(self, client: str, document_kind: str, folder: str | None) -> None:
        """Save (or with ``None`` remove) the favourite folder."""
        data = self._all()
        chosen = data.setdefault(client, {})
        if folder:
            chosen[document_kind] = folder
        else:
            chosen.pop(document_kind, None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


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
    #: Files uploaded in this session (saved under ``$WORKBENCH_HOME/uploads``).
    uploads: list[Path] = field(default_factory=list)
    #: Belegbilder uploaded (a ZIP or single files), as file names in :attr:`upload_folder`.
    belege: list[str] = field(default_factory=list)
    settings: Any = None
    loaded: Any = None
    run: Any = None
    mapped: Any = None
    transfers: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    #: The transfer chosen in the Status step, and its protocol as fetched (not yet confirmed).
    transfer_id: str | None = None
    fetched_protocol: list | None = None
    _upload_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self) -> None:
        from workbench.clients import normalise_client_id

        if self.client is not None:
            self.client = normalise_client_id(self.client)

    def reset_from_load(self) -> None:
        self.run = None
        self.mapped = None
        self.assignments = []

    def clear_results(self) -> None:
        """Forget every result (a new Mandant or new sources)."""
        self.loaded = None
        self.transfers = []
        self.transfer_id = None
        self.fetched_protocol = None
        self.reset_from_load()

    def switch_client(self, client: str | None) -> None:
        """Another Mandant: nothing of the previous one stays, uploads included."""
        if client == self.client:
            return
        self.client = client
        self.settings = None
        self.clear_results()
        for path in self.uploads:
            path.unlink(missing_ok=True)
        self.uploads = []
        if self.belege:
            shutil.rmtree(self.upload_folder / "belege", ignore_errors=True)
            self.belege = []

    @property
    def home(self) -> Path:
        return Path(self.connection.settings.home)

    @property
    def upload_folder(self) -> Path:
        """Where this session's uploads go: per Mandant, per session."""
        return self.home / "uploads" / (self.client or "ohne-mandant") / self._upload_id

    @property
    def belege_folder(self) -> Path | None:
        return self.upload_folder / "belege" if self.belege else None

    @property
    def sources(self) -> list[Path]:
        """The files to load: the uploads if there are any (they replace typed paths)."""
        return list(self.uploads) if self.uploads else list(self.files)
