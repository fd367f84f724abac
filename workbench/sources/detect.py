"""Which profile reads a file (``profile="auto"``), and if none does, why not.

A file that cannot be read at all (missing, empty, a PDF, binary) says so itself. A readable
table whose columns fit a profile of another source kind is named for what it looks like (a
call list given as receipts); otherwise the message lists the columns found. The message names
no command-line option or form field: ``error.control`` says which setting fixes it, and the
CLI and the app each name their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.errors import ProfileError, SourceError
from workbench.kinds import KINDS, SourceKind
from workbench.sources.profiles import Profile, available_profiles, load_profile
from workbench.sources.readers import read_headers, unnamed
from workbench.sources.schema import canonical_columns

__all__ = ["detect_profile"]


def _label(kind: str) -> str:
    """The kind as users read it (the kinds registry's label)."""
    try:
        return KINDS[SourceKind(kind)].label
    except ValueError:
        return kind


def _profiles() -> tuple[list[tuple[str, Profile]], list[ProfileError]]:
    """The profiles (``canonical`` last), and the broken ones: a broken user profile breaks
    only itself."""
    names = [name for name in available_profiles() if name != "canonical"] + ["canonical"]
    found, broken = [], []
    for name in names:
        try:
            found.append((name, load_profile(name)))
        except ProfileError as error:
            broken.append(error)
    return found, broken


class _Tables:
    """The first file's table per (sheet, header row), each read once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read: dict[tuple[str | None, int], set[str]] = {}

    def headers(self, sheet: str | None, header_row: int) -> set[str]:
        key = (sheet, header_row)
        if key not in self._read:
            try:
                self._read[key] = set(read_headers(self.path, sheet=sheet, header_row=header_row))
            except SourceError:
                if sheet is None and header_row == 1:
                    raise  # the file itself cannot be read: that is the cause
                self._read[key] = set()  # no such sheet or header row in this file
        return self._read[key]


def _fits(kind: str, profile: Profile, tables: _Tables) -> bool:
    required = [column.name for column in canonical_columns(kind) if column.required]
    for variant in profile.variants.get(kind, ()):
        found = tables.headers(variant.sheet, variant.header_row)
        resolved = variant.resolve(sorted(found))
        needed = [column for column in required if column not in variant.defaults]
        if variant.matches(found) and all(column in resolved for column in needed):
            return True
    return False


def detect_profile(kind: str, files: Sequence[str | Path]) -> str:
    """The first profile (``canonical`` last) whose columns fit the first file for ``kind``.

    >>> detect_profile("receipts", ["data/samples/receipts_juston_expense.csv"])  # doctest: +SKIP
    'juston'
    """
    first = Path(files[0])
    tables = _Tables(first)
    headers: list[str] | None = None
    if first.suffix.lower() not in {".xlsx", ".xlsm", ".xls", ".ods"}:
        # missing, empty, PDF, binary: the reader names the cause
        headers = read_headers(first)
    profiles, broken = _profiles()
    for name, profile in profiles:
        if profile.format == "table" and kind in profile.variants and _fits(kind, profile, tables):
            return name
    label = _label(kind)
    for name, profile in profiles:
        for other in profile.variants:
            if other not in (kind, "positions") and _fits(other, profile, tables):
                raise SourceError(
                    f"Die Datei {first.name} sieht aus wie {_article(other)} "
                    f"(Profil {name}), nicht wie {label}. Wählen Sie die Quellart "
                    f"{_label(other)} oder eine andere Datei.",
                    file=first.name,
                    value=other,
                    control="kind",
                )
    headers = headers if headers is not None else sorted(tables.headers(None, 1))
    named = [header if not unnamed(header) else "(leer)" for header in headers]
    shown = ", ".join(named[:12]) + (" …" if len(named) > 12 else "")
    names = ", ".join(name for name, profile in profiles if kind in profile.variants)
    skipped = "".join(f" Übersprungen: {error}" for error in broken)
    raise SourceError(
        f"Die Spalten der Datei {first.name} ({shown}) passen zu keinem Profil für {label} "
        f"({names}).{_title_row_hint(named)} Wählen Sie das passende Profil oder legen Sie ein "
        f"eigenes an ($WORKBENCH_HOME/profiles/NAME.toml).{skipped}",
        file=first.name,
        row=1,
        control="profile",
    )


def _title_row_hint(named: list[str]) -> str:
    """A first row of mostly empty cells is a title above the header row, not the header."""
    empty = named.count("(leer)")
    if len(named) < 2 or empty * 2 < len(named):
        return ""
    return (
        f" Die erste Zeile hat {empty} von {len(named)} Spalten ohne Überschrift: steht über "
        "den Spaltenüberschriften eine Titelzeile? Löschen Sie die Zeilen darüber, sodass die "
        "Überschriften in Zeile 1 stehen."
    )


def _article(kind: str) -> str:
    """``eine Anrufliste``, ``Rechnungen``: the kind as the object of "sieht aus wie"."""
    return {"calls": "eine Anrufliste"}.get(kind, _label(kind))
