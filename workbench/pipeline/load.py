"""The load stage: source files → one canonical frame, with the profile found and the
Belegbild paths resolved."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workbench.errors import ProfileError, SourceError
from workbench.kinds import SourceKind, kind_spec
from workbench.pipeline.attachments import resolve_attachments
from workbench.pipeline.registry import REGISTRY
from workbench.pipeline.results import LoadedRun
from workbench.sources import available_profiles, load_profile
from workbench.sources.detect import detect_profile as detect_table_profile

__all__ = [
    "detect_profile",
    "document_profile",
    "load_run",
    "refuse_other_documents",
    "resolve_attachments",
]

#: A document format as the object of "Die Datei … ist …".
_DOCUMENT_NAMES = {"einvoice": "eine E-Rechnung (XRechnung oder ZUGFeRD)"}


def load_run(
    kind: str | SourceKind,
    files: Sequence[str | Path],
    *,
    profile: str = "auto",
    belege: Path | None = None,
) -> LoadedRun:
    """Load ``files`` of ``kind`` through ``profile`` (``"auto"``: found from the headers).

    >>> loaded = load_run("receipts", ["belege.csv"])  # doctest: +SKIP
    >>> loaded.frame.height, loaded.profile  # doctest: +SKIP
    (120, 'juston')
    """
    spec = kind_spec(kind)
    paths = tuple(Path(path) for path in files)
    if not paths:
        raise SourceError("Es wurde keine Quelldatei angegeben.")
    _refuse_repeated(paths)
    refuse_other_documents(spec.kind, paths)
    if profile == "auto":
        profile = detect_profile(spec.kind, paths)
    result = REGISTRY[spec.kind].load(list(paths), profile=profile)
    result = resolve_attachments(result, paths, belege=belege)
    return LoadedRun(kind=spec.kind, files=paths, profile=profile, result=result)


def _refuse_repeated(paths: Sequence[Path]) -> None:
    """The same file named twice would load every row twice (and book it twice)."""
    seen: dict[Path, Path] = {}
    for path in paths:
        real = path.resolve()
        if real in seen:
            spelled = "" if str(seen[real]) == str(path) else f" (als {seen[real]} und {path})"
            raise SourceError(
                f"Die Datei {path.name} ist zweimal angegeben{spelled}; jede Datei wird nur "
                "einmal geladen. Nennen Sie sie nur einmal.",
                file=path.name,
            )
        seen[real] = path


def detect_profile(kind: str | SourceKind, files: Sequence[str | Path]) -> str:
    """The profile that reads ``files``: the document format the kind reads (an e-invoice),
    else the first table profile whose columns fit the first file.

    >>> detect_profile("invoices", ["RE-2026-0101.xml"])  # doctest: +SKIP
    'einvoice'
    """
    spec = kind_spec(kind)
    refuse_other_documents(spec.kind, [Path(files[0])])
    return document_profile(spec.kind, Path(files[0])) or detect_table_profile(
        spec.kind.value, files
    )


def document_profile(kind: SourceKind, first: Path) -> str | None:
    """The first profile of the document format ``first`` is in, if the kind's loader reads
    documents besides tables (an XRechnung XML, a ZUGFeRD/Factur-X PDF: see
    ``KindFunctions.documents``); ``None`` for a table."""
    for format_name, recognises in REGISTRY[kind].documents.items():
        if recognises(first):
            for name in available_profiles():
                try:
                    if load_profile(name).format == format_name:
                        return name
                except ProfileError:  # a broken user profile breaks only itself
                    continue
    return None


def refuse_other_documents(kind: SourceKind, paths: Sequence[Path]) -> None:
    """A document only another kind reads (an e-invoice given as receipts) is named for what it
    is, with that kind to choose (``control="kind"``), as a table that fits another kind's
    profile is (:func:`workbench.sources.detect.detect_profile`), instead of being read as a
    table."""
    own = REGISTRY[kind].documents
    for other, functions in REGISTRY.items():
        for format_name, recognises in functions.documents.items():
            if other is kind or format_name in own:
                continue
            for path in paths:
                if recognises(path):
                    label = kind_spec(other).label
                    raise SourceError(
                        f"Die Datei {path.name} ist "
                        f"{_DOCUMENT_NAMES.get(format_name, format_name)}, nicht "
                        f"{kind_spec(kind).label}. Wählen Sie die Quellart {label} oder eine "
                        "andere Datei.",
                        file=path.name,
                        value=other.value,
                        control="kind",
                    )
