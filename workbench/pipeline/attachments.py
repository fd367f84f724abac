"""Where each Belegbild of a loaded source is: one folder listing per place, not one ``stat()``
per name.

A relative name is looked up in the ``belege`` folder (if given), beside the source file and in a
``belege`` folder beside it, in this order; a name found nowhere keeps the path beside the source,
where the ``attachment.missing`` finding then says it was looked for. Exports name about one
Belegbild per row: a million ``stat()`` calls took 16 s, while listing the three folders once and
matching the names with polars takes a fraction of a second.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from workbench.sources import LoadResult

__all__ = ["resolve_attachments"]

#: Whether a file system finds a file only by its exact name. On macOS and Windows it also finds
#: ``re-1.PDF`` (or another Unicode normalisation) for ``RE-1.pdf``: there, names the listings
#: do not hold are looked up one by one, as the file system sees them.
_EXACT_NAMES = sys.platform not in ("darwin", "win32")
#: Characters that make a name more than a file name in a folder (a subfolder, a drive).
_SEPARATORS = sorted(
    {"/", os.sep, *([os.altsep] if os.altsep else []), *([":"] * (os.name == "nt"))}
)


def resolve_attachments(
    loaded: LoadResult, paths: Sequence[Path], *, belege: Path | None = None
) -> LoadResult:
    """Make every Belegbild path absolute, so checks and packaging look at the same file.

    Plain names are matched against one listing of each place; names with a folder in them
    (``scans/RE-1.pdf``), odd ones (``.``, empty) and the names of a place that cannot be listed
    are looked up one by one.
    """
    if "attachment" not in loaded.frame.columns:
        return loaded
    folders = {path.name: path.resolve().parent for path in paths}
    sources = loaded.frame["source_file"].unique().drop_nulls().to_list()
    places = {
        source: [*([belege] if belege else []), folder, folder / "belege"]
        for source, folder in ((source, folders.get(source, Path.cwd())) for source in sources)
    }
    listings: dict[Path, list[str] | None] = {}
    lookups = {source: _lookup(source, where, listings) for source, where in places.items()}
    listed = [source for source, lookup in lookups.items() if lookup is not None]
    name = pl.col("attachment")
    # a POSIX path beginning with "/" is absolute: it stays as it is, nothing to look up
    absolute = name.str.starts_with("/") if os.name == "posix" else pl.lit(value=False)
    plain = ~pl.any_horizontal(
        name.is_in(["", ".", ".."]),
        *(name.str.contains(separator, literal=True) for separator in _SEPARATORS),
    )
    found = [lookup for lookup in lookups.values() if lookup is not None and lookup.height]
    frame = (
        loaded.frame.join(
            pl.concat(found), on=["source_file", "attachment"], how="left", maintain_order="left"
        )
        if found
        else loaded.frame.with_columns(_found=pl.lit(None, dtype=pl.String))
    )
    by_listing = plain & pl.col("source_file").is_in(listed)
    if not _EXACT_NAMES:
        by_listing = by_listing & pl.col("_found").is_not_null()
    beside = {source: _prefix(where[-2]) for source, where in places.items()}
    frame = frame.with_columns(
        # a row without source file was never looked up (nothing to look beside)
        pl.when(name.is_null() | pl.col("source_file").is_null() | absolute)
        .then(name)
        .when(by_listing)
        .then(pl.coalesce("_found", pl.concat_str(_per_source(beside, listed), name)))
        .alias("_found")
    )
    frame = _one_by_one(frame, places)
    return replace(loaded, frame=frame.with_columns(attachment=pl.col("_found")).drop("_found"))


def _lookup(
    source: str, places: list[Path], listings: dict[Path, list[str] | None]
) -> pl.DataFrame | None:
    """The files in ``places`` as rows ``source_file``, ``attachment`` (the name) and ``_found``
    (its path in the first place that has it); ``None`` if a place cannot be listed."""
    parts = []
    for place in places:
        if place not in listings:
            listings[place] = _listing(place)
        names = listings[place]
        if names is None:
            return None
        parts.append(
            pl.DataFrame({"attachment": names}, schema={"attachment": pl.String}).with_columns(
                _found=pl.lit(_prefix(place)) + pl.col("attachment")
            )
        )
    return (
        pl.concat(parts)
        .unique("attachment", keep="first", maintain_order=True)
        .select(pl.lit(source).alias("source_file"), "attachment", "_found")
    )


def _listing(folder: Path) -> list[str] | None:
    """The names of the files in ``folder`` (symbolic links followed, as ``Path.is_file()``
    does); empty if there is no such folder, ``None`` if it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return [entry.name for entry in entries if entry.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError:
        return None


def _prefix(folder: Path) -> str:
    """What a plain name is appended to, spelled as ``str(folder / name)`` spells it."""
    return str(folder / "_")[:-1]


def _per_source(values: dict[str, str], sources: list[str]) -> pl.Expr:
    """``values[source_file]`` for the ``sources`` (a literal if there is only one)."""
    if len(sources) == 1:
        return pl.lit(values[sources[0]])
    return pl.col("source_file").replace_strict(
        sources, [values[source] for source in sources], default=None, return_dtype=pl.String
    )


def _one_by_one(frame: pl.DataFrame, places: dict[str, list[Path]]) -> pl.DataFrame:
    """Names not settled by a listing (``_found`` null for a non-null name): the first place
    where ``Path.is_file()`` finds the name, else the path beside the source."""
    todo = frame.filter(pl.col("_found").is_null() & pl.col("attachment").is_not_null()).drop_nulls(
        "source_file"
    )
    pairs = todo.select("source_file", "attachment").unique().rows()
    if not pairs:
        return frame
    resolved = []
    for source, name in pairs:
        given = Path(name)
        if given.is_absolute():
            resolved.append((source, name, name))
            continue
        candidates = [place / given for place in places[source]]
        found = next((path for path in candidates if path.is_file()), candidates[-2])
        resolved.append((source, name, str(found)))
    lookup = pl.DataFrame(resolved, schema=["source_file", "attachment", "_path"], orient="row")
    return (
        frame.join(lookup, on=["source_file", "attachment"], how="left", maintain_order="left")
        .with_columns(_found=pl.coalesce("_found", "_path"))
        .drop("_path")
    )
