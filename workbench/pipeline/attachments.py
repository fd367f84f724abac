"""Where each Belegbild of a loaded source is: one folder listing per place, not one ``stat()``
per name.

A relative name is looked up in the ``belege`` folder (if given), beside the source file and in a
``belege`` folder beside it, in this order; a name found nowhere keeps the path beside the source,
where the ``attachment.missing`` finding then says it was looked for. A name that points outside
the ``belege`` folder and the source's folder (with its subfolders) is an error and never read: a
client's export must not make the workbench send another client's files to DATEV.

Exports name about one Belegbild per row: a million ``stat()`` calls took 16 s, while listing
the three folders once and matching the names with polars takes a fraction of a second.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from workbench import listings
from workbench.findings import concat_findings
from workbench.kinds import ITEM_ID_COLUMNS
from workbench.sources import LoadResult
from workbench.sources.chunks import in_chunks

__all__ = ["resolve_attachments"]

#: The characters that separate folders in a path here.
_SEPARATORS = sorted({os.sep, *([os.altsep] if os.altsep else [])})


def resolve_attachments(
    loaded: LoadResult, paths: Sequence[Path], *, belege: Path | None = None
) -> LoadResult:
    """Make every Belegbild path absolute, so checks and packaging look at the same file.

    Plain names are matched against one listing of each place; names with a folder in them
    (``scans/RE-1.pdf``), odd ones (``.``, empty) and the names of a place that cannot be listed
    are looked up one by one. A path outside the places (a full path elsewhere, ``../``) is
    never read: its cell becomes empty and the row gets an ``attachment.outside_folder`` error.
    """
    if (
        "attachment" not in loaded.frame.columns
        or loaded.frame["attachment"].null_count() == loaded.frame.height
    ):
        return loaded  # no Belegbild named (1M rows: 0.1 s of joins saved)
    folders = {path.name: path.resolve().parent for path in paths}
    sources = loaded.frame["source_file"].unique().drop_nulls().to_list()
    places = {
        source: [*([belege] if belege else []), folder, folder / "belege"]
        for source, folder in ((source, folders.get(source, Path.cwd())) for source in sources)
    }
    known: dict[Path, list[str] | None] = {}  # each folder listed once for all sources
    lookups = {source: _lookup(source, where, known) for source, where in places.items()}
    listed = [source for source, lookup in lookups.items() if lookup is not None]
    found = [lookup for lookup in lookups.values() if lookup is not None and lookup.height]
    keys = loaded.frame.select("source_file", "attachment")
    keys = (
        keys.join(
            pl.concat(found), on=["source_file", "attachment"], how="left", maintain_order="left"
        )
        if found
        else keys.with_columns(_found=pl.lit(None, dtype=pl.String))
    )
    name, source = pl.col("attachment"), pl.col("source_file")
    # a plain name (no folder, no drive in it) is never absolute: only a listing settles it
    by_listing = listings.plain_name(name)
    if listed != sources or keys["source_file"].null_count():
        # a row without source file is never looked up (nothing beside it)
        by_listing = by_listing & source.is_not_null() & source.is_in(listed)
    if not listings.EXACT_NAMES:
        by_listing = by_listing & pl.col("_found").is_not_null()
    beside = pl.concat_str(_per_source({s: _prefix(places[s][-2]) for s in listed}, listed), name)
    listing = pl.coalesce("_found", beside) if found else beside
    settled = keys.select(by_listing.fill_null(value=True)).to_series()
    if settled.all():  # the usual case: every name a plain one, beside a listed source
        resolved = keys.select(listing.alias("_found"), pl.lit(value=False).alias("_todo"))
    else:
        # a POSIX path beginning with "/" is absolute: it stays as it is, nothing to look up
        absolute = name.str.starts_with("/") if os.name == "posix" else pl.lit(value=False)
        resolved = keys.with_columns(_settled=settled).select(
            pl.when("_settled").then(listing).otherwise(name).alias("_found"),
            (~pl.col("_settled") & name.is_not_null() & source.is_not_null() & ~absolute).alias(
                "_todo"
            ),
            source,
            name,
        )
    located = _one_by_one(resolved, places)
    roots = {source: _roots(where) for source, where in places.items()}
    outside = _outside(located, keys["source_file"], roots)
    findings = loaded.findings
    if outside.any():
        findings = concat_findings([findings, _outside_findings(loaded, outside, places)])
        # never read, whatever a later stage does: the row is blocked by the error anyway
        located = located.scatter(outside.arg_true(), None)
    # in the other columns' chunks: else every later operation realigns the whole frame
    attachment = in_chunks(located, loaded.frame["attachment"].chunk_lengths())
    return replace(
        loaded,
        frame=loaded.frame.with_columns(attachment.alias("attachment")),
        findings=findings,
    )


def _roots(places: list[Path]) -> list[str]:
    """The folders Belegbilder may come from (each with its subfolders), as path prefixes: the
    ``--belege`` folder and the source's folder (its ``belege`` folder is inside it)."""
    return [_prefix(place) for place in places[:-1]]


def _outside(paths: pl.Series, sources: pl.Series, roots: dict[str, list[str]]) -> pl.Series:
    """Whether each path lies outside every root of its source (compared after ``..`` and
    ``.`` are resolved by the text, as ``os.path.normpath`` does; a link inside a root is the
    user's own choice and stays). Rows without source file or path are never outside."""
    frame = pl.DataFrame([paths.alias("path"), sources.alias("source")])
    path = pl.col("path")
    odd = pl.any_horizontal(
        path.str.contains(sep + ".", literal=True) | path.str.contains(sep + sep, literal=True)
        for sep in _SEPARATORS
    )
    unusual = frame.filter(odd.fill_null(False))["path"].unique()
    if len(unusual):  # ".." and "." segments, doubled separators: few, one by one
        normal = [os.path.normpath(value) for value in unusual.to_list()]
        frame = frame.with_columns(path.replace(unusual, normal))
    if os.name == "nt":  # Windows finds a file regardless of case
        frame = frame.with_columns(path.str.to_lowercase())
        roots = {s: [root.lower() for root in where] for s, where in roots.items()}
    # per source, its roots as literals (a prefix per row would be a column to compare with)
    inside = [
        (pl.col("source") == source)
        & pl.any_horizontal(
            path.str.starts_with(root) | (path == root[:-1])
            for root in where  # or the folder
        )
        for source, where in roots.items()
        if where
    ]
    settled = pl.any_horizontal(inside).fill_null(False) if inside else pl.lit(False)
    known = pl.col("source").is_in(list(roots))
    return frame.select(
        (path.is_not_null() & known & ~settled).fill_null(False).alias("outside")
    ).to_series()


def _outside_findings(
    loaded: LoadResult, outside: pl.Series, places: dict[str, list[Path]]
) -> pl.DataFrame:
    """One ``attachment.outside_folder`` error per row whose Belegbild lies elsewhere."""
    item = ITEM_ID_COLUMNS.get(loaded.kind)
    headers = {info.file: info.mapped.get("attachment") for info in loaded.sources}
    folders = {source: str(where[-2]) for source, where in places.items()}
    rows = loaded.frame.filter(outside)
    source = pl.col("source_file")
    return rows.select(
        source.alias("source"),
        (pl.col("source_row") if "source_row" in rows.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("row"),
        (pl.col(item).cast(pl.String) if item in rows.columns else pl.lit(None)).alias("item_id"),
        pl.lit("attachment").alias("column"),
        source.replace_strict(headers, default=None, return_dtype=pl.String).alias("source_column"),
        pl.lit("attachment.outside_folder").alias("rule"),
        pl.lit("error").alias("severity"),
        pl.col("attachment").alias("value"),
        pl.lit("ein Belegbild im Ordner der Quelldatei oder im Belegordner").alias("expected"),
        pl.concat_str(
            pl.lit("Das Belegbild '"),
            pl.col("attachment"),
            pl.lit("' liegt außerhalb des Ordners der Quelldatei ("),
            source.replace_strict(folders, default="?", return_dtype=pl.String),
            pl.lit(
                ") und des Belegordners. Die Workbench liest und überträgt Belegbilder nur von "
                "dort (strenger als DATEV), damit keine fremde Datei, etwa eines anderen "
                "Mandanten, zu DATEV gelangt. Legen Sie die Datei in diesen Ordner oder seinen "
                "Unterordner belege und tragen Sie in der Quelle nur ihren Namen ein."
            ),
        ).alias("message"),
    )


def _lookup(
    source: str, places: list[Path], known: dict[Path, list[str] | None]
) -> pl.DataFrame | None:
    """The files in ``places`` as rows ``source_file``, ``attachment`` (the name) and ``_found``
    (its path in the first place that has it); ``None`` if a place cannot be listed."""
    parts = []
    for place in places:
        if place not in known:
            known[place] = listings.listing(place, files_only=True)
        names = known[place]
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


def _prefix(folder: Path) -> str:
    """What a plain name is appended to, spelled as ``str(folder / name)`` spells it."""
    return str(folder / "_")[:-1]


def _per_source(values: dict[str, str], sources: list[str]) -> pl.Expr:
    """``values[source_file]`` for the ``sources`` (a literal if there is only one)."""
    if not sources:
        return pl.lit(None, dtype=pl.String)
    if len(sources) == 1:
        return pl.lit(values[sources[0]])
    return pl.col("source_file").replace_strict(
        sources, [values[source] for source in sources], default=None, return_dtype=pl.String
    )


def _one_by_one(resolved: pl.DataFrame, places: dict[str, list[Path]]) -> pl.Series:
    """``_found``, with the rows marked ``_todo`` (names no listing settles) looked up one by
    one: the first place where ``Path.is_file()`` finds the name, else the path beside the
    source."""
    found = resolved["_found"]
    if not resolved["_todo"].any():
        return found
    todo = resolved.with_row_index("_at").filter("_todo")
    paths: dict[tuple[str, str], str] = {}
    for source, name in todo.select("source_file", "attachment").unique().rows():
        given = Path(name)
        if given.is_absolute():
            paths[(source, name)] = name
            continue
        candidates = [place / given for place in places[source]]
        paths[(source, name)] = str(
            next((path for path in candidates if path.is_file()), candidates[-2])
        )
    values = [paths[key] for key in todo.select("source_file", "attachment").iter_rows()]
    return found.scatter(todo["_at"], pl.Series(values, dtype=pl.String))
