"""``check_sources``: everything known about a loaded source, as one findings table.

Combines the loader's findings (``field.unparseable``), file-level findings (source not UTF-8),
findings about the client settings, the kind's suite with its cross-row rules, and for invoices
the positions suite. A cell the loader already reported as unparseable is not reported again as
missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.checks.formulas import formula_findings
from workbench.checks.rules import settings_findings
from workbench.checks.runner import Period, check
from workbench.clients import ClientSettings
from workbench.errors import ConfigError
from workbench.findings import concat_findings, findings_frame

if TYPE_CHECKING:  # workbench.sources imports workbench.findings
    from workbench.sources.loader import LoadResult, SourceInfo

__all__ = ["check_sources", "encoding_findings", "with_sheets"]

_UTF8 = {"utf-8", "utf8", "ascii", "us-ascii", "utf-8-sig", "utf_8", "utf_8_sig"}


def encoding_findings(sources: tuple[SourceInfo, ...]) -> pl.DataFrame:
    """One ``encoding.non_utf8`` warning per text file that was not UTF-8 (Excel has none)."""
    records = []
    for info in sources:
        encoding = (info.encoding or "").lower()
        if not encoding or encoding.replace("-", "_") in {e.replace("-", "_") for e in _UTF8}:
            continue
        records.append(
            {
                "source": info.file,
                "column": None,
                "rule": "encoding.non_utf8",
                "severity": "warning",
                "value": info.encoding,
                "expected": "UTF-8",
                "message": (
                    f"Die Datei {info.file} ist nicht UTF-8-kodiert (erkannt: {info.encoding}). "
                    "Sie wurde umgewandelt; DATEV nimmt nur UTF-8 an. Prüfen Sie Umlaute und "
                    "Sonderzeichen in den Befunden und exportieren Sie künftig als UTF-8."
                ),
            }
        )
    return findings_frame(records)


def _mapped(sources: tuple[SourceInfo, ...]) -> dict[str, dict[str, str]]:
    return {info.file: dict(info.mapped) for info in sources}


#: Columns the loaders derive from another one (Buchungsmonat from the date).
DERIVED_FROM = {"accounting_month": "date"}

#: Declared sizes of Belegbilder (``{"scan.pdf": 22548480}``) next to the source files, for
#: stubs that stand for larger files on the user's disk.
SIZES_FILE = "attachment_sizes.json"


def check_sources(
    result: LoadResult,
    *,
    settings: ClientSettings | None,
    engine: str = "polars",
    period: Period = None,
    target: str = "xml",
    folder: str | Path | None = None,
    attachment_sizes: dict[str, int] | None = None,
    spark: Any = None,
) -> pl.DataFrame:
    """Check a :class:`~workbench.sources.LoadResult` completely; returns findings.

    ``folder`` is where the source files are: Belegbilder are looked up there and in its
    ``belege/`` subfolder (without it, attachments are checked for their type only), and an
    ``attachment_sizes.json`` there declares sizes (``attachment_sizes`` overrides it).

    >>> from workbench.sources import load_receipts  # doctest: +SKIP
    >>> loaded = load_receipts("belege.csv")  # doctest: +SKIP
    >>> check_sources(loaded, settings=settings, period="2026-01")  # doctest: +SKIP
    """
    parts = [
        result.findings,
        encoding_findings((*result.sources, *result.position_sources)),
        settings_findings(settings),
        formula_findings(result),
    ]
    folders = None
    if folder is not None:
        base = Path(folder)
        folders = {info.file: [base, base / "belege"] for info in result.sources}
        sizes_file = base / SIZES_FILE
        if attachment_sizes is None and sizes_file.exists():
            try:
                attachment_sizes = {
                    str(k): int(v)
                    for k, v in json.loads(sizes_file.read_text(encoding="utf-8")).items()
                }
            except (OSError, ValueError, AttributeError) as error:
                raise ConfigError(
                    f"{sizes_file} ist ungültig ({error}): erwartet wird ein "
                    "JSON-Objekt Dateiname -> Größe in Byte.",
                    file=SIZES_FILE,
                ) from error
    found = check(
        result.frame,
        result.kind,
        settings=settings,
        engine=engine,
        period=period,
        target=target,
        mapped=_mapped(result.sources),
        attachment_folders=folders,
        attachment_sizes=attachment_sizes,
        spark=spark,
    )
    parts.append(with_sheets(found, result.sources))
    if result.positions is not None:
        found = check(
            result.positions,
            "positions",
            settings=settings,
            engine=engine,
            period=period,
            target=target,
            mapped=_mapped(result.position_sources),
            spark=spark,
        )
        parts.append(with_sheets(found, result.position_sources))
        parts.append(
            with_sheets(
                _missing_positions(result.frame, result.positions, _header_only(result)),
                result.sources,
            )
        )
    if "einvoice" in result.details:
        from workbench.checks.einvoice import check_einvoices

        parts = [
            _for_einvoices(concat_findings(parts), result),
            check_einvoices(result, engine=engine, spark=spark),
        ]
    findings = concat_findings(parts)
    loader = result.findings.select("source", "row", "column")
    # a column the loader derives from an unparseable one is missing as a consequence
    derived = loader.filter(pl.col("column").is_in(list(DERIVED_FROM.values()))).with_columns(
        pl.col("column").replace_strict({v: k for k, v in DERIVED_FROM.items()})
    )
    loader = pl.concat([loader, derived]).unique()
    if loader.height:
        # dropped by position: an anti join on four keys re-hashed every finding (~0.2 s for
        # the ~900k of a million rows whose Belegbilder are missing)
        indexed = findings.with_row_index("__finding")
        repeated = indexed.filter(pl.col("rule") == "field.required")
        dup = repeated.join(loader, on=["source", "row", "column"], how="semi")["__finding"]
        if len(dup):
            findings = indexed.filter(~pl.col("__finding").is_in(dup.implode())).drop("__finding")
    return findings


def with_sheets(findings: pl.DataFrame, sources: tuple[SourceInfo, ...]) -> pl.DataFrame:
    """``sheet`` filled from the files the rows came from (one sheet per file and frame)."""
    sheets = {info.file: info.sheet for info in sources if info.sheet}
    if not sheets or findings.is_empty():
        return findings
    return findings.with_columns(
        pl.coalesce(
            pl.col("sheet") if "sheet" in findings.columns else pl.lit(None, dtype=pl.String),
            pl.col("source").replace_strict(sheets, default=None, return_dtype=pl.String),
        ).alias("sheet")
    )


def _header_only(result: LoadResult) -> list[str]:
    """E-invoice files whose profile has no lines (ZUGFeRD MINIMUM, BASIC WL): no positions are
    expected there (``zugferd.profile_without_lines`` warns instead)."""
    if "einvoice" not in result.details:
        return []
    from workbench.checks.einvoice import HEADER_ONLY

    header = result.details["einvoice"]
    return header.filter(pl.col("profile").is_in(list(HEADER_ONLY)))["source_file"].to_list()


def _for_einvoices(findings: pl.DataFrame, result: LoadResult) -> pl.DataFrame:
    """The invoice suites' findings as they apply to e-invoices, pointed at the XML element.

    The CRM+ table makes the AGB (``terms``) a required field; EN 16931 does not (BT-20 is
    optional), so that one requirement does not apply to e-invoices.
    """
    from workbench.checks.einvoice import locate_findings

    files = result.details["einvoice"]["source_file"].implode()
    crm_only = (pl.col("rule") == "field.required") & (pl.col("column") == "terms")
    kept = findings.filter(~(crm_only & pl.col("source").is_in(files)).fill_null(False))
    return locate_findings(kept, result.details)


def _missing_positions(
    invoices: pl.DataFrame, positions: pl.DataFrame, header_only: list[str] | None = None
) -> pl.DataFrame:
    """Rechnungen, Eingangsrechnungen and Gutschriften need product positions (CRM+ table)."""
    kinds = ["Rechnung", "Eingangsrechnung", "Gutschrift"]
    if "invoice_id" not in invoices.columns or "invoice_kind" not in invoices.columns:
        return findings_frame([])
    have = positions["invoice_id"].drop_nulls().unique()
    lacking = invoices.filter(
        pl.col("invoice_kind").is_in(kinds)
        & pl.col("invoice_id").is_not_null()
        & ~pl.col("invoice_id").is_in(have.implode())
        & ~pl.col("source_file").is_in(header_only or [])
    )
    return findings_frame(
        {
            "source": row["source_file"],
            "row": row["source_row"],
            "item_id": row["invoice_id"],
            "column": "positions",
            "rule": "field.required",
            "severity": "error",
            "value": None,
            "expected": "mindestens eine Produktposition",
            "message": f"{row['invoice_kind']} {row['invoice_id']} hat keine Produktpositionen "
            "(Name, Steuer-Prozent, Netto, Steuer, Brutto). Ergänzen Sie die Positionen "
            "in der Quelle.",
        }
        for row in lacking.iter_rows(named=True)
    )
