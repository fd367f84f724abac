"""Load source files through a profile into a canonical frame, with findings for bad values.

Nothing is dropped on the way: every data row of every file becomes exactly one row of the
canonical frame (``source_file`` and ``source_row`` say where it came from); a value that cannot
be converted is null in the frame and a ``field.unparseable`` finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench.errors import SourceError
from workbench.findings import concat_findings, empty_findings, findings_frame
from workbench.german import format_count
from workbench.kinds import ITEM_ID_COLUMNS
from workbench.sources.chunks import like_chunks
from workbench.sources.convert import convert_series, fast_conversion
from workbench.sources.profiles import Profile, Variant, load_profile
from workbench.sources.readers import RawTable, excel_sheets, read_table, unnamed
from workbench.sources.schema import Column, canonical_columns, canonical_schema

__all__ = ["LoadResult", "SourceInfo", "attach_item_ids", "load_source"]

PathLike = str | os.PathLike[str]

#: Column types kept as written (see ``convert_series``).
_VERBATIM = ("text", "code", "account")


@dataclass(frozen=True)
class SourceInfo:
    """What was read from one file (or one Excel sheet)."""

    file: str
    kind: str
    variant: str
    format: str
    encoding: str | None
    sheet: str | None
    rows: int
    mapped: dict[str, str]
    unmapped: tuple[str, ...]
    #: How the file was read, so its cells can be shown again as written (``sources.raw``).
    header_row: int = 1
    delimiter: str | None = None


@dataclass(frozen=True)
class LoadResult:
    """A loaded source: the canonical frame, findings about its values, and per-file details."""

    kind: str
    frame: pl.DataFrame
    findings: pl.DataFrame
    sources: tuple[SourceInfo, ...]
    positions: pl.DataFrame | None = None
    position_sources: tuple[SourceInfo, ...] = field(default=())
    #: Further frames a reader keeps beside the canonical ones (e-invoices: every EN 16931 term
    #: the checks need, and where in the XML each value sits).
    details: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def documents(self) -> frozenset[str]:
        """Files that each hold one invoice as a document (e-invoices), not a table.

        Their findings name the line of an XML element, not the row of a record, so what
        blocks an item is a finding anywhere in its file.
        """
        header = self.details.get("einvoice")
        return frozenset(header["source_file"]) if header is not None else frozenset()

    def summary(self) -> pl.DataFrame:
        """One row per file: rows loaded, format, encoding, variant and findings count."""
        counts = (
            self.findings.group_by("source").len()
            if self.findings.height
            else pl.DataFrame(schema={"source": pl.String, "len": pl.UInt32})
        )
        per_file = dict(zip(counts["source"].to_list(), counts["len"].to_list(), strict=True))
        return pl.DataFrame(
            [
                {
                    "file": info.file,
                    "kind": info.kind,
                    "sheet": info.sheet,
                    "variant": info.variant,
                    "format": info.format,
                    "encoding": info.encoding,
                    "rows": info.rows,
                    "mapped_columns": len(info.mapped),
                    "unmapped_columns": ", ".join(info.unmapped),
                    "row_problems": per_file.get(info.file, 0),
                }
                for info in (*self.sources, *self.position_sources)
            ],
            schema={
                "file": pl.String,
                "kind": pl.String,
                "sheet": pl.String,
                "variant": pl.String,
                "format": pl.String,
                "encoding": pl.String,
                "rows": pl.Int64,
                "mapped_columns": pl.Int64,
                "unmapped_columns": pl.String,
                "row_problems": pl.Int64,
            },
        )


def attach_item_ids(findings: pl.DataFrame, frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Fill the findings' ``item_id`` from ``frame`` (for ids derived after conversion)."""
    if findings.is_empty():
        return findings
    # Only the rows with findings: filtering first avoids hashing a million-row frame.
    wanted = findings.select("source", "row").unique()
    ids = frame.filter(pl.col("source_row").is_in(wanted["row"].implode())).select(
        pl.col("source_file").alias("source"),
        pl.col("source_row").alias("row"),
        pl.col(ITEM_ID_COLUMNS[kind]).alias("__item"),
    )
    return (
        findings.join(ids, on=["source", "row"], how="left")
        .with_columns(pl.coalesce("item_id", "__item").alias("item_id"))
        .drop("__item")
    )


def _as_list(files: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(files, (str, os.PathLike)):
        return [Path(files)]
    paths = [Path(path) for path in files]
    if not paths:
        raise SourceError("Es wurde keine Quelldatei angegeben.")
    return paths


def _pick_variant(
    table: RawTable, variants: Sequence[Variant], profile: Profile, kind: str
) -> Variant | None:
    headers = set(table.headers)
    for variant in variants:
        if variant.matches(headers):
            return variant
    return None


def _no_variant_error(
    table: RawTable, variants: Sequence[Variant], profile: Profile, kind: str
) -> SourceError:
    expected = "; ".join(f"{variant.name}: {', '.join(variant.detect)}" for variant in variants)
    found = ", ".join(table.headers[:12])
    return SourceError(
        f"Die Datei {table.file} passt nicht zum Profil '{profile.name}' ({kind}): erwartet werden "
        f"die Spalten {expected}; gefunden wurden {found}. Wählen Sie das passende Profil.",
        file=table.file,
        row=1,
    )


def _convert(
    table: RawTable, variant: Variant, kind: str
) -> tuple[pl.DataFrame, pl.DataFrame, SourceInfo]:
    columns = canonical_columns(kind)
    resolved = variant.resolve(table.headers)
    for column in columns:
        if column.required and column.name not in resolved and column.name not in variant.defaults:
            row = variant.header_row if table.format != "json" else None
            raise SourceError(
                f"Der Datei {table.file} fehlt die Pflichtspalte "
                f"{variant.expected_headers(column.name)} (kanonisch '{column.name}')"
                f"{f' in der Kopfzeile (Zeile {row})' if row else ''}. "
                "Ergänzen Sie die Spalte oder passen Sie das Profil an.",
                file=table.file,
                row=row,
                column=column.name,
            )
    # Excel and JSON numbers arrive as "12.345" (a dot, whatever the locale); only CSV text
    # follows the profile's notation.
    number_format = (variant.number_format or "de") if table.format == "csv" else "en"
    texts = table.frame.select(
        *(pl.col(resolved[c.name]).alias(c.name) for c in columns if c.name in resolved),
        *(
            pl.repeat(variant.defaults[c.name], pl.len(), dtype=pl.String).alias(c.name)
            for c in columns
            if c.name not in resolved and c.name in variant.defaults
        ),
    )
    texts = like_chunks(texts, table.frame.to_series(0))
    frame = _converted(table, texts, columns, variant, number_format)
    texts_of = dict(zip(texts.columns, texts.iter_columns(), strict=True))
    findings = concat_findings(
        [
            _unparseable(table, frame, columns, resolved, texts_of, kind),
            _reader_notes(table, resolved),
            _unnamed_columns(table, set(resolved.values()), variant.header_row),
        ]
    )
    used = set(resolved.values())
    info = SourceInfo(
        file=table.file,
        kind=kind,
        variant=variant.name,
        format=table.format,
        encoding=table.encoding,
        sheet=table.sheet,
        rows=frame.height,
        mapped=resolved,
        unmapped=tuple(h for h in table.headers if h not in used),
        header_row=variant.header_row,
        delimiter=variant.delimiter,
    )
    return frame, findings, info


def _converted(
    table: RawTable,
    texts: pl.DataFrame,
    columns: Sequence[Column],
    variant: Variant,
    number_format: str,
) -> pl.DataFrame:
    """The canonical columns of ``texts`` with lineage, one chunk per column.

    One parallel pass converts the usual spellings (:func:`fast_conversion`); only the values
    it leaves null (and columns without a fast path) go through :func:`convert_series`, which
    gives the same value wherever the fast pass gives one.
    """
    excel = table.format == "excel"
    fast: dict[str, pl.Expr] = {}
    for column in columns:
        if column.name not in texts.columns:
            fast[column.name] = pl.lit(None, dtype=column.dtype)
        elif column.type in ("text", "code", "account"):
            fast[column.name] = pl.col(column.name)
        else:
            expr = fast_conversion(column, pl.col(column.name), number_format=number_format)
            if expr is not None:
                fast[column.name] = expr
    frame = texts.select(**fast)

    def rest(column: Column) -> pl.Series:
        text = texts[column.name]
        if column.name not in fast:
            where = None
        else:
            missed = text.is_not_null() & frame[column.name].is_null()
            if not missed.any():
                return frame[column.name]
            where = pl.arange(0, len(text), eager=True).filter(missed)
            text = text.gather(where)
        converted = convert_series(
            column,
            text,
            number_format=number_format,
            excel=excel,
            values=variant.values.get(column.name),
        )
        return converted if where is None else frame[column.name].scatter(where, converted)

    todo = [c for c in columns if c.name in texts.columns and c.type not in _VERBATIM]
    # the rest are short series of single-threaded polars calls: side by side
    with ThreadPoolExecutor(max_workers=pl.thread_pool_size()) as pool:
        done = dict(zip((c.name for c in todo), pool.map(rest, todo), strict=True))
    lineage = [
        pl.repeat(table.file, texts.height, eager=True, dtype=pl.String).alias("source_file"),
        table.rows.alias("source_row"),
    ]
    converted = [(done[c.name] if c.name in done else frame[c.name]).alias(c.name) for c in columns]
    # every column in the reader's chunks: a column chunked otherwise than the others makes
    # every later operation realign the whole frame (0.1-0.2 s per million rows each time)
    frame = pl.DataFrame([*converted, *lineage])
    return like_chunks(frame, texts.to_series(0)) if texts.width else frame.rechunk()


def _unparseable(
    table: RawTable,
    frame: pl.DataFrame,
    columns: Sequence[Column],
    resolved: dict[str, str],
    texts: dict[str, pl.Series],
    kind: str,
) -> pl.DataFrame:
    """One ``field.unparseable`` finding per non-empty value that did not convert."""
    item_text = texts.get(ITEM_ID_COLUMNS[kind])
    parts = []
    for column in columns:
        if column.name not in texts or column.type in _VERBATIM:
            continue
        text = texts[column.name]
        bad = text.is_not_null() & frame[column.name].is_null()
        if not bad.any():
            continue
        # blank values are empty, not wrong (stripped here only, not in the whole column)
        at = pl.arange(0, len(text), eager=True).filter(bad)
        written = text.gather(at).str.strip_chars() != ""
        if not written.all():
            bad = bad.scatter(at.filter(~written), False)
        if not bad.any():
            continue
        source_column = resolved.get(column.name)
        where = f"Spalte '{source_column}'" if source_column else f"Vorgabewert für '{column.name}'"
        # rechunk: multi-chunk filtered series trip polars' string formatting (a panic).
        values = text.filter(bad).rechunk()
        rows = table.rows.filter(bad).rechunk()
        parts.append(
            pl.DataFrame(
                {
                    "source": pl.repeat(table.file, len(values), eager=True, dtype=pl.String),
                    "sheet": pl.repeat(table.sheet, len(values), eager=True, dtype=pl.String),
                    "row": rows,
                    "item_id": (
                        item_text.filter(bad).rechunk()
                        if item_text is not None
                        else pl.repeat(None, len(values), eager=True, dtype=pl.String)
                    ),
                    "column": pl.repeat(column.name, len(values), eager=True, dtype=pl.String),
                    "source_column": pl.repeat(
                        source_column, len(values), eager=True, dtype=pl.String
                    ),
                    "rule": pl.repeat(
                        "field.unparseable", len(values), eager=True, dtype=pl.String
                    ),
                    "severity": pl.repeat("error", len(values), eager=True, dtype=pl.String),
                    "value": values,
                }
            ).with_columns(
                pl.lit(column.describe()).alias("expected"),
                pl.format(
                    "{}, Zeile {}, {}: Der Wert '{}' ist ungültig, erwartet wird {}. "
                    "Korrigieren Sie den Wert in der Quelle.",
                    pl.lit(table.file),
                    pl.col("row"),
                    pl.lit(where),
                    pl.col("value"),
                    pl.lit(column.describe()),
                ).alias("message"),
                pl.lit(None, dtype=pl.String).alias("suggestion"),
            )
        )
    return concat_findings(parts)


def _unnamed_columns(table: RawTable, used: set[str], header_row: int) -> pl.DataFrame:
    """A ``field.unnamed_column`` warning per column without heading that holds values: its
    values would be dropped without a word (a merged or emptied cell in the header row)."""
    records = []
    for number, header in enumerate(table.headers, start=1):
        if header in used or not unnamed(header):
            continue
        values = table.frame[header].drop_nulls()
        values = values.filter(values.str.strip_chars() != "")
        if values.is_empty():
            continue  # a trailing separator, an empty column: nothing is lost
        example = values[0] if len(values[0]) <= 40 else values[0][:40] + "…"
        where = f"in Zeile {header_row}" if table.format != "json" else "im Kopf"
        records.append(
            {
                "source": table.file,
                "sheet": table.sheet,
                "rule": "field.unnamed_column",
                "severity": "warning",
                "value": values[0],
                "expected": "eine Spaltenüberschrift",
                "message": f"Die {number}. Spalte von {table.file} hat keine Überschrift, "
                f"enthält aber {format_count(len(values))} Werte (z. B. '{example}'); sie wird "
                f"nicht übernommen. Tragen Sie die Überschrift {where} ein (oft ist die Zelle "
                "mit der Nachbarzelle verbunden), damit die Werte übernommen werden.",
            }
        )
    return findings_frame(records)


def _reader_notes(table: RawTable, resolved: dict[str, str]) -> pl.DataFrame:
    """The reader's notes on single rows (e.g. a value spanning lines) as findings."""
    if not table.notes:
        return empty_findings()
    canonical = {header: name for name, header in resolved.items()}
    return findings_frame(
        {"source": table.file, "column": canonical.get(note["source_column"]), **note}
        for note in table.notes
    )


def _tables_for(path: Path, variants: Sequence[Variant]) -> list[tuple[RawTable, Variant | None]]:
    """Read ``path`` once per distinct sheet the variants name (once for CSV and JSON)."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls", ".ods"}:
        sheets = excel_sheets(path)
        wanted = [variant for variant in variants if variant.sheet]
        if wanted:
            seen: dict[str, Variant] = {}  # the first variant per sheet that the file has
            for variant in wanted:
                if variant.sheet in sheets:
                    seen.setdefault(variant.sheet, variant)
            if not seen and not any(variant.sheet is None for variant in variants):
                names = ", ".join(f"'{variant.sheet}'" for variant in wanted)
                raise SourceError(
                    f"Die Excel-Datei {path.name} hat kein Blatt {names}. Vorhandene Blätter: "
                    f"{', '.join(sheets)}. Benennen Sie das Blatt um oder wählen Sie ein anderes "
                    f"Profil.",
                    file=path.name,
                )
            if seen:
                return [
                    (read_table(path, sheet=sheet, header_row=variant.header_row), variant)
                    for sheet, variant in seen.items()
                ]
        variant = variants[0]
        return [(read_table(path, header_row=variant.header_row), None)]
    header_row = variants[0].header_row
    delimiter = variants[0].delimiter
    return [(read_table(path, header_row=header_row, delimiter=delimiter), None)]


def load_source(
    kind: str,
    files: PathLike | Iterable[PathLike],
    *,
    profile: str | Profile = "canonical",
    sub_kinds: Sequence[str] | None = None,
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame, tuple[SourceInfo, ...]]]:
    """Load ``files`` for ``kind``; returns frame, findings and infos per (sub-)kind.

    ``profile="auto"`` takes the first profile whose columns fit the first file.

    ``sub_kinds`` lets invoices load their positions from the same files (a positions sheet, or
    a separate positions file recognised by its headers).
    """
    paths = _as_list(files)
    if profile == "auto":
        from workbench.sources.detect import detect_profile

        profile = detect_profile(kind, paths)
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    kinds = list(sub_kinds or [kind])
    variants = {
        name: profile.variants_for(name) if name == kind else profile.variants.get(name, ())
        for name in kinds
    }
    all_variants = [variant for name in kinds for variant in variants[name]]
    frames: dict[str, list[pl.DataFrame]] = {name: [] for name in kinds}
    findings: dict[str, list[pl.DataFrame]] = {name: [] for name in kinds}
    infos: dict[str, list[SourceInfo]] = {name: [] for name in kinds}
    for path in paths:
        for table, chosen in _tables_for(path, all_variants):
            variant = chosen if chosen is not None and chosen.matches(set(table.headers)) else None
            if variant is None:
                # Positions variants first: they are recognised by their own headers.
                for name in reversed(kinds):
                    variant = _pick_variant(table, variants[name], profile, name)
                    if variant is not None:
                        break
            if variant is None:
                raise _no_variant_error(table, variants[kind], profile, kind)
            frame, found, info = _convert(table, variant, variant.kind)
            frames[variant.kind].append(frame)
            findings[variant.kind].append(found)
            infos[variant.kind].append(info)
    result = {}
    for name in kinds:
        schema = canonical_schema(name)
        frame = pl.concat(frames[name]) if frames[name] else pl.DataFrame(schema=schema)
        result[name] = (frame, concat_findings(findings[name]), tuple(infos[name]))
    if not result[kind][2]:
        raise SourceError(f"In den angegebenen Dateien wurden keine Daten für '{kind}' gefunden.")
    return result
