"""Rules that need more than one row (or more than a row), as polars code run on both engines.

Great Expectations checks one row at a time (or one column's distribution); these rules compare
rows with each other (cash chronology and balance, one date per Kassenbeleg, duplicates, call
overlaps), consult the client's fiscal years, verify check digits (IBAN, USt-IdNr.), look at
files on disk (Belegbilder) or at the settings themselves. Each row rule returns *hits*
(:mod:`workbench.checks.hits`); ``checks.check`` joins the lineage (file, row, item id) on them.

:func:`row_rules` runs them per source kind. The cash book, duplicate, check-digit and Belegbild
rules live in :mod:`~workbench.checks.cash_rules`, :mod:`~workbench.checks.duplicate_rules`,
:mod:`~workbench.checks.check_digits` and :mod:`~workbench.checks.attachment_rules`; fiscal years,
call overlaps and the settings are here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import polars as pl

from workbench.checks.attachment_rules import attachment_files
from workbench.checks.cash_rules import cash_rules
from workbench.checks.check_digits import check_digits
from workbench.checks.duplicate_rules import CALL_TWICE, ITEM_TWICE, duplicates
from workbench.checks.engine_polars import ROW_INDEX
from workbench.checks.folders import folder_unknown
from workbench.checks.hits import HITS_SCHEMA, hits, text
from workbench.clients import ClientSettings
from workbench.findings import findings_frame
from workbench.kinds import KINDS, SourceKind

__all__ = ["HITS_SCHEMA", "row_rules", "settings_findings"]

# --- fiscal years ---------------------------------------------------------------------------------


def fiscal_year_not_created(
    frame: pl.DataFrame, column: str, settings: ClientSettings
) -> pl.DataFrame:
    if not settings.fiscal_years or column not in frame.columns:
        return pl.DataFrame(schema=HITS_SCHEMA)
    day = pl.col(column)
    if frame.schema[column] != pl.Date:
        day = day.cast(pl.Date)
    inside = pl.lit(False)
    for start, end in settings.fiscal_years:
        inside = inside | day.is_between(start, end)
    created = ", ".join(f"{s:%d.%m.%Y}–{e:%d.%m.%Y}" for s, e in settings.fiscal_years)
    return hits(
        frame,
        day.is_not_null() & ~inside,
        rule="fiscal_year.not_created",
        severity="error",
        column=column,
        value=day.dt.strftime("%Y-%m-%d"),
        expected=f"angelegte Wirtschaftsjahre: {created}",
        message=text(
            "Das Wirtschaftsjahr ",
            day.dt.year(),
            " ist in DATEV Unternehmen online "
            "nicht angelegt. Legen Sie das Wirtschaftsjahr in DATEV Unternehmen online an "
            "(bei Kassendaten immer manuell) oder wenden Sie sich an Ihre Steuerberatung.",
        ),
    )


def fiscal_year_month_mismatch(frame: pl.DataFrame, settings: ClientSettings) -> pl.DataFrame:
    """The Belegdatum must lie in the Buchungsmonat: DATEV's XSD documentation of
    consolidatedDate ("muss im Wirtschaftsjahr und in dem in der document.xml angegebenen
    Zeitraum liegen ... Bei Abweichungen wird der Import abgelehnt")."""
    if not settings.fiscal_years or not {"date", "accounting_month"} <= set(frame.columns):
        return pl.DataFrame(schema=HITS_SCHEMA)
    day, month = pl.col("date"), pl.col("accounting_month")
    created = pl.lit(False)
    for start, end in settings.fiscal_years:
        created = created | day.is_between(start, end)
    # on the few distinct (date, month) pairs, then back to the rows of the bad pairs; a date
    # in no created fiscal year is fiscal_year.not_created's finding
    bad = (
        frame.select("date", "accounting_month")
        .unique()
        .filter(
            day.is_not_null()
            & month.str.contains(r"^\d{4}-\d{2}$").fill_null(False)
            & created
            & (day.dt.strftime("%Y-%m") != month)
        )
    )
    if bad.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    work = frame.select(ROW_INDEX, "date", "accounting_month").join(
        bad, on=["date", "accounting_month"], how="semi"
    )
    return hits(
        work,
        pl.lit(True),
        rule="fiscal_year.month_mismatch",
        severity="error",
        column="date",
        value=day.dt.strftime("%Y-%m-%d"),
        expected=text("Datum im Buchungsmonat ", month),
        message=text(
            "Das Belegdatum ",
            day.dt.strftime("%d.%m.%Y"),
            " liegt nicht im Buchungsmonat ",
            month,
            "; DATEV lehnt einen Beleg ab, dessen Datum nicht im Zeitraum der Übertragung "
            "liegt. Korrigieren Sie Belegdatum oder Buchungsmonat.",
        ),
    )


# --- calls ---------------------------------------------------------------------------------------


def call_overlaps(frame: pl.DataFrame) -> pl.DataFrame:
    """A call that starts before the previous call on the same extension ended."""
    needed = {"extension", "started_at", "duration_s"}
    if not needed <= set(frame.columns):
        return pl.DataFrame(schema=HITS_SCHEMA)
    work = frame.filter(
        pl.col("extension").is_not_null()
        & pl.col("started_at").is_not_null()
        & pl.col("duration_s").is_not_null()
        & (pl.col("duration_s") >= 0)
    )
    work = work.sort("extension", "started_at", ROW_INDEX).with_columns(
        (pl.col("started_at") + pl.duration(seconds=pl.col("duration_s"))).alias("__end")
    )
    work = work.with_columns(
        pl.col("__end").shift(1).over("extension").alias("__previous_end"),
        pl.col("call_id").shift(1).over("extension").alias("__previous_call"),
        pl.col("started_at").shift(-1).over("extension").alias("__next_start"),
        pl.col("call_id").shift(-1).over("extension").alias("__next_call"),
    )
    overlaps_previous = pl.col("__previous_end").is_not_null() & (
        pl.col("started_at") < pl.col("__previous_end")
    )
    overlaps_next = pl.col("__next_start").is_not_null() & (
        pl.col("__end") > pl.col("__next_start")
    )
    other = (
        pl.when(overlaps_previous).then(pl.col("__previous_call")).otherwise(pl.col("__next_call"))
    )
    return hits(
        work,
        overlaps_previous | overlaps_next,
        rule="calls.overlap",
        severity="warning",
        column="started_at",
        value=pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        expected="keine Überschneidung auf derselben Nebenstelle",
        message=text(
            "Der Anruf überschneidet sich auf Nebenstelle ",
            pl.col("extension"),
            " mit dem Anruf ",
            other,
            ". Prüfen Sie Beginn und Dauer im Export der Telefonanlage.",
        ),
    )


def _booking_month(frame: pl.DataFrame) -> pl.Series:
    """The Buchungsmonat, or the Belegdatum's month where it is missing (formatted only there)."""
    month = frame["accounting_month"].cast(pl.String)  # a hand-made frame may have all None
    missing = month.is_null().arg_true()
    if not len(missing):
        return month
    return month.clone().scatter(missing, frame["date"].gather(missing).dt.strftime("%Y-%m"))


# --- per kind ------------------------------------------------------------------------------------


def row_rules(
    frame: pl.DataFrame,
    kind: str,
    settings: ClientSettings | None,
    *,
    folders: Mapping[str, Sequence[Path]] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> list[pl.DataFrame]:
    """All cross-row rules of ``kind`` on the prepared frame."""
    out: list[pl.DataFrame] = []
    spec = KINDS.get(kind)  # type: ignore[call-overload]  # "positions" is no source kind
    if spec is not None and spec.date_column and settings is not None:
        out.append(fiscal_year_not_created(frame, spec.date_column, settings))
    if spec is not None and spec.kind in _KIND_RULES:
        out += _KIND_RULES[spec.kind](frame, settings, set(frame.columns))
    if folders:
        out += attachment_files(frame, folders=folders, sizes=sizes)
    return [part for part in out if part.height]


def _receipt_rules(
    frame: pl.DataFrame, settings: ClientSettings | None, have: set[str]
) -> list[pl.DataFrame]:
    out = []
    if settings is not None:
        out += [fiscal_year_month_mismatch(frame, settings), folder_unknown(frame, settings)]
    if {"document_kind", "document_id", "date", "amount", "accounting_month"} <= have:
        out += cash_rules(frame, settings)
    if {"invoice_id", "accounting_month", "document_id", "date"} <= have:
        out.append(
            duplicates(
                frame,
                "invoice_id",
                rule="duplicate.invoice_id",
                group=_booking_month(frame),
                owner="document_id",
                label="Die Rechnungsnummer (Belegfeld 1)",
            )
        )
    if "item_id" in have:
        out.append(
            duplicates(
                frame,
                "item_id",
                rule="duplicate.item_id",
                group=None,
                owner=None,
                label="Die Positions-Id",
                consequence=ITEM_TWICE,
            )
        )
    out.append(check_digits(frame, "iban", kind="iban"))
    out.append(check_digits(frame, "vat_id", kind="vat"))
    return out


def _invoice_rules(
    frame: pl.DataFrame, settings: ClientSettings | None, have: set[str]
) -> list[pl.DataFrame]:
    if not {"invoice_id", "date"} <= have:
        return []
    return [
        duplicates(
            frame,
            "invoice_id",
            rule="duplicate.invoice_id",
            group=pl.col("date").dt.strftime("%Y-%m"),
            owner=None,
            label="Die Rechnungsnummer (Belegfeld 1)",
        )
    ]


def _call_rules(
    frame: pl.DataFrame, settings: ClientSettings | None, have: set[str]
) -> list[pl.DataFrame]:
    out = [
        duplicates(
            frame,
            "call_id",
            rule="duplicate.call_id",
            group=None,
            owner=None,
            label="Die Anruf-ID",
            consequence=CALL_TWICE,
        )
    ]
    if "call_id" in have:
        out.append(call_overlaps(frame))
    return out


#: The cross-row rules each source kind has beyond the fiscal year and the Belegbilder.
_KIND_RULES: dict[
    SourceKind,
    Callable[[pl.DataFrame, ClientSettings | None, set[str]], list[pl.DataFrame]],
] = {
    SourceKind.RECEIPTS: _receipt_rules,
    SourceKind.INVOICES: _invoice_rules,
    SourceKind.CALLS: _call_rules,
}


# --- settings ------------------------------------------------------------------------------------


def settings_findings(settings: ClientSettings | None) -> pl.DataFrame:
    """Findings about the client settings themselves (no file, no row)."""
    records: list[dict] = []
    if settings is None:
        return findings_frame(records)
    configured, datev = settings.configured_account_length, settings.account_length
    if configured is not None and datev is not None and configured != datev:
        records.append(
            {
                "column": "account_length",
                "rule": "account.configured_length_mismatch",
                "severity": "error",
                "value": str(configured),
                "expected": str(datev),
                "message": f"Die in den Addon-Einstellungen hinterlegte Kontenlänge ({configured}) "
                f"stimmt nicht mit der Kontenlänge in DATEV ({datev}) überein! Korrigieren "
                "Sie die Kontenlänge in den Einstellungen.",
                "suggestion": str(datev),
            }
        )
    wj = settings.configured_wj_begin
    if wj is not None:
        start = _mmtt(wj)
        if start is None:
            records.append(
                {
                    "column": "wj_begin",
                    "rule": "fiscal_year.invalid_start",
                    "severity": "error",
                    "value": wj,
                    "expected": "MMTT, z. B. 0101 oder 0701",
                    "message": (
                        f"Der Beginn des Wirtschaftsjahres '{wj}' ist ungültig: erwartet wird "
                        "das Format MMTT (z. B. 0101 für den 1. Januar, 0701 für den 1. Juli). "
                        "Korrigieren Sie die Einstellung."
                    ),
                }
            )
        elif settings.fiscal_years:
            starts = {f"{s:%m%d}" for s, _ in settings.fiscal_years}
            if wj not in starts:
                datev_start = f"{settings.fiscal_years[-1][0]:%m%d}"
                records.append(
                    {
                        "column": "wj_begin",
                        "rule": "fiscal_year.invalid_start",
                        "severity": "error",
                        "value": wj,
                        "expected": datev_start,
                        "message": (
                            f"Der eingestellte Beginn des Wirtschaftsjahres ({wj}) passt "
                            f"nicht zu den Wirtschaftsjahren in DATEV (Beginn {datev_start}). "
                            "Korrigieren Sie die Einstellung."
                        ),
                        "suggestion": datev_start,
                    }
                )
    return findings_frame(records)


def _mmtt(text: str) -> date | None:
    if len(text) != 4 or not text.isdigit():
        return None
    try:
        return date(2024, int(text[:2]), int(text[2:]))  # leap year: 0229 is a valid start
    except ValueError:
        return None
