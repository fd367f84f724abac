"""Names in a folder, listed once, to match many file names against with polars.

Exports name about one Belegbild per row: one ``stat()`` per name took 16-20 s for a million
rows, one ``os.scandir`` per folder and a polars join take a fraction of a second. A listing
settles only *plain* names (no folder or drive in them) and, where the file system finds a file
by another spelling too (macOS and Windows: case, Unicode normalisation), only the names it
holds; everything else is looked up one by one by the caller.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl

__all__ = ["EXACT_NAMES", "listing", "plain_name"]

#: Whether the file system finds a file only by its exact name (else a listing can only say
#: "found", never "missing").
EXACT_NAMES = sys.platform not in ("darwin", "win32")
#: Characters that make a name more than a file name in a folder (a subfolder, a drive).
_SEPARATORS = sorted(
    {"/", os.sep, *([os.altsep] if os.altsep else []), *([":"] * (os.name == "nt"))}
)


def plain_name(name: pl.Expr) -> pl.Expr:
    """Whether ``name`` is a file name a listing can settle: no folder or drive in it, not
    empty, ``.`` or ``..`` (null stays null)."""
    return ~pl.any_horizontal(
        name.is_in(["", ".", ".."]),
        *(name.str.contains(separator, literal=True) for separator in _SEPARATORS),
    )


def listing(folder: str | Path, *, files_only: bool = False) -> list[str] | None:
    """The names in ``folder`` (``files_only``: regular files, symbolic links followed, as
    ``Path.is_file()`` does); empty if there is no such folder, ``None`` if it cannot be
    listed."""
    try:
        with os.scandir(folder or "/") as entries:
            return [entry.name for entry in entries if not files_only or entry.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError:
        return None
