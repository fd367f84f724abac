"""Belegbilder on disk: ``attachment.missing``, ``attachment.too_large`` and
``attachment.empty``.

Exports name about one Belegbild per row, and the loader makes each name a full path. One
``stat()`` per name took most of a million-row check (every name missing: ~20 s), so each
folder the names point into is listed once and the names are matched with polars; only the
names found get a ``stat()`` (for their size). Names with a folder in them (``scans/RE-1.pdf``),
odd ones (``.``, empty), those in a folder that cannot be listed and, where the file system
finds names regardless of case (macOS, Windows), those no listing holds are looked up one by
one as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import polars as pl

from workbench import listings
from workbench.checks.engine_polars import ROW_INDEX
from workbench.checks.hits import hits, text
from workbench.datev.limits import MAX_ATTACHMENT_BYTES, megabytes

__all__ = ["attachment_files"]

_KEYS = ["source_file", "attachment"]


def attachment_files(
    frame: pl.DataFrame,
    *,
    folders: Mapping[str, Sequence[Path]],
    sizes: Mapping[str, int] | None = None,
    stat: Callable[[Path], int] | None = None,
) -> list[pl.DataFrame]:
    """Missing Belegbilder and Belegbilder over DATEV's size limit, looked up in the source's
    folders (``workbench/datev/limits.py``).

    ``folders`` maps ``source_file`` to the folders its Belegbilder may be in, first match wins
    (rows of other files are not checked; a full path is looked up where it points); ``sizes``
    overrides sizes by file name (declared sizes, e.g. of stubs); ``stat`` returns a size
    (default ``os.stat``).
    """
    if "attachment" not in frame.columns or not folders:
        return []
    stat = stat or (lambda path: os.stat(path).st_size)
    rows = frame.select(ROW_INDEX, *_KEYS).filter(
        pl.col("attachment").is_not_null() & pl.col("source_file").is_in(list(folders))
    )
    if rows.is_empty():
        return []
    found = _found(rows.select(_KEYS).unique(), folders, stat)
    if sizes:  # declared sizes stand for the files' own
        declared = pl.col("attachment").replace_strict(
            dict(sizes), default=pl.col("__size"), return_dtype=pl.Int64
        )
        found = found.with_columns(declared.alias("__size"))
    large = found.filter(pl.col("__size") > MAX_ATTACHMENT_BYTES)
    large = large.with_columns(
        pl.Series("__mb", [megabytes(size) for size in large["__size"]], dtype=pl.String)
    )
    out = []
    missing = (
        rows.join(found, on=_KEYS, how="anti", maintain_order="left") if found.height else rows
    )
    if missing.height:
        out.append(
            _error(
                missing,
                "attachment.missing",
                "vorhandene Datei neben der Quelldatei",
                "' wurde nicht gefunden (gesucht im Ordner der Datei ",
                pl.col("source_file"),
                "). Legen Sie die Datei dort ab oder korrigieren Sie den Dateinamen.",
            )
        )
    if large.height:
        limit = megabytes(MAX_ATTACHMENT_BYTES)
        out.append(
            _error(
                rows.join(large, on=_KEYS, how="inner", maintain_order="left"),
                "attachment.too_large",
                f"höchstens {limit} MB",
                "' ist ",
                pl.col("__mb"),
                f" MB groß; DATEV nimmt höchstens {limit} MB pro Datei an. Verkleinern Sie die "
                "Datei (z. B. geringere Auflösung) oder teilen Sie sie auf.",
            )
        )
    empty = found.filter(pl.col("__size") == 0)
    if empty.height:
        out.append(
            _error(
                rows.join(empty, on=_KEYS, how="semi", maintain_order="left"),
                "attachment.empty",
                "eine Datei mit Inhalt",
                "' ist leer (0 Byte). DATEV nimmt keine leere Datei an, und die Übertragung "
                "scheitert daran. Legen Sie die richtige Datei ab (oft bricht ein Download oder "
                "Export ab) oder exportieren Sie den Beleg erneut.",
            )
        )
    return out


def _error(rows: pl.DataFrame, rule: str, expected: str, *said: str | pl.Expr) -> pl.DataFrame:
    """An error on each of ``rows``' Belegbild: "Das Belegbild '<name>" and what ``said``."""
    return hits(
        rows,
        pl.lit(True),
        rule=rule,
        severity="error",
        column="attachment",
        value=pl.col("attachment"),
        expected=expected,
        message=text("Das Belegbild '", pl.col("attachment"), *said),
    )


def _found(
    pairs: pl.DataFrame, folders: Mapping[str, Sequence[Path]], stat: Callable[[Path], int]
) -> pl.DataFrame:
    """The ``pairs`` (source file, name) whose Belegbild exists, with ``__size`` (bytes)."""
    name = pl.col("attachment")
    absolute = name.str.starts_with("/") if os.name == "posix" else pl.lit(value=False)
    plain = listings.plain_name(name)
    # where each name may be, in order: a full path where it points, a plain name in each
    # folder of its source
    full = absolute & ~name.str.ends_with("/")
    places = [_where_full_paths_point(pairs.filter(full), folders)]
    depth = max(len(where) for where in folders.values())
    for rank in range(depth):
        by_source = {s: str(Path(where[rank])) for s, where in folders.items() if rank < len(where)}
        places.append(
            pairs.filter(plain & pl.col("source_file").is_in(list(by_source))).select(
                *_KEYS,
                pl.lit(rank).alias("__rank"),
                pl.col("source_file")
                .replace_strict(by_source, return_dtype=pl.String)
                .alias("__folder"),
                name.alias("__name"),
            )
        )
    candidates = pl.concat(places)
    known = {folder: listings.listing(folder) for folder in candidates["__folder"].unique()}
    listed = pl.DataFrame(
        [(folder, entry) for folder, names in known.items() for entry in names or ()],
        schema={"__folder": pl.String, "__name": pl.String},
        orient="row",
    )
    hit = (
        candidates.join(listed, on=["__folder", "__name"], how="semi")
        .sort("__rank")
        .unique(_KEYS, keep="first")
    )
    # one by one: odd names (no place), names in a folder that cannot be listed, and where
    # names are found regardless of case, the names no listing holds
    unlistable = [folder for folder, names in known.items() if names is None]
    with_folders = [source for source, where in folders.items() if where]
    doubtful = [
        pairs.filter(~full & ~(plain & pl.col("source_file").is_in(with_folders))),
        candidates.filter(pl.col("__folder").is_in(unlistable)).select(_KEYS),
        *([] if listings.EXACT_NAMES else [pairs.join(hit, on=_KEYS, how="anti")]),
    ]
    todo = pl.concat(doubtful).unique(maintain_order=True)
    hit = hit.join(todo, on=_KEYS, how="anti")
    sizes = [
        (source, entry, _size_in(stat, _path(folder, entry), folders[source], entry))
        for source, entry, folder in hit.select(*_KEYS, "__folder").rows()
    ]
    sizes += [
        (source, entry, _one_by_one(stat, folders[source], entry)) for source, entry in todo.rows()
    ]
    return pl.DataFrame(
        sizes, schema={**dict.fromkeys(_KEYS, pl.String), "__size": pl.Int64}, orient="row"
    ).drop_nulls("__size")


def _where_full_paths_point(
    paths: pl.DataFrame, folders: Mapping[str, Sequence[Path]]
) -> pl.DataFrame:
    """``__folder`` and ``__name`` of full paths: those in a folder of the sources (the loader
    writes them so) split at its known length, the rest at their last ``/``."""
    name = pl.col("attachment")
    folder: pl.Expr = name.str.replace(r"/[^/]*\z", "")
    entry: pl.Expr = name.str.extract(r"([^/]*)\z")
    # the first folder of the sources that holds a path wins: build the chain from the last
    known = list(dict.fromkeys(str(Path(f)) for where in folders.values() for f in where))
    for place in reversed(known):
        prefix = place.rstrip("/") + "/"
        rest = name.str.slice(len(prefix))
        inside = name.str.starts_with(prefix) & ~rest.str.contains("/", literal=True)
        folder = pl.when(inside).then(pl.lit(place)).otherwise(folder)
        entry = pl.when(inside).then(rest).otherwise(entry)
    return paths.select(
        *_KEYS, pl.lit(0).alias("__rank"), folder.alias("__folder"), entry.alias("__name")
    )


def _path(folder: str, name: str) -> Path:
    return Path(folder or "/") / name


def _size(stat: Callable[[Path], int], path: Path) -> int | None:
    try:
        return stat(path)
    except OSError:  # listed, yet gone or a broken link: as if not there
        return None


def _size_in(
    stat: Callable[[Path], int], listed: Path, folders: Sequence[Path], name: str
) -> int | None:
    """The size of the file a listing holds; if it is gone or a broken link, as before."""
    size = _size(stat, listed)
    return size if size is not None else _one_by_one(stat, folders, name)


def _one_by_one(stat: Callable[[Path], int], folders: Sequence[Path], name: str) -> int | None:
    """The size of the first ``folder / name`` that exists (``None``: none does)."""
    for folder in folders:
        size = _size(stat, Path(folder) / name)
        if size is not None:
            return size
    return None
