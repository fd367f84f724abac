"""Test files before go-live (seed 003, "Testen"): the same stages, but the files are marked
"Testdatei", written to the test folder, and nothing is sent or marked transferred.

Used by schedules in test mode and by ``--test`` on ``map``, ``transfer`` and ``report``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.pipeline.results import MappedRun

__all__ = ["NOTE", "TEST_MARK", "as_test", "folder_of_test_files", "write_note"]

TEST_MARK = "Testdatei"
NOTE = "TESTDATEI.txt"


def as_test(mapped: MappedRun) -> MappedRun:
    """The run's EXTF files say "Testdatei" in their header's Bezeichnung (what DATEV shows for
    an imported Stapel), so a test file is recognised wherever it ends up."""
    mapping = mapped.mapping
    if mapping is None:
        return mapped
    header = mapping.header.copy()
    header["label"] = f"{TEST_MARK} {mapping.header.get('label', '')}".strip()[:30]
    return replace(mapped, mapping=replace(mapping, header=header))


def folder_of_test_files(settings: Settings, name: str, out: Path | None = None) -> Path:
    """``--out`` or ``$WORKBENCH_HOME/test/<name>``."""
    return Path(out) if out else settings.home / "test" / name


def write_note(folder: Path, *, next_step: str) -> Path:
    """``TESTDATEI.txt`` beside the files: what they are and what comes next."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NOTE
    path.write_text(
        f"{TEST_MARK}: nicht an DATEV übertragen, nichts als übertragen markiert.\n"
        f"Prüfen Sie die Dateien; danach: {next_step}\n",
        encoding="utf-8",
    )
    return path
