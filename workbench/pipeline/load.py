"""The load stage: source files → one canonical frame, with the profile found and the
Belegbild paths resolved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from workbench.errors import ProfileError, SourceError
from workbench.kinds import SourceKind, kind_spec
from workbench.pipeline.registry import REGISTRY
from workbench.pipeline.results import LoadedRun
from workbench.sources import LoadResult, available_profiles, load_profile
from workbench.sources.detect import detect_profile as detect_table_profile

__all__ = ["detect_profile", "document_profile", "load_run", "resolve_attachments"]


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
    if profile == "auto":
        profile = detect_profile(spec.kind, paths)
    result = REGISTRY[spec.kind].load(list(paths), profile=profile)
    result = resolve_attachments(result, paths, belege=belege)
    return LoadedRun(kind=spec.kind, files=paths, profile=profile, result=result)


def detect_profile(kind: str | SourceKind, files: Sequence[str | Path]) -> str:
    """The profile that reads ``files``: the document format the kind reads (an e-invoice),
    else the first table profile whose columns fit the first file.

    >>> detect_profile("invoices", ["RE-2026-0101.xml"])  # doctest: +SKIP
    'einvoice'
    """
    spec = kind_spec(kind)
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


def resolve_attachments(
    loaded: LoadResult, paths: Sequence[Path], *, belege: Path | None = None
) -> LoadResult:
    """Make every Belegbild path absolute, so checks and packaging look at the same file.

    A relative name is looked up in ``belege`` (if given), beside the source file, and in a
    ``belege`` folder beside it; a file found nowhere keeps the path beside the source, where
    the ``attachment.missing`` finding then says it was looked for.
    """
    if "attachment" not in loaded.frame.columns:
        return loaded
    folders = {path.name: path.resolve().parent for path in paths}
    names = loaded.frame.select("source_file", "attachment").unique().drop_nulls().rows()
    resolved: dict[tuple[str, str], str] = {}
    for source, name in names:
        given = Path(name)
        if given.is_absolute():
            continue
        folder = folders.get(source, Path.cwd())
        candidates = [
            *(([belege / given]) if belege else []),
            folder / given,
            folder / "belege" / given,
        ]
        found = next((candidate for candidate in candidates if candidate.is_file()), folder / given)
        resolved[(source, name)] = str(found)
    if not resolved:
        return loaded
    mapping = pl.DataFrame(
        [{"source_file": s, "attachment": n, "_path": p} for (s, n), p in resolved.items()]
    )
    frame = (
        loaded.frame.with_row_index("_order")
        .join(mapping, on=["source_file", "attachment"], how="left")
        .sort("_order")
        .with_columns(pl.coalesce("_path", "attachment").alias("attachment"))
        .drop("_order", "_path")
    )
    return replace(loaded, frame=frame)
