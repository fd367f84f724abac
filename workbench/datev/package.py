"""DATEV XML packages: document.xml + one LedgerImport per document + Belegbilder.

Grouping follows JustOn's Datenübertragung (seed 004): one package per client, Buchungsmonat
and Beleg-Art (Rechnungseingang → accountsPayableLedger, Rechnungsausgang →
accountsReceivableLedger, Kasse → cashLedger). A package holds at most 4999 documents and at
most ``max_files`` data and image files (document.xml not counted; DATEV's limits are in
``limits.py``); a document that would exceed the limit goes, whole, into the next package and
the cut package is flagged ``max_files_reached`` ("Maximale Anzahl von Dateien erreicht"). A
document's Belegbilder travel with the first package that carries one of its items, as JustOn
does. Whether a Belegbild is acceptable to DATEV (size, type) is the check stage's finding
(``attachment.*``); here a Belegbild only has to be readable.

The manifest maps every input row to package, data file, consolidate and record index, so
DATEV's protocol can be mapped back to source rows.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from workbench.datev import ledger_xml, xsd_facets
from workbench.datev.document_xml import Archive, assemble_document_xml, ledger_block
from workbench.datev.filenames import UniqueNames, safe_filename, safe_filenames
from workbench.datev.limits import MAX_DOCUMENTS_PER_PACKAGE as MAX_DOCUMENTS
from workbench.datev.limits import (
    MAX_EXTENSIONS_PER_DOCUMENT,
    MAX_FILES_PER_PACKAGE,
    MAX_FOLDER_NAME_LENGTH,
)
from workbench.datev.package_checks import (
    DOCUMENT_KINDS,
    batch_problem,
    check_documents,
    prepare,
    record_batches,
    records_proven_valid,
    typed,
)
from workbench.datev.xsd import validate_xml
from workbench.errors import DatevFormatError

__all__ = ["DOCUMENT_KINDS", "Package", "PackageResult", "build_packages"]

DEFAULT_FOLDERS = {
    "Rechnungseingang": "Eingangsrechnungen",
    "Rechnungsausgang": "Ausgangsrechnungen",
    "Kasse": "Kasse",
}
WRITER_THREADS = 4
_COPY_BLOCK = 1 << 30  # sendfile's count per call; a Belegbild is far smaller
VALIDATOR_THREADS = 2  # XSD checks beside the planning thread; more gain nothing on two cores


@dataclass
class Package:
    """One folder ready for upload as a dxso job."""

    name: str
    path: Path
    client: str
    accounting_month: str
    document_kind: str
    ledger: str
    files: list[str] = field(default_factory=list)
    documents: int = 0
    records: int = 0
    max_files_reached: bool = False


@dataclass
class PackageResult:
    """Packages in upload order plus the row → package/file/record manifest."""

    packages: list[Package]
    manifest: pl.DataFrame
    # Seconds spent checking and rendering, assigning to packages, and writing files.
    timings: dict[str, float] = field(default_factory=dict)


def _client_numbers(client: str) -> tuple[int | None, int | None]:
    consultant, _, number = client.partition("-")
    if consultant.isdigit() and number.isdigit():
        return int(consultant), int(number)
    return None, None


MANIFEST_SCHEMA = {"row": pl.UInt32, "document_id": pl.String, "package": pl.String,
                   "datafile": pl.String, "consolidate": pl.Int32, "record": pl.Int32}  # fmt: skip
#: Optional consolidated attributes: taken from the records when every record of a Beleg has one.
_OPTIONAL = ("invoiceId", "deliveryDate", "orderId", "currencyCode")


def build_packages(
    records: pl.DataFrame,
    *,
    out_dir: str | Path,
    client: str | None = None,
    created_at: datetime | None = None,
    max_files: int = MAX_FILES_PER_PACKAGE,
    folders: dict[str, str] | None = None,
    generator_info: str = "workbench",
    generating_system: str | None = None,
    account_length: int | None = None,
    validate: bool = True,
) -> PackageResult:
    """Write XML packages for receipt items; returns packages and manifest.

    ``records``: XSD element columns plus ``document_id``, ``document_kind`` and optional
    ``client``, ``accounting_month`` (default: month of ``date``) and ``attachment`` (path).
    ``account_length`` (Sachkontenlänge) enables the account-length check of accountNo and
    bpAccountNo; ``validate`` checks every written XML against the official XSDs (libxml2).
    Example: ``build_packages(items, out_dir="out", client="455148-1", max_files=500)``
    """
    folders = _options(max_files, folders, generator_info, generating_system)
    if records.height == 0:
        return PackageResult([], pl.DataFrame(schema=MANIFEST_SCHEMA))
    created_at = (created_at or datetime.now()).replace(microsecond=0)
    clock = time.perf_counter()
    frame = _rendered(records, client, account_length)
    checks = _SchemaChecks(validate)
    try:
        checks.records(frame)  # on threads from here on, while the packages are planned
        optional = [c for c in _OPTIONAL if c in frame.columns]
        docs = _documents(frame, optional)
        # Everything that can fail is checked before the first file is written.
        check_documents(docs, optional)
        head, tail = ledger_xml.ledger_wrapper(
            generator_info=generator_info, generating_system=generating_system
        )
        docs = docs.with_columns(
            (
                pl.lit(head)
                + ledger_xml.consolidate_attributes_expr(optional)
                + pl.lit(">\n")
                + pl.col("_xml")
                + pl.lit(tail)
            ).alias("_body"),
            safe_filenames(docs["document_id"].cast(pl.String) + ".xml").alias("_datafile"),
        )
        timings = {"check": time.perf_counter() - clock}
        clock = time.perf_counter()
        plan = _Plan(
            Path(out_dir),
            max_files=max_files,
            folders=folders,
            created_at=created_at,
            generating_system=generating_system,
            on_archive=checks.archive,
        )
        try:
            plan.add(docs.select(*_Plan.COLUMNS))
        except DatevFormatError:
            checks.raise_for_records()  # a record the XSD rejects is named first, as ever
            raise
        manifest = _manifest(docs, plan)
        checks.raise_for_records()
        checks.raise_for_archives()
    finally:
        checks.close()
    timings["plan"] = time.perf_counter() - clock
    clock = time.perf_counter()
    plan.write()
    timings["write"] = time.perf_counter() - clock
    return PackageResult(plan.packages, manifest, timings)


def _options(
    max_files: int,
    folders: dict[str, str] | None,
    generator_info: str,
    generating_system: str | None,
) -> dict[str, str]:
    """The folder per Beleg-Art (defaults filled in), after checking the options."""
    if max_files < 1:
        raise DatevFormatError(
            f"max_files muss mindestens 1 sein (Wert '{max_files}').", value=max_files
        )
    ledger_xml.check_generator(generator_info, generating_system)
    chosen = {**DEFAULT_FOLDERS, **(folders or {})}
    for kind, folder in chosen.items():
        if not 1 <= len(folder) <= MAX_FOLDER_NAME_LENGTH:
            raise DatevFormatError(
                f"Ordner/Kassenbuch '{folder}' für {kind} muss "
                f"1–{MAX_FOLDER_NAME_LENGTH} Zeichen lang sein (document.xml, Property 3).",
                value=folder,
            )
    return chosen


def _rendered(
    records: pl.DataFrame, client: str | None, account_length: int | None
) -> pl.DataFrame:
    """Every record checked and rendered as XML (``_xml``), with its amount in cents."""
    frame = ledger_xml.blank_to_null(prepare(records, client))
    # Validate and render per ledger kind; keep the original row numbers for messages.
    rendered = []
    for ledger in frame["_ledger"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("_ledger") == ledger)
        ledger_xml.raise_first_problem(
            part, ledger=ledger, rows=part["_row"], account_length=account_length
        )
        xml = ledger_xml.render_records(part, ledger=ledger)
        rendered.append(part.with_columns(xml.alias("_xml")))
    frame = pl.concat(rendered, how="diagonal_relaxed").sort("_row")
    return frame.with_columns(
        ledger_xml.cents(
            ledger_xml.TYPES["amount"].prepare(pl.col("amount"), records.schema["amount"])
        ).alias("_cents")
    )


def _documents(frame: pl.DataFrame, optional: list[str]) -> pl.DataFrame:
    """One row per Beleg: its records' XML, rows, total, dates, Belegbilder, optional values."""
    keys = ["client", "accounting_month", "document_kind", "document_id"]
    return (
        frame.group_by(keys, maintain_order=True)
        .agg(
            pl.col("_xml").str.join("\n"),
            pl.col("_row"),
            pl.col("_cents").sum(),
            pl.col("_ledger").first(),
            pl.col("_date").first().alias("_first_date"),
            pl.col("_date").n_unique().alias("_dates"),
            pl.col("attachment").drop_nulls().unique(maintain_order=True).alias("_attachments"),
            *[typed(frame, c).n_unique().alias(f"_n_{c}") for c in optional],
            *[typed(frame, c).first().alias(f"_first_{c}") for c in optional],
        )
        # Date order within a package: cash books must be transferred chronologically (seed 004).
        .sort(["client", "accounting_month", "document_kind", "_first_date"], maintain_order=True)
    )


class _SchemaChecks:
    """The XSD check of every record batch and every document.xml, on threads: libxml2 parses
    and validates without the GIL, so it runs beside the planning (Python) on the second core.
    Errors are raised in the order the checks would raise them one after the other: records
    (in batch order) before the package plan's own errors, document.xml files last."""

    def __init__(self, enabled: bool) -> None:
        self.pool = ThreadPoolExecutor(max_workers=VALIDATOR_THREADS) if enabled else None
        self.record_checks: list[Future[DatevFormatError | None]] = []
        self.archive_checks: list[Future[DatevFormatError | None]] = []

    def records(self, frame: pl.DataFrame) -> None:
        # Proven valid in one vectorised pass, or checked by libxml2 batch by batch for the
        # exact first error.
        if self.pool is not None and not records_proven_valid(frame):
            pool = self.pool
            self.record_checks = [pool.submit(batch_problem, b) for b in record_batches(frame)]

    def archive(self, package: Package, data: bytes, sample: bytes) -> None:
        if self.pool is not None:
            check = self.pool.submit(_archive_problem, package, data, sample)
            self.archive_checks.append(check)

    def raise_for_records(self) -> None:
        _raise_first(self.record_checks)

    def raise_for_archives(self) -> None:
        _raise_first(self.archive_checks)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _raise_first(checks: list[Future[DatevFormatError | None]]) -> None:
    for check in checks:
        if problem := check.result():
            raise problem


def _archive_problem(package: Package, data: bytes, sample: bytes) -> DatevFormatError | None:
    """The error DATEV's schema finds in a package's document.xml (``data``), or None.

    ``sample`` is the same document.xml with the first ``<document>`` of every number of
    Belegbilder only. Within a package the ``<document>`` blocks differ in nothing but their
    file names and how many there are (``ledger_block``: ledger kind, month and folder are
    the package's), the Document XSD has no identity constraints, and the number of documents
    is limited before (``MAX_DOCUMENTS``, the XSD's maxOccurs). So ``data`` is valid if
    ``sample`` is and every name is valid for its attribute; only otherwise is the whole file
    checked, for the exact error.
    """
    if _names_valid(package) and not validate_xml(sample, "document", engine="lxml"):
        return None
    if errors := validate_xml(data, "document", engine="lxml"):
        return DatevFormatError(
            f"document.xml von Paket {package.name} verletzt das DATEV-Schema: {errors[0]}"
        )
    return None


def _names_valid(package: Package) -> bool:
    """Every file name of the package is valid as ``datafile`` of its ledger extension and as
    ``name`` of a ``File`` extension (DATEV gives both the same type)."""
    try:
        types = {
            "datafile": (xsd_facets.attribute_type(package.ledger, "datafile"), None),
            "name": (xsd_facets.attribute_type("File", "name"), None),
        }
    except xsd_facets.UnsupportedSchema:
        return False
    names = pl.Series(package.files, dtype=pl.String)
    return bool(
        xsd_facets.proven_valid(pl.DataFrame({"datafile": names, "name": names}), types).all()
    )


def _manifest(docs: pl.DataFrame, plan: _Plan) -> pl.DataFrame:
    """Every input row → package, data file, consolidate and record index."""
    return (
        docs.select("document_id", "_row")
        .with_columns(
            pl.Series("package", plan.doc_packages, dtype=pl.String),
            pl.Series("datafile", plan.doc_files, dtype=pl.String),
            pl.lit(0, dtype=pl.Int32).alias("consolidate"),
            pl.int_ranges(0, pl.col("_row").list.len(), dtype=pl.Int32).alias("record"),
        )
        .explode("_row", "record")
        .select(
            pl.col("_row").alias("row"),
            pl.col("document_id").cast(pl.String),
            "package",
            "datafile",
            "consolidate",
            "record",
        )
        .sort("row")
        .cast(MANIFEST_SCHEMA)  # type: ignore[arg-type]
    )


class _Plan:
    """Assigns documents to packages in memory, then writes all files (threads: file I/O)."""

    #: The columns of ``docs`` that ``add`` takes, in this order.
    COLUMNS = ("client", "accounting_month", "document_kind", "document_id", "_datafile",
               "_attachments", "_row", "_body")  # fmt: skip

    def __init__(
        self,
        out_dir: Path,
        *,
        max_files: int,
        folders: dict[str, str],
        created_at: datetime,
        generating_system: str | None,
        on_archive: Callable[[Package, bytes, bytes], None],
    ) -> None:
        self.out_dir, self.max_files, self.folders = out_dir, max_files, folders
        # Called with each document.xml as soon as it is complete, and with its sample (the
        # first <document> of every number of Belegbilder, see ``_archive_problem``).
        self.on_archive = on_archive
        self.created_at, self.generating_system = created_at, generating_system
        self.packages: list[Package] = []
        self.writes: list[tuple[str, bytes]] = []
        self.copies: list[tuple[str, str]] = []
        self.doc_packages: list[str] = []  # per document, in ``docs`` order (for the manifest)
        self.doc_files: list[str] = []

    def add(self, docs: pl.DataFrame) -> None:
        attached: set[tuple[str, str]] = set()
        group: tuple | None = None
        names, files = UniqueNames(), 0
        blocks: list[str] = []
        samples: dict[int, str] = {}  # the first block per number of Belegbilder
        for (
            client_id,
            month,
            kind,
            document_id,
            safe_name,
            attachments,
            rows,
            body,
        ) in docs.iter_rows():
            document_id = str(document_id)
            key = (client_id, document_id)
            # Belegbilder go with the first package that carries an item of the document.
            attachments = [] if key in attached else attachments
            needed = 1 + len(attachments)
            allowed = min(self.max_files, MAX_EXTENSIONS_PER_DOCUMENT)
            if needed > allowed:
                raise DatevFormatError(
                    f"Beleg '{document_id}' braucht {needed} Dateien; erlaubt sind höchstens "
                    f"{allowed} je Beleg bzw. Paket. Bitte reduzieren Sie die Belegbilder.",
                    value=document_id,
                )
            full = files + needed > self.max_files or len(blocks) >= MAX_DOCUMENTS
            if group != (client_id, month, kind) or full:
                if blocks:
                    self.packages[-1].max_files_reached = full and group == (client_id, month, kind)
                    self._close(blocks, samples)
                group = (client_id, month, kind)
                self._open(client_id, month, kind)
                names, blocks, files, samples = UniqueNames(), [], 0, {}
            package = self.packages[-1]
            folder = str(package.path)
            datafile = names.take(safe_name, safe=True)
            self.writes.append((f"{folder}/{datafile}", body.encode("utf-8")))
            package.files.append(datafile)
            image_names = []
            for source in attachments:
                name = names.take(os.path.basename(source))
                self.copies.append((source, f"{folder}/{name}"))
                image_names.append(name)
            package.files += image_names
            attached.add(key)
            block = ledger_block(package.ledger, datafile, month, self.folders[kind], image_names)
            blocks.append(block)
            samples.setdefault(len(image_names), block)
            files += needed
            package.documents += 1
            package.records += len(rows)
            self.doc_packages.append(package.name)
            self.doc_files.append(datafile)
        if blocks:
            self._close(blocks, samples)

    def _open(self, client_id: str, month: str, kind: str) -> None:
        seq = sum(
            1
            for p in self.packages
            if (p.client, p.accounting_month, p.document_kind) == (client_id, month, kind)
        )
        name = safe_filename(f"{client_id}_{month}_{kind}_{seq + 1:03d}")
        self.packages.append(
            Package(name, self.out_dir / name, client_id, month, kind, DOCUMENT_KINDS[kind])
        )

    def _close(self, blocks: list[str], samples: dict[int, str]) -> None:
        package = self.packages[-1]
        consultant, client_number = _client_numbers(package.client)
        archive = Archive(
            [],
            created_at=self.created_at,
            consultant_number=consultant,
            client_number=client_number,
            generating_system=self.generating_system,
        )
        data = assemble_document_xml(archive, blocks)
        self.on_archive(package, data, assemble_document_xml(archive, list(samples.values())))
        self.writes.append((os.path.join(package.path, "document.xml"), data))

    def write(self) -> None:
        for package in self.packages:
            package.path.mkdir(parents=True, exist_ok=True)
        # A few threads with long batches: the work is syscalls that release the GIL, and one
        # future per file would cost more than the write itself.
        jobs = [(True, item) for item in self.writes] + [(False, item) for item in self.copies]
        batches = [jobs[i::WRITER_THREADS] for i in range(WRITER_THREADS)]
        with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
            list(pool.map(_run_batch, batches))


def _run_batch(jobs: list[tuple[bool, tuple]]) -> None:
    for is_write, (target_or_source, payload) in jobs:
        if is_write:
            fd = os.open(target_or_source, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        else:
            _copy_file(target_or_source, payload)


def _copy_file(source: str, target: str) -> None:
    """``shutil.copyfile`` without its checks per call (a third of the CPU for small files):
    the sources were checked before planning, the targets are new names in new folders."""
    src = os.open(source, os.O_RDONLY)
    try:
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            offset = 0
            while sent := os.sendfile(dst, src, offset, _COPY_BLOCK):
                offset += sent
        except OSError as exc:  # sendfile between these files not supported here
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP):
                raise
            os.close(dst)
            dst = -1
            shutil.copyfile(source, target)
        finally:
            if dst >= 0:
                os.close(dst)
    finally:
        os.close(src)
