"""The package stage: mapped records → the files DATEV receives, and what each transfer carries.

``workbench map`` (files only) and ``workbench transfer`` (files, then the send stage) both run
this stage, so what is written is exactly what is sent:

* LedgerImport records → XML packages (document.xml + one LedgerImport per Beleg + Belegbilder),
  one per client, Buchungsmonat and Beleg-Art, split at DATEV's limits (``datev/package.py``);
* EXTF bookings → one Buchungsstapel per month (split above 99,999 postings), each booking with
  DATEV's own ``Buchungs GUID``; Debitoren/Kreditoren go beside them as their own file;
* planned expense postings (calls) → ``expense_postings.json`` in DATEV's schema.

Given the ledger, only items not yet in a live transfer of their Beleg-Art and month are
packaged; the others are listed with that transfer (``PackagedRun.sent_before``). Every
upload lists its ledger items with a content hash and where in the files each one is
(``record_ref``), so DATEV's protocol leads back to the source row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.datev.limits import MAX_FILES_PER_PACKAGE
from workbench.errors import ConfigError
from workbench.pipeline.map import mapping_of, records_with_lineage
from workbench.pipeline.results import MappedRun, PackagedRun
from workbench.transfer.groups import booking_items, split_sent
from workbench.transfer.ledger import ITEM_FIELDS, Ledger

if TYPE_CHECKING:
    from workbench.datev.extf import ExtfHeader
    from workbench.transfer.jobs import Upload

__all__ = [
    "GUID_FIELD",
    "booking_guids",
    "content_hashes",
    "extf_header",
    "package_bookings",
    "package_records",
    "package_run",
]

#: Lineage columns that travel with mapped records but are not DATEV elements.
LINEAGE = ("item_id", "source_file", "source_row")
GUID_FIELD = "Buchungs GUID"
_GUID_NAMESPACE = uuid.UUID("6f0c3a57-8a55-4e0f-9a3b-3c1f4a9d2e10")


def package_run(
    mapped: MappedRun,
    *,
    out_dir: Path,
    ledger: Ledger | None = None,
    month: str | None = None,
    document_kind: str | None = None,
    max_files: int = MAX_FILES_PER_PACKAGE,
    folder: str | None = None,
) -> PackagedRun:
    """Write the DATEV files of a mapped run into ``out_dir``.

    ``ledger``: package only what is not yet transferred. ``month`` (YYYY-MM) and
    ``document_kind`` (Beleg-Art, XML packages only) select one transfer group (seed 004);
    ``max_files`` lowers the files per XML package (seed 004's setting); ``folder`` is the
    Ziel-Ordner chosen for ``document_kind`` (Rechnungsordner or Kassenbuch, seed 004 step 4)
    instead of the client's default.

    >>> packaged = package_run(mapped, out_dir=Path("out"))  # doctest: +SKIP
    >>> [upload.path.name for upload in packaged.uploads]  # doctest: +SKIP
    ['455148-1_2026-01_Rechnungseingang_001']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if mapped.plan is not None:
        path = out_dir / "expense_postings.json"
        path.write_text(
            json.dumps(mapped.plan.bodies(), ensure_ascii=False, indent=1, default=str),
            encoding="utf-8",
        )
        return PackagedRun(mapped=mapped, out_dir=out_dir, uploads=(), written=(path,))
    if mapped.mapping is not None and mapped.mapping.target == "extf":
        return _package_extf(mapped, out_dir, ledger=ledger, month=month)
    return _package_xml(
        mapped,
        out_dir,
        ledger=ledger,
        month=month,
        document_kind=document_kind,
        max_files=max_files,
        folder=folder,
    )


def run_folder(out_dir: Path) -> Path:
    """A new folder under ``out_dir`` for one transfer run's packages: written once, never by
    another run (two transfers at once used to rewrite each other's registered packages)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=out_dir))


def content_hashes(records: pl.DataFrame, *, exclude: tuple[str, ...] = ()) -> pl.Series:
    """A stable SHA-256 per record over its DATEV values (same values, same hash, any run)."""
    columns = sorted(column for column in records.columns if column not in exclude)
    texts = records.select(
        pl.concat_str(
            [pl.col(column).cast(pl.String).fill_null("\u2400") for column in columns],
            separator="\u241f",
        )
    ).to_series()
    sha256 = hashlib.sha256
    # the UTF-8 bytes straight from polars: a million Python strings cost more than hashing
    return pl.Series(
        "content_hash", [sha256(text).hexdigest() for text in texts.cast(pl.Binary).to_list()]
    )


def booking_guids(client: str, item_ids: pl.Series) -> pl.Series:
    """A stable GUID per booking: the same item of the same client always gets the same one.

    ``uuid.uuid5(namespace, f"{client}/{item}")`` as text, computed for the whole column: SHA-1
    per value in Python, the version and variant bits and the hyphens in polars (``uuid5`` one
    by one took 8 s for a million bookings).
    """
    names = (f"{client}/" + item_ids.cast(pl.String).fill_null("None")).cast(pl.Binary)
    namespace = hashlib.sha1(_GUID_NAMESPACE.bytes, usedforsecurity=False)

    def digest(name: bytes) -> bytes:
        sha1 = namespace.copy()
        sha1.update(name)
        return sha1.digest()[:16]

    hexed = pl.Series([digest(name) for name in names.to_list()], dtype=pl.Binary).bin.encode("hex")
    text = pl.col("hex").str
    # RFC 4122: version 5 in the 13th hex digit, variant 10xx in the 17th
    variant = (text.slice(16, 1).str.to_integer(base=16) % 4).replace_strict(
        {0: "8", 1: "9", 2: "a", 3: "b"}, return_dtype=pl.String
    )
    return (
        hexed.to_frame("hex")
        .select(
            pl.concat_str(
                text.slice(0, 8),
                pl.lit("-"),
                text.slice(8, 4),
                pl.lit("-5"),
                text.slice(13, 3),
                pl.lit("-"),
                variant,
                text.slice(17, 3),
                pl.lit("-"),
                text.slice(20, 12),
            ).alias(GUID_FIELD)
        )
        .to_series()
    )


def _package_xml(
    mapped: MappedRun,
    out_dir: Path,
    *,
    ledger: Ledger | None,
    month: str | None,
    document_kind: str | None,
    max_files: int,
    folder: str | None = None,
) -> PackagedRun:
    folders = _folders(mapped)
    if folder and document_kind:
        folders[document_kind] = folder
    uploads, sent_before = _package_records(
        records_with_lineage(mapping_of(mapped)),
        client=_client(mapped),
        out_dir=out_dir,
        ledger=ledger,
        month=month,
        document_kind=document_kind,
        max_files=max_files,
        folders=folders,
    )
    written = tuple(upload.path for upload in uploads)
    return PackagedRun(
        mapped=mapped,
        out_dir=out_dir,
        uploads=tuple(uploads),
        written=written,
        sent_before=sent_before,
    )


def package_records(
    records: pl.DataFrame,
    *,
    client: str,
    out_dir: Path,
    ledger: Ledger | None = None,
    month: str | None = None,
    document_kind: str | None = None,
    max_files: int = MAX_FILES_PER_PACKAGE,
    folders: dict[str, str] | None = None,
) -> list[Upload]:
    """XML packages for LedgerImport records, one upload per package.

    ``records`` are LedgerImport records (XSD element columns, ``document_id``,
    ``document_kind``, ``accounting_month``, optional ``attachment``) plus the lineage columns
    ``item_id``, ``source_file`` and ``source_row``. ``folders`` names the Rechnungsordner /
    Kassenbuch per Beleg-Art (seed 004's Ziel-Ordner).
    """
    uploads, _ = _package_records(
        records,
        client=client,
        out_dir=out_dir,
        ledger=ledger,
        month=month,
        document_kind=document_kind,
        max_files=max_files,
        folders=folders,
    )
    return uploads


def _package_records(
    records: pl.DataFrame,
    *,
    client: str,
    out_dir: Path,
    ledger: Ledger | None,
    month: str | None,
    document_kind: str | None,
    max_files: int,
    folders: dict[str, str] | None,
) -> tuple[list[Upload], pl.DataFrame | None]:
    """:func:`package_records`, and the items not sent because they went before."""
    from workbench.datev.package import build_packages
    from workbench.transfer.jobs import Upload

    if month:
        records = records.filter(pl.col("accounting_month") == month)
    if document_kind:
        records = records.filter(pl.col("document_kind") == document_kind)
    records, sent_before = split_sent(records, ledger, client)
    if records.is_empty():
        return [], sent_before
    lineage = records.select(*LINEAGE).with_columns(content_hashes(records, exclude=LINEAGE))
    result = build_packages(
        records.drop(*LINEAGE),
        # for a transfer (with a ledger) this run's own folder, written once
        out_dir=run_folder(out_dir) if ledger is not None else out_dir,
        client=client,
        max_files=max_files,
        folders=folders,
    )
    manifest = result.manifest.with_columns(pl.col("row").cast(pl.Int64))
    numbered = lineage.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    uploads = []
    for number, package in enumerate(result.packages, start=1):
        items = numbered.join(manifest.filter(pl.col("package") == package.name), on="row")
        items = items.with_columns(
            pl.format("{}/{}#{}/{}", "package", "datafile", "consolidate", "record").alias(
                "record_ref"
            )
        )
        uploads.append(
            Upload(
                channel="dxso",
                path=package.path,
                month=package.accounting_month,
                document_kind=package.document_kind,
                items=tuple(_one_per_item(items)),
                package_no=number,
                max_files_reached=package.max_files_reached,
            )
        )
    return uploads, sent_before


def _one_per_item(items: pl.DataFrame) -> list[dict]:
    """One ledger entry per item, even when an item became several records (an invoice's
    positions): its hash covers all its records, its place is its first record."""
    return (
        items.sort("row")
        .group_by("item_id", maintain_order=True)
        .agg(
            pl.col("content_hash").str.join(",").alias("hashes"),
            pl.col("source_file", "source_row", "record_ref").first(),
        )
        .with_columns(
            pl.col("hashes")
            .map_elements(
                lambda joined: hashlib.sha256(joined.encode()).hexdigest(), return_dtype=pl.String
            )
            .alias("content_hash")
        )
        .select(*ITEM_FIELDS)
        .to_dicts()
    )


def _package_extf(
    mapped: MappedRun, out_dir: Path, *, ledger: Ledger | None, month: str | None
) -> PackagedRun:
    records = records_with_lineage(mapping_of(mapped))
    if records.is_empty():
        return PackagedRun(mapped=mapped, out_dir=out_dir, uploads=(), written=())
    header = extf_header(mapped)
    uploads, files, sent_before = _package_bookings(
        records,
        header=header,
        client=_client(mapped),
        out_dir=out_dir,
        ledger=ledger,
        month=month,
        daily=mapped.checked.spec.daily_items,
        belegbilder=mapping_of(mapped).attachments,
    )
    # beside the bookings they name: in the transfer's own folder, where the ledger finds them
    master = _write_master_data(mapped, header, uploads[0].path.parent) if uploads else []
    return PackagedRun(
        mapped=mapped,
        out_dir=out_dir,
        uploads=(*_master_data_uploads(master), *uploads),
        written=(*files, *master),
        sent_before=sent_before,
    )


def package_bookings(
    bookings: pl.DataFrame,
    *,
    header: ExtfHeader,
    client: str,
    out_dir: Path,
    ledger: Ledger | None = None,
    month: str | None = None,
    daily: bool = False,
    belegbilder: pl.DataFrame | None = None,
) -> tuple[list[Upload], list[Path]]:
    """EXTF Buchungsstapel files, one upload per file (per month, split above 99,999).

    ``bookings`` has the verbatim German EXTF column names plus the lineage columns ``item_id``,
    ``source_file`` and ``source_row``; ``daily``: an item books once per day (POS).
    ``belegbilder`` (``guid``, ``attachment``, ``document_kind``) are the Belegbilder the
    bookings' Beleglinks name: each file gets the list of its own beside it, for the send stage.
    """
    uploads, files, _ = _package_bookings(
        bookings,
        header=header,
        client=client,
        out_dir=out_dir,
        ledger=ledger,
        month=month,
        daily=daily,
        belegbilder=belegbilder,
    )
    return uploads, files


def _package_bookings(
    bookings: pl.DataFrame,
    *,
    header: ExtfHeader,
    client: str,
    out_dir: Path,
    ledger: Ledger | None,
    month: str | None,
    daily: bool,
    belegbilder: pl.DataFrame | None,
) -> tuple[list[Upload], list[Path], pl.DataFrame | None]:
    """:func:`package_bookings`, and the bookings not sent because they went before."""
    from workbench.datev.extf import read_extf, write_extf_files
    from workbench.transfer.jobs import Upload

    bookings = booking_items(bookings, daily=daily)
    if month:
        bookings = bookings.filter(pl.col("Belegdatum").dt.strftime("%Y-%m") == month)
    bookings, sent_before = split_sent(bookings, ledger, client)
    if bookings.is_empty():
        return [], [], sent_before
    bookings = bookings.with_columns(booking_guids(client, bookings["item_id"]))
    lineage = bookings.select(GUID_FIELD, *LINEAGE).with_columns(
        content_hashes(bookings, exclude=LINEAGE)
    )
    folder = run_folder(out_dir) if ledger is not None else out_dir  # a transfer's own folder
    files = write_extf_files(bookings.drop(*LINEAGE), header, directory=folder)
    uploads, lists = [], []
    for number, path in enumerate(files, start=1):
        # read back: the file's own lines say which booking DATEV will name by which line
        written = read_extf(path, columns=[GUID_FIELD, "Beleglink"])
        if belegbilder is not None:
            lists.append(_list_belegbilder(path, written.frame, belegbilder))
        lines = written.frame.select(GUID_FIELD).with_row_index("line", offset=3)
        items = lines.join(lineage, on=GUID_FIELD).with_columns(
            pl.format("{}#{}", pl.lit(path.name), pl.col("line")).alias("record_ref")
        )
        uploads.append(
            Upload(
                channel="extf",
                path=path,
                month=f"{written.header.date_from:%Y-%m}" if written.header.date_from else None,
                document_kind="Buchungsstapel",
                items=tuple(items.select(*ITEM_FIELDS).to_dicts()),
                package_no=number,
            )
        )
    return uploads, [*files, *(path for path in lists if path is not None)], sent_before


def _list_belegbilder(path: Path, bookings: pl.DataFrame, belegbilder: pl.DataFrame) -> Path | None:
    """Beside an EXTF file: the Belegbilder its Beleglinks (``BEDI "<GUID>"``) name."""
    from workbench.transfer.belegbilder import write_belegbilder_list

    if "Beleglink" not in bookings.columns:
        return None
    guids = bookings["Beleglink"].str.extract(r'^BEDI "([0-9A-Fa-f-]{36})"$').drop_nulls()
    linked = belegbilder.filter(pl.col("guid").is_in(guids.implode()))
    return write_belegbilder_list(path, linked.to_dicts())


def _write_master_data(mapped: MappedRun, header: ExtfHeader, out_dir: Path) -> list[Path]:
    """Buchungsdatenservice: the Debitoren/Kreditoren travel as their own EXTF file
    (category 16), sent with the bookings."""
    from workbench.datev.extf import write_extf_files

    master = mapped.mapping.master_data if mapped.mapping is not None else None
    if master is None or master.is_empty():
        return []
    master_header = replace(header, category=16, format_version=None, date_from=None, date_to=None)
    return write_extf_files(master, master_header, directory=out_dir)


def _master_data_uploads(paths: list[Path]) -> list[Upload]:
    """The Debitoren/Kreditoren go to DATEV before the bookings (seed 001: the
    Buchungsdatenservice "überträgt vollständige Buchungssätze/-stapel und die Stammdaten der
    Kreditoren/Debitoren"), so the bookings arrive on named accounts. No ledger items: master
    data books nothing, and sending it again only updates the accounts."""
    from workbench.datev.extf_fields import DEBITOREN_KREDITOREN as MASTER
    from workbench.transfer.jobs import Upload

    return [Upload("extf", path, None, MASTER.name, items=()) for path in paths]


def extf_header(mapped: MappedRun) -> ExtfHeader:
    """The Buchungsstapel header: Berater and Mandant from the client id, WJ-Beginn and
    Sachkontenlänge from DATEV's client settings."""
    from workbench.datev.extf import ExtfHeader

    client = _client(mapped)
    consultant, _, number = client.partition("-")
    if not (consultant.isdigit() and number.isdigit()):
        raise ConfigError(
            f"Die Mandanten-ID '{client}' hat nicht die Form "
            f"Beraternummer-Mandantennummer (z. B. 455148-1)."
        )
    mapping = mapped.mapping
    if mapping is None:
        raise ConfigError("Anrufe werden als Aufwandsbuchungen übertragen, nicht als EXTF.")
    settings = mapped.checked.settings
    first_day = mapping.records["Belegdatum"].min()
    if not isinstance(first_day, dt.date):  # no booking has a date
        first_day = dt.date.today()
    fiscal = settings.fiscal_year_of(first_day) if settings is not None else None
    start = fiscal[0] if fiscal else dt.date(first_day.year, 1, 1)
    return ExtfHeader(
        consultant_number=int(consultant),
        client_number=int(number),
        fiscal_year_start=start,
        account_length=(settings.account_length if settings else None) or 4,
        **dict(mapping.header or {}),  # type: ignore[arg-type]
    )


def _client(mapped: MappedRun) -> str:
    if not mapped.client:
        raise ConfigError("Für DATEV-Dateien ist der Mandant nötig (--client, z. B. 455148-1).")
    return mapped.client


def _folders(mapped: MappedRun) -> dict[str, str]:
    """The Rechnungsordner / Kassenbuch per Beleg-Art (seed 004's Ziel-Ordner)."""
    settings = mapped.checked.settings
    if settings is None:
        return {}
    return {entry.name: entry.folder for entry in settings.document_types if entry.folder}
