"""The main job as plain functions: load → check → map → write or transfer.

The CLI, the widgets and the report notebooks call these, so all three behave the same.
A :class:`Run` carries everything one source kind for one client produced, and its counts show
that nothing got lost: every loaded row is mapped, blocked with findings, or skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import ConfigError, SourceError
from workbench.findings import concat_findings, exit_code
from workbench.sources import LOADERS, LoadResult, available_profiles, load_profile
from workbench.sources.readers import read_table
from workbench.sources.schema import ITEM_ID_COLUMN

__all__ = [
    "Run",
    "check_run",
    "detect_profile",
    "load_pos_mapping",
    "map_run",
    "records_with_lineage",
    "transfer_run",
    "write_run",
]

#: Where each kind's data goes by default: XML packages, EXTF, or expense postings.
DEFAULT_TARGET = {"receipts": "xml", "invoices": "xml", "pos": "extf", "calls": "expense-postings"}


@dataclass
class Run:
    """One source kind for one client, from loading to transfer."""

    kind: str
    client: str | None
    files: list[Path]
    profile: str
    loaded: LoadResult
    settings: Any = None
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)
    mapped: Any = None
    billing: Any = None
    directory: Any = None
    transfers: list = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)


def detect_profile(kind: str, files: Sequence[Path]) -> str:
    """The first profile (canonical last) whose columns match the first file's header."""
    first = Path(files[0])
    names = [name for name in available_profiles() if name != "canonical"] + ["canonical"]
    candidates = [(name, load_profile(name)) for name in names]
    candidates = [(name, profile) for name, profile in candidates if kind in profile.variants]
    tables: dict[str | None, set[str]] = {}

    def headers(sheet: str | None, header_row: int) -> set[str]:
        if sheet not in tables:
            try:
                tables[sheet] = set(read_table(first, sheet=sheet, header_row=header_row).headers)
            except SourceError:
                tables[sheet] = set()
        return tables[sheet]

    for name, profile in candidates:
        for variant in profile.variants[kind]:
            found = headers(variant.sheet, variant.header_row)
            resolved = variant.resolve(sorted(found))
            required = [column for column, _ in _required(kind) if column not in variant.defaults]
            if variant.matches(found) and all(column in resolved for column in required):
                return name
    raise SourceError(
        f"Für {first.name} passt keines der Profile ({', '.join(names)}) zur "
        f"Quellart '{kind}'. Geben Sie das Profil mit --profile an.",
        file=first.name,
    )


def _required(kind: str) -> list[tuple[str, str]]:
    from workbench.sources.schema import canonical_columns

    return [(column.name, column.type) for column in canonical_columns(kind) if column.required]


def load_pos_mapping(path: Path) -> Any:
    """A :class:`~workbench.mapping.PosMapping` from a TOML file (see data/samples)."""
    from workbench.mapping import PosMapping

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(
            f"Die POS-Zuordnung {path} ist nicht lesbar: {error}", file=path.name
        ) from error
    close = data.get("day_close")
    try:
        return PosMapping(
            accounts=dict(data["accounts"]),
            transit_account=str(data["transit_account"]),
            tip_account=str(data["tip_account"]),
            period=data.get("period", "daily"),
            day_close=dt.time.fromisoformat(close) if close else None,
            fixation=bool(data.get("fixation", False)),
            journal_description=str(data.get("journal_description", "")),
        )
    except (KeyError, ValueError) as error:
        raise ConfigError(
            f"Die POS-Zuordnung {path} ist unvollständig oder ungültig: {error}", file=path.name
        ) from error


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
    from dataclasses import replace

    return replace(loaded, frame=frame)


def check_run(
    kind: str,
    files: Sequence[str | Path],
    *,
    client: str | None,
    profile: str = "auto",
    connection: Any = None,
    engine: str = "polars",
    period: str | None = None,
    target: str | None = None,
    belege: Path | None = None,
) -> Run:
    """Load and check; client settings come from DATEV through ``connection`` (or the cache)."""
    paths = [Path(path) for path in files]
    if not paths:
        raise SourceError("Es wurde keine Quelldatei angegeben.")
    chosen = detect_profile(kind, paths) if profile == "auto" else profile
    loaded = resolve_attachments(LOADERS[kind](paths, profile=chosen), paths, belege=belege)
    run = Run(kind=kind, client=client, files=paths, profile=chosen, loaded=loaded)
    if kind == "calls":
        return _check_calls(run, connection)
    if client is None:
        raise ConfigError(f"Für '{kind}' ist der Mandant nötig (--client, z. B. 455148-1).")
    loaded = run.loaded = _with_talk_receipts(loaded, client, connection)
    run.settings = _client_settings(client, connection)
    from workbench.checks import check_sources

    target = target or DEFAULT_TARGET[kind]
    sizes = _attachment_sizes(paths)
    run.findings = check_sources(
        loaded,
        settings=run.settings,
        engine=engine,
        period=period,
        target="extf" if target == "extf" else "xml",
        folder=paths[0].resolve().parent,
        attachment_sizes=sizes,
    )
    return run


def _talk_store(connection: Any) -> Any:
    """The Kanzlei's Mandantentalk store, or None when no talk was ever started."""
    from workbench.config import load_settings
    from workbench.talk import TalkStore

    settings = connection.settings if connection is not None else load_settings()
    return TalkStore.open(settings) if settings.talk_path.is_file() else None


def _with_talk_receipts(loaded: LoadResult, client: str, connection: Any) -> LoadResult:
    """Receipts the client uploaded in the Mandantentalk become the items' Belegbilder."""
    if "attachment" not in loaded.frame.columns:
        return loaded
    store = _talk_store(connection)
    if store is None:
        return loaded
    from workbench.talk import uploaded_receipts, with_uploaded_receipts

    with store:
        return with_uploaded_receipts(loaded, uploaded_receipts(store, client))


def _close_talks(run: Run, connection: Any) -> None:
    """Open talks of transferred items (or their Belege) close (seed 002: on export)."""
    store = _talk_store(connection)
    if store is None or not run.transfers:
        return
    from workbench.talk import close_transferred

    items: set[str] = set()
    for transfer in run.transfers:
        if transfer.local_status in ("Fehlgeschlagen", "Gelöscht"):
            continue
        items.update(item["item_id"] for item in connection.ledger.items(transfer.id))
    frame = run.loaded.frame
    id_column = ITEM_ID_COLUMN.get(run.kind)
    if id_column in frame.columns:
        # POS items carry their day in front (see transfer_run); talks name the source's id.
        ids = {item.rpartition("/")[2] for item in items} | items
        rows = frame.filter(pl.col(id_column).is_in(list(ids)))
        for column in ("document_id", "invoice_id"):
            if column in rows.columns:
                items.update(value for value in rows[column].drop_nulls().to_list())
        items |= ids
    with store:
        close_transferred(store, run.client or "", items)


def _client_settings(client: str, connection: Any) -> Any:
    from workbench.clients import load_client_settings

    if connection is not None:
        return connection.client_settings(client)
    return load_client_settings(client)


def _attachment_sizes(paths: Sequence[Path]) -> dict[str, int] | None:
    """Declared Belegbild sizes (``attachment_sizes.json`` beside the sources), if any."""
    sizes: dict[str, int] = {}
    for folder in {path.resolve().parent for path in paths}:
        declared = folder / "attachment_sizes.json"
        if declared.is_file():
            sizes.update(json.loads(declared.read_text(encoding="utf-8")))
    return sizes or None


def _check_calls(run: Run, connection: Any) -> Run:
    from workbench.calls import CallSettings, bill_calls, fetch_directory

    if connection is None:
        raise ConfigError(
            "Für Anruflisten werden die Stammdaten aus DATEV (DATEVconnect) "
            "gebraucht; es besteht keine Verbindung."
        )
    run.directory = fetch_directory(connection.datev)
    settings = CallSettings.from_table(connection.settings.calls)
    run.billing = bill_calls(run.loaded, run.directory, settings=settings)
    if run.client:
        run.billing = run.billing.for_client(run.client)
    run.findings = concat_findings([run.loaded.findings, run.billing.findings])
    return run


def map_run(run: Run, *, to: str | None = None, pos_mapping: Path | None = None) -> Any:
    """Map a checked run to DATEV records; rows with error findings are blocked."""
    from workbench.mapping import map_invoices, map_pos, map_receipts

    to = to or DEFAULT_TARGET[run.kind]
    length = (run.settings.account_length if run.settings is not None else None) or 4
    if run.kind == "receipts":
        run.mapped = map_receipts(run.loaded, findings=run.findings, client=run.client)
    elif run.kind == "invoices":
        run.mapped = map_invoices(
            run.loaded,
            mode="bds" if to == "extf" else "rds",
            findings=run.findings,
            client=run.client,
            account_length=length,
        )
    elif run.kind == "pos":
        if pos_mapping is None:
            raise ConfigError(
                "Für Kassenumsätze fehlt die Kontenzuordnung (--pos-mapping "
                "DATEI.toml, Beispiel: data/samples/pos_mapping.toml)."
            )
        run.mapped = map_pos(
            run.loaded,
            mapping=load_pos_mapping(pos_mapping),
            findings=run.findings,
            account_length=length,
        )
    else:
        raise ConfigError(
            "Anruflisten werden nicht abgebildet, sondern abgerechnet (Ziel expense-postings)."
        )
    return run.mapped


def records_with_lineage(mapped: Any) -> pl.DataFrame:
    """Mapped records with ``item_id``, ``source_file`` and ``source_row`` of their first row."""
    first = (
        mapped.lineage.sort("record", "source_row")
        .unique("record", keep="first", maintain_order=True)
        .select("record", "item_id", "source_file", "source_row")
    )
    return (
        mapped.records.with_row_index("record")
        .with_columns(pl.col("record").cast(pl.Int64))
        .join(first, on="record", how="left")
        .drop("record")
    )


def _extf_header(run: Run, mapped: Any) -> Any:
    from workbench.datev.extf import ExtfHeader

    consultant, _, number = (run.client or "").partition("-")
    if not (consultant.isdigit() and number.isdigit()):
        raise ConfigError(
            f"Die Mandanten-ID '{run.client}' hat nicht die Form "
            f"Beraternummer-Mandantennummer (z. B. 455148-1)."
        )
    dates = mapped.records["Belegdatum"].drop_nulls()
    first_day = dates.min() if dates.len() else dt.date.today()
    fiscal = run.settings.fiscal_year_of(first_day) if run.settings is not None else None
    start = fiscal[0] if fiscal else dt.date(first_day.year, 1, 1)
    options = dict(getattr(mapped, "header", {}) or {})
    return ExtfHeader(
        consultant_number=int(consultant),
        client_number=int(number),
        fiscal_year_start=start,
        account_length=(run.settings.account_length if run.settings else None) or 4,
        **options,
    )


def _folders(run: Run) -> dict[str, str]:
    if run.settings is None:
        return {}
    return {entry.name: entry.folder for entry in run.settings.document_types if entry.folder}


def write_run(run: Run, out_dir: Path, *, to: str | None = None) -> list[Path]:
    """Write DATEV files for a mapped run into ``out_dir``; returns what was written."""
    to = to or DEFAULT_TARGET[run.kind]
    out_dir.mkdir(parents=True, exist_ok=True)
    if to == "expense-postings":
        from workbench.calls import plan_expense_postings

        plan = plan_expense_postings(run.billing, run.directory)
        path = out_dir / "expense_postings.json"
        path.write_text(
            json.dumps(plan.bodies(), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return [path]
    mapped = run.mapped
    if to == "extf":
        from dataclasses import replace

        from workbench.datev.extf import write_extf, write_extf_files

        header = _extf_header(run, mapped)
        written = write_extf_files(mapped.records, header, directory=out_dir)
        master = getattr(mapped, "master_data", None)
        if master is not None and not master.is_empty():
            # Buchungsdatenservice: the Debitoren/Kreditoren travel as their own EXTF file.
            path = out_dir / "EXTF_Debitoren_Kreditoren.csv"
            write_extf(
                master,
                replace(header, category=16, format_version=None, date_from=None, date_to=None),
                path_or_buffer=path,
            )
            written.append(path)
        return written
    from workbench.datev.package import build_packages

    result = build_packages(
        mapped.records, out_dir=out_dir, client=run.client, folders=_folders(run)
    )
    return [package.path for package in result.packages]


def transfer_run(
    run: Run,
    connection: Any,
    *,
    out_dir: Path,
    month: str | None = None,
    document_kind: str | None = None,
    to: str | None = None,
    progress: Any = None,
    wait: float = 60.0,
) -> list:
    """Send a mapped run to DATEV (dxso packages or EXTF files), recording it in the ledger."""
    from workbench.transfer.extf_jobs import transfer_bookings
    from workbench.transfer.jobs import transfer_records

    to = to or DEFAULT_TARGET[run.kind]
    records = records_with_lineage(run.mapped)
    if run.kind == "pos":
        # A POS category books every day: the business day makes the item unique and stable.
        records = records.with_columns(
            pl.format(
                "{}/{}", pl.col("Belegdatum").dt.strftime("%Y-%m-%d"), pl.col("item_id")
            ).alias("item_id")
        )
    if to == "extf":
        if month:
            records = records.filter(pl.col("Belegdatum").dt.strftime("%Y-%m") == month)
        run.transfers = transfer_bookings(
            connection.ledger,
            connection.datev,
            client=run.client,
            bookings=records,
            header=_extf_header(run, run.mapped),
            out_dir=out_dir,
            kind=run.kind,
        )
    else:
        run.transfers = transfer_records(
            connection.ledger,
            connection.datev,
            client=run.client,
            records=records,
            out_dir=out_dir,
            kind=run.kind,
            month=month,
            document_kind=document_kind,
            folders=_folders(run),
            progress=progress,
            wait=wait,
        )
    _close_talks(run, connection)
    return run.transfers
