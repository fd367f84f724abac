"""Belegbilder that come with an upload: single files, or a ZIP of them.

Only the file names are kept (no folders from the archive, so nothing can be written outside
the target folder); macOS resource forks and hidden files are skipped. Everything else is
taken as it is: whether a type or size is acceptable for DATEV is for the checks to say
(``attachment.unsupported_type``, ``attachment.too_large``), with the row that names the file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

from workbench.errors import SourceError

__all__ = ["save_belege"]

#: An archive that unpacks to more than this is refused (a ZIP bomb, or the wrong archive).
MAX_UNPACKED = 4 * 1024**3


def _plain_name(name: str) -> str | None:
    pure = PurePosixPath(name.replace("\\", "/"))
    if not pure.name or pure.name.startswith(".") or "__MACOSX" in pure.parts:
        return None
    return pure.name


def save_belege(name: str, content: bytes, folder: Path) -> list[str]:
    """Save one uploaded Belegbild, or every file of an uploaded ZIP, into ``folder``.

    Returns the saved file names.

    >>> save_belege("belege.zip", data, Path("uploads/belege"))  # doctest: +SKIP
    ['RE-2026-0001.pdf', 'RE-2026-0002.pdf']
    """
    folder.mkdir(parents=True, exist_ok=True)
    if not name.lower().endswith(".zip"):
        plain = _plain_name(name)
        if plain is None:
            return []
        (folder / plain).write_bytes(content)
        return [plain]
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise SourceError(
            f"{name} ist kein lesbares ZIP-Archiv ({error}). Packen Sie die Belegbilder neu "
            f"oder laden Sie sie einzeln hoch.",
            file=name,
        ) from error
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in members) > MAX_UNPACKED:
            raise SourceError(
                f"{name} ist entpackt größer als 4 GB; laden Sie die Belegbilder in kleineren "
                f"Archiven hoch.",
                file=name,
            )
        saved = []
        for info in members:
            plain = _plain_name(info.filename)
            if plain is None:
                continue
            with archive.open(info) as source, (folder / plain).open("wb") as target:
                while block := source.read(1 << 20):
                    target.write(block)
            saved.append(plain)
    return saved
