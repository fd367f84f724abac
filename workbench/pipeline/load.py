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
from workbench.sources import LoadResult, available_profiles, canonical_columns, load_profile
from workbench.sources.readers import read_table

__all__ = ["detect_profile", "load_run", "resolve_attachments"]


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
    chosen = detect_profile(spec.kind, paths) if profile == "auto" else profile
    result = REGISTRY[spec.kind].load(list(paths), profile=chosen)
    result = resolve_attachments(result, paths, belege=belege)
    return LoadedRun(kind=spec.kind, files=paths, profile=chosen, result=result)


def detect_profile(kind: str | SourceKind, files: Sequence[Path]) -> str:
    """The first profile (canonical last) whose columns match the first file's header.

    A document the kind's loader reads besides tables (an XRechnung XML, a ZUGFeRD/Factur-X
    PDF: see ``KindFunctions.documents``) gets the first profile of its format instead.
    """
    spec = kind_spec(kind)
    kind = spec.kind.value
    first = Path(files[0])
    names = [name for name in available_profiles() if name != "canonical"] + ["canonical"]
    candidates, broken = [], []
    for name in names:
        try:
            candidates.append((name, load_profile(name)))
        except ProfileError as error:  # a broken user profile breaks only itself
            broken.append(error)
    for format_name, recognises in REGISTRY[spec.kind].documents.items():
        if recognises(first):
            for name, profile in candidates:
                if profile.format == format_name:
                    return name
    candidates = [
        (name, profile)
        for name, profile in candidates
        if kind in profile.variants and profile.format == "table"
    ]
    required_columns = [column.name for column in canonical_columns(kind) if column.required]
    tables: dict[str | None, set[str]] = {}
    unreadable: list[SourceError] = []

    def headers(sheet: str | None, header_row: int) -> set[str]:
        if sheet not in tables:
            try:
                tables[sheet] = set(read_table(first, sheet=sheet, header_row=header_row).headers)
            except SourceError as error:
                tables[sheet] = set()
                unreadable.append(error)
        return tables[sheet]

    for name, profile in candidates:
        for variant in profile.variants[kind]:
            found = headers(variant.sheet, variant.header_row)
            resolved = variant.resolve(sorted(found))
            required = [column for column in required_columns if column not in variant.defaults]
            if variant.matches(found) and all(column in resolved for column in required):
                return name
    if unreadable and not any(tables.values()):
        # the file itself cannot be read (a stray quote, binary data ...): say that, not
        # that no profile fits
        raise unreadable[0]
    skipped = "".join(f" Übersprungen: {error}" for error in broken)
    raise SourceError(
        f"Für {first.name} passt keines der Profile ({', '.join(names)}) zur "
        f"Quellart '{kind}'. Geben Sie das Profil mit --profile an.{skipped}",
        file=first.name,
    )


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
