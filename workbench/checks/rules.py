"""Rules that need more than one row (or more than a row), as polars code run on both engines.

Great Expectations checks one row at a time (or one column's distribution); these rules compare
rows with each other (cash chronology and balance, one date per Kassenbeleg, duplicates, call
overlaps), consult the client's fiscal years, verify check digits (IBAN, USt-IdNr.), look at
files on disk (Belegbilder) or at the settings themselves. Each row rule returns *hits*: the
failing row positions of the prepared frame plus rule, severity, column, value, expected, message
and suggestion; ``checks.check`` joins the lineage (file, row, item id) on them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from workbench.checks.engine_polars import ROW_INDEX
from workbench.clients import ClientSettings
from workbench.findings import findings_frame

__all__ = ["HITS_SCHEMA", "MAX_ATTACHMENT_BYTES", "row_rules", "settings_findings"]

#: DATEV rejects Belegbilder over 20 MB (#DCO01016).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

HITS_SCHEMA = pl.Schema(
    {
        ROW_INDEX: pl.UInt32,
        "rule": pl.String,
        "severity": pl.String,
        "column": pl.String,
        "value": pl.String,
        "expected": pl.String,
        "message": pl.String,
        "suggestion": pl.String,
    }
)


def _hits(
    frame: pl.DataFrame,
    mask: pl.Expr,
    *,
    rule: str,
    severity: str,
    column: str,
    value: pl.Expr,
    expected: str | pl.Expr,
    message: pl.Expr,
    suggestion: pl.Expr | None = None,
) -> pl.DataFrame:
    lit = lambda text: pl.lit(text, dtype=pl.String) if isinstance(text, str) else text
    return frame.filter(mask).select(
        pl.col(ROW_INDEX).cast(pl.UInt32),
        pl.lit(rule, dtype=pl.String).alias("rule"),
        pl.lit(severity, dtype=pl.String).alias("severity"),
        pl.lit(column, dtype=pl.String).alias("column"),
        value.cast(pl.String).alias("value"),
        lit(expected).alias("expected"),
        message.alias("message"),
        (suggestion if suggestion is not None else pl.lit(None, dtype=pl.String)).alias(
            "suggestion"
        ),
    )


def _text(*parts: str | pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [pl.lit(p) if isinstance(p, str) else p.cast(pl.String) for p in parts], ignore_nulls=True
    )


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
    return _hits(
        frame,
        day.is_not_null() & ~inside,
        rule="fiscal_year.not_created",
        severity="error",
        column=column,
        value=day.dt.strftime("%Y-%m-%d"),
        expected=f"angelegte Wirtschaftsjahre: {created}",
        message=_text(
            "Das Wirtschaftsjahr ",
            day.dt.year(),
            " ist in DATEV Unternehmen online "
            "nicht angelegt. Legen Sie das Wirtschaftsjahr in DATEV Unternehmen online an "
            "(bei Kassendaten immer manuell) oder wenden Sie sich an Ihre Steuerberatung.",
        ),
    )


def fiscal_year_month_mismatch(frame: pl.DataFrame, settings: ClientSettings) -> pl.DataFrame:
    """The Belegdatum must lie in the fiscal year of the Buchungsmonat (the transfer's period)."""
    if not settings.fiscal_years or not {"date", "accounting_month"} <= set(frame.columns):
        return pl.DataFrame(schema=HITS_SCHEMA)
    day, month = pl.col("date"), pl.col("accounting_month")
    first = (month + "-01").str.to_date("%Y-%m-%d", strict=False)

    def year_of(expr: pl.Expr) -> pl.Expr:
        result = pl.lit(None, dtype=pl.Int32)
        for index, (start, end) in enumerate(settings.fiscal_years):
            result = (
                pl.when(expr.is_between(start, end))
                .then(pl.lit(index, dtype=pl.Int32))
                .otherwise(result)
            )
        return result

    # on the few distinct (date, month) pairs, then back to the rows of the bad pairs
    pairs = (
        frame.select("date", "accounting_month")
        .unique()
        .with_columns(year_of(day).alias("__day_year"), year_of(first).alias("__month_year"))
    )
    # only when both fall in created fiscal years (otherwise fiscal_year.not_created says it)
    bad = pairs.filter(
        pl.col("__day_year").is_not_null()
        & pl.col("__month_year").is_not_null()
        & (pl.col("__day_year") != pl.col("__month_year"))
    )
    if bad.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    work = frame.select(ROW_INDEX, "date", "accounting_month").join(
        bad.select("date", "accounting_month"), on=["date", "accounting_month"], how="semi"
    )
    mismatch = pl.lit(True)
    return _hits(
        work,
        mismatch,
        rule="fiscal_year.month_mismatch",
        severity="error",
        column="date",
        value=day.dt.strftime("%Y-%m-%d"),
        expected=_text("Datum im Wirtschaftsjahr des Buchungsmonats ", month),
        message=_text(
            "Das Belegdatum ",
            day.dt.strftime("%d.%m.%Y"),
            " liegt nicht im Wirtschaftsjahr des Buchungsmonats ",
            month,
            "; DATEV lehnt den Beleg ab. Korrigieren Sie Belegdatum oder Buchungsmonat.",
        ),
    )


# --- cash (Kasse) -----------------------------------------------------------------------------------


def cash_rules(frame: pl.DataFrame, settings: ClientSettings | None) -> list[pl.DataFrame]:
    """Kasse rows in file order: chronology, running balance, one date per Kassenbeleg, months.

    A Kassenbeleg's date is the date of its first item; it must not be before the date of the
    Kassenbeleg before it (all its items are reported). A Kassenbeleg with several dates has all
    its items reported. The balance starts at the opening balance (0,00) at the top of the file;
    the item that first takes it below zero is reported.
    """
    cash = frame.select(
        ROW_INDEX, "document_kind", "document_id", "date", "amount", "accounting_month"
    ).filter(pl.col("document_kind") == "Kasse")
    if cash.is_empty():
        return []
    day, amount = pl.col("date"), pl.col("amount").fill_null(0.0)
    opening = settings.cash_opening_balance if settings else 0.0
    balance = (amount.cum_sum() + opening).round(2)
    documents = (
        cash.group_by("document_id", maintain_order=True)
        .agg(day.drop_nulls().first().alias("__doc_date"))
        .with_columns(pl.col("__doc_date").shift(1).forward_fill().alias("__previous"))
    )
    cash = cash.with_columns(
        balance.alias("__balance"),
        balance.shift(1, fill_value=opening).alias("__before"),
        day.n_unique().over("document_id").alias("__dates"),
    ).join(documents, on="document_id", how="left", nulls_equal=True)
    doc_date = pl.col("__doc_date")
    out = [
        _hits(
            cash,
            doc_date.is_not_null() & (doc_date < pl.col("__previous")),
            rule="cash.chronology",
            severity="error",
            column="date",
            value=day.dt.strftime("%Y-%m-%d"),
            expected=_text("nicht vor ", pl.col("__previous").dt.strftime("%d.%m.%Y")),
            message=_text(
                "Der Kassenbeleg ",
                pl.col("document_id"),
                " vom ",
                doc_date.dt.strftime("%d.%m.%Y"),
                " steht nach einem Kassenbeleg vom ",
                pl.col("__previous").dt.strftime("%d.%m.%Y"),
                ". Kassenbelege werden "
                "in Dateireihenfolge übertragen und müssen chronologisch sein: "
                "sortieren Sie die Kassenbewegungen nach Datum.",
            ),
        ),
        _hits(
            cash,
            (pl.col("__balance") < 0) & (pl.col("__before") >= 0),
            rule="cash.negative_balance",
            severity="error",
            column="amount",
            value=pl.col("amount"),
            expected="Kassenbestand nie unter 0,00",
            message=_text(
                "Nach dieser Kassenbewegung wäre der Kassenbestand negativ (",
                pl.col("__balance").cast(pl.String),
                "). Übertragen Sie zuerst die "
                "Einnahmen und dann die Ausgaben, oder prüfen Sie Betrag und "
                "Reihenfolge.",
            ),
        ),
        _hits(
            cash,
            day.is_not_null() & (pl.col("__dates") > 1),
            rule="cash.multiple_dates",
            severity="error",
            column="date",
            value=day.dt.strftime("%Y-%m-%d"),
            expected="ein Belegdatum für alle Positionen des Kassenbelegs",
            message=_text(
                "Der Kassenbeleg ",
                pl.col("document_id"),
                " hat Positionen mit verschiedenen Daten (diese: ",
                day.dt.strftime("%d.%m.%Y"),
                "). Alle "
                "Positionen eines Kassenbelegs brauchen dasselbe Belegdatum: teilen "
                "Sie den Beleg auf oder korrigieren Sie das Datum.",
            ),
        ),
    ]
    last = settings.last_transferred_cash_month if settings else None
    if last:
        month = pl.col("accounting_month")
        out.append(
            _hits(
                cash,
                month.is_not_null() & (month < last),
                rule="cash.month_already_transferred",
                severity="error",
                column="accounting_month",
                value=month,
                expected=f"Buchungsmonat ab {last}",
                message=_text(
                    "Für die Kasse wurde bereits der Buchungsmonat ",
                    last,
                    " übertragen; Kassenbelege für den älteren Monat ",
                    month,
                    " nimmt DATEV nicht mehr "
                    "an. Übertragen Sie ältere Monate vor neueren oder klären Sie die "
                    "Korrektur mit Ihrer Steuerberatung.",
                ),
            )
        )
    return out


# --- duplicates ----------------------------------------------------------------------------------


def _may_repeat(key: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Rows whose key may have more than one owner: a superset, found without a hash table.

    Consecutive rows with the same key and owner (the items of one document) count once; the
    rest are counted per bucket of the key's top bits (four to eight buckets per key), and a row
    is kept when its bucket was hit twice or more. At most 2**23 buckets (64 MB of counts):
    beyond that, more candidates are cheaper than more memory.
    """
    if len(key) < 2:
        return np.zeros(len(key), dtype=bool)
    first = np.ones(len(key), dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])
    bits = min(23, max(8, int(first.sum()).bit_length() + 2))
    bucket = (key >> np.uint64(64 - bits)).astype(np.intp)
    return np.bincount(bucket[first], minlength=1 << bits)[bucket] > 1


def duplicates(
    frame: pl.DataFrame,
    column: str,
    *,
    rule: str,
    group: pl.Expr | pl.Series | None,
    owner: str | None,
    label: str,
) -> pl.DataFrame:
    """Flag every occurrence of a value after its first owner (document or row) in ``group``
    (an expression on ``frame`` or a series aligned with it)."""
    if column not in frame.columns:
        return pl.DataFrame(schema=HITS_SCHEMA)
    value = pl.col(column)
    keys = [column] if group is None else [column, "__group"]
    owner_expr = pl.col(owner) if owner else pl.col(ROW_INDEX)
    needed = {
        ROW_INDEX,
        column,
        *([owner] if owner else []),
        *(["source_row"] if "source_row" in frame.columns else []),
        *(group.meta.root_names() if isinstance(group, pl.Expr) else []),
    }
    work = frame.select([c for c in frame.columns if c in needed]).with_columns(
        (group if group is not None else pl.lit(None)).alias("__group")
    )
    if work[column].null_count():
        work = work.filter(value.is_not_null())
    # hashes stand in for key and owner (a collision only adds candidates, the exact
    # comparison follows); only the rows a cheap screen keeps go through the grouping below
    key = value.hash() if group is None else value.hash() ^ (pl.col("__group").hash() * 3)
    work = work.with_columns(key.alias("__key"), owner_expr.hash().alias("__owner"))
    work = work.filter(_may_repeat(work["__key"].to_numpy(), work["__owner"].to_numpy()))
    repeated = (
        work.group_by("__key")
        .agg((pl.col("__owner").min() != pl.col("__owner").max()).alias("__many"))
        .filter(pl.col("__many"))["__key"]
    )
    if repeated.is_empty():
        return pl.DataFrame(schema=HITS_SCHEMA)
    work = work.filter(pl.col("__key").is_in(repeated.implode())).sort(ROW_INDEX)
    line = (
        pl.col("source_row")
        if "source_row" in frame.columns
        else pl.col(ROW_INDEX).cast(pl.Int64) + 1
    )
    work = work.with_columns(
        owner_expr.n_unique().over(keys).alias("__owners"),
        line.cast(pl.String).unique(maintain_order=True).str.join(", ").over(keys).alias("__rows"),
    )
    return _hits(
        work,
        pl.col("__owners") > 1,
        rule=rule,
        severity="error",
        column=column,
        value=value,
        expected="eindeutig",
        message=_text(
            label,
            " '",
            value,
            "' kommt mehrfach vor (Zeilen ",
            pl.col("__rows"),
            "). DATEV ordnet Belege über diese Nummer zu: vergeben Sie eine eindeutige "
            "Nummer oder entfernen Sie die Dublette (doppelter Export).",
        ),
    )


# --- check digits --------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _iban_ok(value: str) -> bool:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except (SchwiftyException, ValueError):
        return False
    return True


@lru_cache(maxsize=65536)
def _vat_ok(value: str) -> bool:
    from stdnum.eu import vat

    try:
        return bool(vat.is_valid(value))
    except Exception:  # stdnum raises for unknown country modules
        return False


_VAT_FORMAT = r"^[A-Z]{2}[0-9A-Za-z+*]{2,13}$"
_IBAN_FORMAT = r"^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{11,30}$"


def check_digits(frame: pl.DataFrame, column: str, *, kind: str) -> pl.DataFrame:
    """IBAN (schwifty) and USt-IdNr. (python-stdnum) check digits, for values in the right format
    (a wrong format is the suite's finding)."""
    if column not in frame.columns:
        return pl.DataFrame(schema=HITS_SCHEMA)
    fmt, test = (_IBAN_FORMAT, _iban_ok) if kind == "iban" else (_VAT_FORMAT, _vat_ok)
    value = pl.col(column)
    unique = frame[column].drop_nulls().unique()
    unique = unique.filter(unique.str.contains(fmt.replace("$", r"\z"))).to_list()
    bad = [v for v in unique if not test(v)]
    if not bad:
        return pl.DataFrame(schema=HITS_SCHEMA)
    candidates = frame.filter(value.is_in(pl.Series(bad, dtype=pl.String).implode()))
    if kind == "iban":
        return _hits(
            candidates,
            pl.lit(True),
            rule="field.iban",
            severity="error",
            column=column,
            value=value,
            expected="IBAN mit gültiger Prüfsumme",
            message=_text(
                "Die IBAN '",
                value,
                "' hat eine falsche Prüfsumme (Tippfehler?). Korrigieren Sie sie in der Quelle.",
            ),
        )
    return _hits(
        candidates,
        pl.lit(True),
        rule="field.vat_id",
        severity="error",
        column=column,
        value=value,
        expected="USt-IdNr. mit gültiger Prüfziffer",
        message=_text(
            "Die USt-IdNr. '",
            value,
            "' ist ungültig (Prüfziffer oder Aufbau "
            "passt nicht zum Land). Korrigieren Sie sie in der Quelle.",
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
    return _hits(
        work,
        overlaps_previous | overlaps_next,
        rule="calls.overlap",
        severity="warning",
        column="started_at",
        value=pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
        expected="keine Überschneidung auf derselben Nebenstelle",
        message=_text(
            "Der Anruf überschneidet sich auf Nebenstelle ",
            pl.col("extension"),
            " mit dem Anruf ",
            other,
            ". Prüfen Sie Beginn und Dauer im Export der Telefonanlage.",
        ),
    )


# --- attachments on disk --------------------------------------------------------------------------


def attachment_files(
    frame: pl.DataFrame,
    *,
    folders: Mapping[str, Sequence[Path]],
    sizes: Mapping[str, int] | None = None,
    stat: Callable[[Path], int] | None = None,
) -> list[pl.DataFrame]:
    """Missing Belegbilder and Belegbilder over 20 MB, looked up in the source's folders.

    ``folders`` maps ``source_file`` to the folders its Belegbilder may be in, first match wins
    (rows of other files are not checked); ``sizes`` overrides sizes by file name (declared
    sizes, e.g. of stubs); ``stat`` returns a size (default ``os.stat``).
    """
    if "attachment" not in frame.columns or not folders:
        return []
    stat = stat or (lambda path: os.stat(path).st_size)
    rows = frame.filter(
        pl.col("attachment").is_not_null() & pl.col("source_file").is_in(list(folders))
    )
    if rows.is_empty():
        return []
    pairs = rows.select("source_file", "attachment").unique()
    missing, large = [], {}
    for source, name in pairs.iter_rows():
        size = None
        for folder in folders[source]:
            try:
                size = stat(Path(folder) / name)
                break
            except OSError:
                continue
        if size is None:
            missing.append((source, name))
            continue
        if sizes is not None and name in sizes:
            size = sizes[name]
        if size > MAX_ATTACHMENT_BYTES:
            large[(source, name)] = size
    out = []
    key = pl.concat_str("source_file", pl.lit("\x00"), "attachment")
    if missing:
        out.append(
            _hits(
                rows,
                key.is_in([f"{s}\x00{n}" for s, n in missing]),
                rule="attachment.missing",
                severity="error",
                column="attachment",
                value=pl.col("attachment"),
                expected="vorhandene Datei neben der Quelldatei",
                message=_text(
                    "Das Belegbild '",
                    pl.col("attachment"),
                    "' wurde nicht gefunden (gesucht im Ordner der Datei ",
                    pl.col("source_file"),
                    "). Legen Sie die Datei dort ab oder korrigieren Sie den Dateinamen.",
                ),
            )
        )
    if large:
        size_of = pl.DataFrame(
            {"__key": [f"{s}\x00{n}" for s, n in large], "__size": list(large.values())}
        )
        joined = rows.with_columns(key.alias("__key")).join(size_of, on="__key", how="inner")
        out.append(
            _hits(
                joined,
                pl.lit(True),
                rule="attachment.too_large",
                severity="error",
                column="attachment",
                value=pl.col("attachment"),
                expected="höchstens 20 MB",
                message=_text(
                    "Das Belegbild '",
                    pl.col("attachment"),
                    "' ist ",
                    (pl.col("__size") / (1024 * 1024)).round(1).cast(pl.String),
                    " MB groß; DATEV nimmt höchstens 20 MB pro Datei an. Verkleinern Sie "
                    "die Datei (z. B. geringere Auflösung) oder teilen Sie sie auf.",
                ),
            )
        )
    return out


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
    date_column = {"receipts": "date", "invoices": "date", "pos": "business_date"}.get(kind)
    if date_column and settings is not None:
        out.append(fiscal_year_not_created(frame, date_column, settings))
    if kind == "receipts" and settings is not None:
        out.append(fiscal_year_month_mismatch(frame, settings))
    have = set(frame.columns)
    if kind == "receipts":
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
        out.append(check_digits(frame, "iban", kind="iban"))
        out.append(check_digits(frame, "vat_id", kind="vat"))
    elif kind == "invoices" and {"invoice_id", "date"} <= have:
        out.append(
            duplicates(
                frame,
                "invoice_id",
                rule="duplicate.invoice_id",
                group=pl.col("date").dt.strftime("%Y-%m"),
                owner=None,
                label="Die Rechnungsnummer (Belegfeld 1)",
            )
        )
    elif kind == "calls":
        out.append(
            duplicates(
                frame,
                "call_id",
                rule="duplicate.call_id",
                group=None,
                owner=None,
                label="Die Anruf-ID",
            )
        )
        if "call_id" in have:
            out.append(call_overlaps(frame))
    if folders:
        out += attachment_files(frame, folders=folders, sizes=sizes)
    return [part for part in out if part.height]


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
                    "message": f"Der Beginn des Wirtschaftsjahres '{wj}' ist ungültig: erwartet wird "
                    "das Format MMTT (z. B. 0101 für den 1. Januar, 0701 für den 1. Juli). "
                    "Korrigieren Sie die Einstellung.",
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
                        "message": f"Der eingestellte Beginn des Wirtschaftsjahres ({wj}) passt nicht "
                        f"zu den Wirtschaftsjahren in DATEV (Beginn {datev_start}). "
                        "Korrigieren Sie die Einstellung.",
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
