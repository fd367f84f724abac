"""Checks for call logs (``calls.*`` and ``duplicate.call_id``), as findings in the contract shape.

Resolution rules (unparseable/unmatched/ambiguous/fax/inactive number, addressee without
Mandant) cover every external call: warnings (the call is left out, the rest goes on) for calls
the settings would bill, infos for calls they leave out anyway (or with ``only_identified``).
Data rules (invalid duration, duplicate call id) are errors and block the call; overlapping calls
on one extension are a warning.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from workbench.calls.settings import CallSettings
from workbench.findings import FINDINGS_SCHEMA, concat_findings

__all__ = ["ABSURD_SECONDS", "RULES", "call_flags", "check_calls", "considered", "with_lineage"]

#: A call longer than this is considered a logging error.
ABSURD_SECONDS = 12 * 3600

RULES = {
    "missing": "calls.unparseable_number",
    "unparseable": "calls.unparseable_number",
    "unmatched": "calls.unmatched_number",
    "ambiguous": "calls.ambiguous_number",
    "fax": "calls.fax_number",
    "inactive": "calls.inactive_addressee",
    "no_client": "calls.no_client",
    "invalid_duration": "calls.invalid_duration",
    "overlap": "calls.overlap",
    "duplicate": "duplicate.call_id",
}

_NUMBER_MESSAGES = {
    "missing": (
        "Die Rufnummer fehlt (unterdrückt?); das Gespräch kann keinem Mandanten "
        "zugeordnet werden. Ordnen Sie es von Hand einem Mandanten zu (Adressat ändern)."
    ),
    "unparseable": (
        "Die Rufnummer '{remote_number}' ist keine gültige Telefonnummer. "
        "Korrigieren Sie sie in der Anrufliste oder ordnen Sie das Gespräch von Hand "
        "einem Mandanten zu."
    ),
    "unmatched": (
        "Die Rufnummer {number} gehört zu keinem Adressaten in DATEV. Ergänzen Sie "
        "sie in den Stammdaten des Mandanten oder ordnen Sie das Gespräch von Hand zu."
    ),
    "ambiguous": (
        "Die Rufnummer {number} gehört zu mehreren Adressaten: {candidates}. Wählen "
        "Sie den Mandanten für dieses Gespräch aus (Adressat ändern)."
    ),
    "fax": (
        "Die Rufnummer {number} ist in DATEV nur als Faxnummer erfasst ({candidates}) und "
        "wird nicht als Telefonnummer verwendet. Prüfen Sie die Kommunikationsart in den "
        "Stammdaten oder ordnen Sie das Gespräch von Hand zu."
    ),
    "inactive": (
        "Die Rufnummer {number} gehört nur zu inaktiven Adressaten oder Mandanten "
        "({candidates}). Aktivieren Sie den Adressaten in DATEV oder ordnen Sie das "
        "Gespräch von Hand einem Mandanten zu."
    ),
    "no_client": (
        "Die Rufnummer {number} gehört zu {addressee_name}, der keinem Mandanten "
        "zugeordnet ist. Legen Sie in DATEV eine Beziehung zum Mandanten an oder "
        "ordnen Sie das Gespräch von Hand zu."
    ),
}
_EXPECTED = {
    "missing": "Rufnummer",
    "unparseable": "Telefonnummer (z. B. 0911 4711-0 oder +49 911 47110)",
    "unmatched": "Rufnummer eines aktiven Adressaten",
    "ambiguous": "genau ein Mandant",
    "fax": "Telefonnummer, keine Faxnummer",
    "inactive": "aktiver Adressat",
    "no_client": "Adressat eines Mandanten",
}


def with_lineage(calls: pl.DataFrame) -> pl.DataFrame:
    """``calls`` with ``source_file``/``source_row`` (null when built by hand, not loaded)."""
    return calls.with_columns(
        *(
            pl.lit(None, dtype).alias(name)
            for name, dtype in (("source_file", pl.String), ("source_row", pl.Int64))
            if name not in calls.columns
        )
    )


def _hms(seconds: int) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def call_flags(calls: pl.DataFrame) -> pl.DataFrame:
    """Per call: ``invalid_duration``, ``duplicate_id``, ``overlap_with`` (the other call id)."""
    duration = pl.col("duration_s")
    valid = (
        duration.is_not_null()
        & (duration > 0)
        & (duration <= ABSURD_SECONDS)
        & pl.col("started_at").is_not_null()
        & pl.col("extension").is_not_null()
    )
    frame = calls.with_row_index("_order").with_columns(
        ((duration < 0) | (duration > ABSURD_SECONDS)).fill_null(False).alias("invalid_duration"),
        (pl.col("call_id").is_not_null() & pl.col("call_id").is_duplicated()).alias("duplicate_id"),
    )
    timed = (
        frame.filter(valid)
        .sort("extension", "started_at", "_order")
        .with_columns((pl.col("started_at") + pl.duration(seconds=duration)).alias("_end"))
        .with_columns(
            pl.col("_end").cum_max().shift(1).over("extension").alias("_prev_end"),
            pl.col("call_id").shift(1).over("extension").alias("_prev_id"),
            pl.col("started_at").shift(-1).over("extension").alias("_next_start"),
            pl.col("call_id").shift(-1).over("extension").alias("_next_id"),
        )
        .select(
            "_order",
            pl.when(pl.col("started_at") < pl.col("_prev_end"))
            .then(pl.col("_prev_id"))
            .when(pl.col("_end") > pl.col("_next_start"))
            .then(pl.col("_next_id"))
            .alias("overlap_with"),
        )
    )
    return (
        frame.join(timed, on="_order", how="left")
        .sort("_order")
        .select("invalid_duration", "duplicate_id", "overlap_with")
    )


def _finding(
    row: Mapping,
    rule: str,
    severity: str,
    column: str,
    value: object,
    expected: str | None,
    message: str,
    columns: Mapping[str, str],
) -> dict:
    return {
        "source": row.get("source_file"),
        "row": row.get("source_row"),
        "item_id": row.get("call_id"),
        "column": column,
        "source_column": columns.get(column),
        "rule": rule,
        "severity": severity,
        "value": None if value is None else str(value),
        "expected": expected,
        "message": message,
        "suggestion": None,
    }


def considered(settings: CallSettings) -> pl.Expr:
    """Calls the settings would bill if they were identified."""
    keep = ~pl.col("direction").is_in(list(settings.ignored_directions)).fill_null(False)
    if settings.only_answered:
        keep &= pl.col("answered").fill_null(True)
    return keep


def check_calls(
    resolved: pl.DataFrame,
    *,
    settings: CallSettings | None = None,
    source_columns: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Findings for a resolved call log (see ``resolve_calls``).

    >>> check_calls(resolve_calls(calls, directory))["rule"].unique()  # doctest: +SKIP
    """
    settings = settings or CallSettings()
    columns = dict(source_columns or {})
    frame = pl.concat([with_lineage(resolved), call_flags(resolved)], how="horizontal")
    records: list[dict] = []
    # Number problems are reported for every external call; for calls the settings leave out
    # anyway (or with only_identified, where leaving them out is what was asked for) as infos.
    billable = considered(settings) & pl.lit(not settings.only_identified)
    unresolved = frame.filter(pl.col("match_status").is_in(list(_NUMBER_MESSAGES))).with_columns(
        billable.fill_null(False).alias("_billable")
    )
    for row in unresolved.iter_rows(named=True):
        status = row["match_status"]
        message = _NUMBER_MESSAGES[status].format(**row)
        if not row["_billable"]:
            message += " (Nach den Anrufeinstellungen wird es ohnehin nicht abgerechnet.)"
        records.append(
            _finding(
                row,
                RULES[status],
                "warning" if row["_billable"] else "info",
                "remote_number",
                row["remote_number"],
                _EXPECTED[status],
                message,
                columns,
            )
        )
    for row in frame.filter(pl.col("invalid_duration")).iter_rows(named=True):
        seconds = row["duration_s"]
        what = "negativ" if seconds < 0 else f"länger als {ABSURD_SECONDS // 3600} Stunden"
        records.append(
            _finding(
                row,
                RULES["invalid_duration"],
                "error",
                "duration_s",
                _hms(seconds),
                f"0 bis {_hms(ABSURD_SECONDS)}",
                f"Die Gesprächsdauer {_hms(seconds)} ist {what} und damit unplausibel; "
                "das Gespräch wird nicht abgerechnet. Korrigieren Sie die Dauer in der Anrufliste.",
                columns,
            )
        )
    duplicates = frame.filter(pl.col("duplicate_id")).with_columns(
        pl.col("source_row").cast(pl.String).str.join(", ").over("call_id").alias("_rows")
    )
    for row in duplicates.iter_rows(named=True):
        records.append(
            _finding(
                row,
                RULES["duplicate"],
                "error",
                "call_id",
                row["call_id"],
                "eindeutige Anruf-ID",
                f"Die Anruf-ID {row['call_id']} kommt mehrfach vor (Zeilen {row['_rows']}); keines "
                f"dieser Gespräche wird abgerechnet. Korrigieren Sie den Export der Anrufliste.",
                columns,
            )
        )
    for row in frame.filter(pl.col("overlap_with").is_not_null()).iter_rows(named=True):
        records.append(
            _finding(
                row,
                RULES["overlap"],
                "warning",
                "duration_s",
                _hms(row["duration_s"]),
                None,
                f"Das Gespräch überschneidet sich auf Nebenstelle {row['extension']} mit Gespräch "
                f"{row['overlap_with']}. Prüfen Sie Beginn und Dauer beider Gespräche.",
                columns,
            )
        )
    found = pl.DataFrame(records, schema=FINDINGS_SCHEMA) if records else None
    return concat_findings([found] if found is not None else []).sort("source", "row", "rule")
