"""Source files named by glob patterns: a folder the POS or the CRM drops a file into every day
(``exports/455148-1/*.csv``) is one source of a client's settings or of a schedule.

>>> expand_files(["exports/*.csv", "kasse.csv"], base=Path("/daten"))  # doctest: +SKIP
[PosixPath('/daten/exports/2026-01-05.csv'), PosixPath('/daten/kasse.csv')]
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

__all__ = ["expand_files", "is_pattern"]


def is_pattern(name: str | Path) -> bool:
    """True when ``name`` has glob characters (``*``, ``?``, ``[``)."""
    return glob.has_magic(str(name))


def expand_files(names: Sequence[str | Path], *, base: Path) -> list[Path]:
    """Every name taken relative to ``base``; a pattern becomes the files it matches, sorted
    (``**`` reaches into subfolders; a pattern that matches nothing adds nothing), a plain name
    stays as it is (the loader says so if it is missing). Each file comes once."""
    found: list[Path] = []
    for name in names:
        path = Path(name).expanduser()
        path = path if path.is_absolute() else base / path
        if is_pattern(name):
            found.extend(
                Path(match)
                for match in sorted(glob.glob(str(path), recursive=True))
                if Path(match).is_file()
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))
