"""Billing: every call (or virtual call) billed to exactly one Mandant in started units, or listed
with the reason it is not.

"Neues Gespräch" and "Adressat ändern" (seed 000) are ``CallAssignment`` rows: one assignment for
a call reassigns it; several split it into virtual calls, in order, each with its own Mandant,
length (the last may omit it and takes the rest) and note.

``status`` per line: ``billed``; ``ignored`` (the settings leave it out); ``blocked`` (data error:
duplicate call id, invalid or missing duration or start); ``unresolved`` (no unique Mandant);
``not_billable`` (no billable time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.calls.directory import PhoneDirectory
from workbench.calls.resolve import resolve_calls
from workbench.calls.rules import call_flags, check_calls, considered, with_lineage
from workbench.calls.settings import CallSettings
from workbench.findings import concat_findings, findings_frame
from workbench.sources.loader import LoadResult

__all__ = [
    "CallAssignment",
    "CallBilling",
    "LINE_COLUMNS",
    "TIME_UNITS_PER_MINUTE",
    "bill_calls",
]

#: DATEV Eigenorganisation: 1 hour = 1200 time units.
TIME_UNITS_PER_MINUTE = 20

LINE_COLUMNS = (
    "call_id",
    "part",
    "started_at",
    "duration_s",
    "direction",
    "answered",
    "remote_number",
    "number",
    "extension",
    "user",
    "note",
    "source_file",
    "source_row",
    "match_status",
    "candidates",
    "client_id",
    "client_number",
    "client_name",
    "addressee_name",
    "number_role",
    "assigned",
    "status",
    "reason",
    "billed_minutes",
    "time_units",
)

_UNRESOLVED = {
    "ambiguous": "Rufnummer mehreren Adressaten zugeordnet: {candidates}",
    "no_client": "Adressat {addressee_name} ist keinem Mandanten zugeordnet",
    "inactive": "Rufnummer gehört nur zu inaktiven Adressaten ({candidates})",
    "fax": "Rufnummer ist eine Faxnummer ({candidates})",
    "unmatched": "Rufnummer {number} ist keinem Adressaten zugeordnet",
    "unparseable": "Rufnummer '{remote_number}' ist ungültig",
    "missing": "Rufnummer fehlt",
    "internal": "internes Gespräch ohne Mandant",
}
_DIRECTION = {"inbound": "Eingehende", "outbound": "Ausgehende", "internal": "Interne"}


@dataclass(frozen=True, slots=True)
class CallAssignment:
    """Assign (part of) a call to a Mandant: ``client`` is the DATEVconnect client id or the
    Mandant number; ``seconds`` the length of this virtual call (None: the rest of the call).

    >>> CallAssignment("SF-0040001", 2, seconds=120, note="Frage zu Firma B")
    CallAssignment(call_id='SF-0040001', client=2, seconds=120, note='Frage zu Firma B')
    """

    call_id: str
    client: str | int
    seconds: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class CallBilling:
    """Result of ``bill_calls``: one line per (virtual) call, the billing's findings (call rules
    and assignments; not the loader's), the settings used."""

    lines: pl.DataFrame
    findings: pl.DataFrame
    settings: CallSettings = field(default_factory=CallSettings)

    @property
    def billed(self) -> pl.DataFrame:
        """Lines billed to a Mandant."""
        return self.lines.filter(pl.col("status") == "billed")

    @property
    def not_billed(self) -> pl.DataFrame:
        """Lines not billed, with ``status`` and ``reason``."""
        return self.lines.filter(pl.col("status") != "billed")

    def for_client(self, client: str | int) -> CallBilling:
        """Only the lines billed to one Mandant (client id or number) and their findings."""
        key = str(client)
        lines = self.lines.filter(
            (pl.col("client_id") == key) | (pl.col("client_number").cast(pl.String) == key)
        )
        rows = lines.select(
            pl.col("source_file").alias("source"), pl.col("source_row").alias("row")
        ).unique()
        return CallBilling(
            lines=lines,
            findings=self.findings.join(rows, on=["source", "row"], how="semi"),
            settings=self.settings,
        )

    def summary(self) -> pl.DataFrame:
        """Per Mandant and month (``YYYY-MM``): calls, seconds, billed minutes and hours."""
        return (
            self.billed.with_columns(pl.col("started_at").dt.strftime("%Y-%m").alias("month"))
            .group_by("client_id", "client_number", "client_name", "month")
            .agg(
                pl.len().alias("calls"),
                pl.col("duration_s").sum().alias("seconds"),
                pl.col("billed_minutes").sum(),
                pl.col("time_units").sum(),
            )
            .with_columns((pl.col("billed_minutes") / 60).round(2).alias("hours"))
            .sort("client_number", "month")
        )


def _assignment_problem(
    call: dict[str, Any], parts: list[CallAssignment], clients_of: list[dict[str, Any] | None]
) -> str | None:
    """Why a manual assignment of ``call`` to ``parts`` cannot be used (None: it can)."""
    fixed = [p.seconds for p in parts if p.seconds is not None]
    if call["duplicate_id"]:
        return f"Die Anruf-ID {call['call_id']} ist nicht eindeutig."
    if any(c is None for c in clients_of):
        unknown = next(p.client for p, c in zip(parts, clients_of, strict=True) if c is None)
        return f"Der Mandant {unknown} ist in DATEV nicht angelegt."
    if any(not c["client_active"] for c in clients_of if c):
        return "Der gewählte Mandant ist inaktiv."
    if any(s <= 0 for s in fixed) or [p.seconds for p in parts[:-1]].count(None):
        return (
            "Nur der letzte Teil eines aufgeteilten Gesprächs darf ohne Dauer "
            "angegeben werden; jede Dauer muss positiv sein."
        )
    if (
        call["duration_s"] is None
        or sum(fixed) > call["duration_s"]
        or (parts[-1].seconds is not None and sum(fixed) != call["duration_s"])
    ):
        return f"Die Teile ergeben {sum(fixed)} s, das Gespräch dauert {call['duration_s']} s."
    return None


def _invalid_assignment(
    row: dict[str, Any], problem: str, columns: dict[str, str]
) -> dict[str, Any]:
    return {
        "source": row.get("source_file"),
        "row": row.get("source_row"),
        "item_id": row["call_id"],
        "column": "call_id",
        "source_column": columns.get("call_id"),
        "rule": "calls.invalid_assignment",
        "severity": "error",
        "value": row["call_id"],
        "message": problem + " Die Zuordnung wird nicht übernommen; korrigieren Sie sie.",
    }


def _assignment_frame(
    assignments: list[CallAssignment],
    resolved: pl.DataFrame,
    flags: pl.DataFrame,
    directory: PhoneDirectory,
    columns: dict[str, str],
) -> tuple[pl.DataFrame, list[dict]]:
    """Valid assignments as virtual-call rows, and findings for the invalid ones."""
    clients = directory.clients
    by_id = {r["client_id"]: r for r in clients.iter_rows(named=True)}
    by_number = {str(r["client_number"]): r for r in clients.iter_rows(named=True)}
    calls = {
        r["call_id"]: r
        for r in pl.concat([resolved, flags], how="horizontal")
        .filter(pl.col("call_id").is_in([a.call_id for a in assignments]))
        .iter_rows(named=True)
    }
    grouped: dict[str, list[CallAssignment]] = {}
    for assignment in assignments:
        grouped.setdefault(assignment.call_id, []).append(assignment)
    rows: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for call_id, parts in grouped.items():
        call = calls.get(call_id)
        clients_of = [by_id.get(str(p.client)) or by_number.get(str(p.client)) for p in parts]
        if call is None:
            missing = f"Das Gespräch {call_id} ist nicht in der Anrufliste."
            problems.append(_invalid_assignment({"call_id": call_id}, missing, columns))
            continue
        problem = _assignment_problem(call, parts, clients_of)
        if problem is not None:
            problems.append(_invalid_assignment(call, problem, columns))
            continue
        known = [c for c in clients_of if c is not None]  # all of them, or a problem above
        offset = 0
        for index, (part, client) in enumerate(zip(parts, known, strict=True), start=1):
            seconds = part.seconds if part.seconds is not None else call["duration_s"] - offset
            rows.append(
                {
                    "call_id": call_id,
                    "part": index,
                    "_offset": offset,
                    "_seconds": seconds,
                    "_note": part.note,
                    **client,
                }
            )
            offset += seconds
    schema: dict[str, pl.DataType] = {
        "call_id": pl.String(),
        "part": pl.Int64(),
        "_offset": pl.Int64(),
        "_seconds": pl.Int64(),
        "_note": pl.String(),
        **directory.clients.schema,
    }
    return pl.DataFrame(rows, schema=schema), problems


def _status(settings: CallSettings) -> tuple[pl.Expr, pl.Expr]:
    direction = pl.col("direction")
    ignored_direction = direction.is_in(list(settings.ignored_directions)).fill_null(False)
    not_answered = ~considered(settings) & ~ignored_direction
    identified = pl.col("client_id").is_not_null()
    blocked = (
        pl.col("duplicate_id")
        | pl.col("invalid_duration")
        | pl.col("started_at").is_null()
        | pl.col("duration_s").is_null()
    )
    status = (
        pl.when(ignored_direction)
        .then(pl.lit("ignored"))
        .when(not_answered)
        .then(pl.lit("ignored"))
        .when(blocked)
        .then(pl.lit("blocked"))
        .when(~identified & settings.only_identified)
        .then(pl.lit("ignored"))
        .when(~identified)
        .then(pl.lit("unresolved"))
        .when(pl.col("billed_minutes") <= 0)
        .then(pl.lit("not_billable"))
        .otherwise(pl.lit("billed"))
    )
    unresolved = pl.coalesce(
        *(
            pl.when(pl.col("match_status") == status).then(_fill(template))
            for status, template in _UNRESOLVED.items()
        ),
        pl.lit(""),
    )
    reason = (
        pl.when(ignored_direction)
        .then(
            direction.replace_strict(_DIRECTION, default="")
            + pl.lit(" Gespräche werden ignoriert (Einstellung).")
        )
        .when(not_answered)
        .then(
            pl.lit("Nicht angenommen; nur angenommene Gespräche werden abgerechnet (Einstellung).")
        )
        .when(pl.col("duplicate_id"))
        .then(pl.lit("Anruf-ID mehrfach vergeben."))
        .when(pl.col("invalid_duration"))
        .then(pl.lit("Gesprächsdauer unplausibel."))
        .when(pl.col("started_at").is_null())
        .then(pl.lit("Beginn fehlt oder ist ungültig."))
        .when(pl.col("duration_s").is_null())
        .then(pl.lit("Dauer fehlt oder ist ungültig."))
        .when(~identified & settings.only_identified)
        .then(
            pl.lit(
                "Nicht identifiziert; nur identifizierte Gespräche werden abgerechnet "
                "(Einstellung): "
            )
            + unresolved
            + pl.lit(".")
        )
        .when(~identified)
        .then(
            pl.lit("Kein eindeutiger Mandant: ")
            + unresolved
            + pl.lit(". Ordnen Sie das Gespräch zu (Adressat ändern).")
        )
        .when(pl.col("billed_minutes") <= 0)
        .then(pl.lit("Gespräch ohne Dauer."))
        .otherwise(None)
    )
    return status, reason


def _fill(template: str) -> pl.Expr:
    """``template`` with ``{column}`` placeholders as a polars string expression."""
    names = [part.split("}")[0] for part in template.split("{")[1:]]
    text = template
    for name in names:
        text = text.replace("{" + name + "}", "{}")
    return pl.format(text, *(pl.col(n).fill_null("") for n in names))


def bill_calls(
    calls: pl.DataFrame | LoadResult,
    directory: PhoneDirectory,
    *,
    settings: CallSettings | None = None,
    assignments: Iterable[CallAssignment] = (),
    region: str = "DE",
) -> CallBilling:
    """Resolve, check and bill a call log: every call ends up in exactly one line per virtual
    call, billed to one Mandant or with the reason it is not.

    >>> calls = load_calls("calls.csv", profile="starface")  # doctest: +SKIP
    >>> billing = bill_calls(calls, directory)  # doctest: +SKIP
    >>> billing.summary()  # doctest: +SKIP
    """
    settings = settings or CallSettings()
    loaded = calls if isinstance(calls, LoadResult) else None
    frame = calls.frame if isinstance(calls, LoadResult) else calls
    columns = {}
    if loaded:
        for info in loaded.sources:
            columns.update(info.mapped)
    resolved = resolve_calls(with_lineage(frame), directory, region=region)
    flags = call_flags(resolved)
    findings = check_calls(resolved, settings=settings, source_columns=columns)
    assigned, problems = _assignment_frame(list(assignments), resolved, flags, directory, columns)
    base = pl.concat([resolved, flags], how="horizontal").with_row_index("_order")
    client_columns = ["client_id", "client_number", "client_name"]
    single = base.join(assigned.select("call_id").unique(), on="call_id", how="anti").with_columns(
        pl.lit(1, pl.Int64).alias("part"), pl.lit(False).alias("assigned")
    )
    split = (
        base.drop(client_columns)
        .join(assigned.drop("client_active"), on="call_id", how="inner")
        .with_columns(
            (pl.col("started_at") + pl.duration(seconds=pl.col("_offset"))).alias("started_at"),
            pl.col("_seconds").alias("duration_s"),
            pl.coalesce("_note", "note").alias("note"),
            pl.lit(True).alias("assigned"),
        )
        .drop("_offset", "_seconds", "_note")
    )
    unit = settings.unit_minutes
    lines = (
        pl.concat([single, split.select(single.columns)])
        .sort("_order", "part")
        .with_columns(
            ((pl.col("duration_s").clip(lower_bound=0) + unit * 60 - 1) // (unit * 60) * unit)
            .fill_null(0)
            .alias("billed_minutes")
        )
    )
    status, reason = _status(settings)
    lines = lines.with_columns(status.alias("status"), reason.alias("reason"))
    lines = lines.with_columns(
        pl.when(pl.col("status") == "billed")
        .then(pl.col("billed_minutes"))
        .otherwise(0)
        .alias("billed_minutes"),
    ).with_columns((pl.col("billed_minutes") * TIME_UNITS_PER_MINUTE).alias("time_units"))
    # the billing's own findings: the loader's are the caller's (check stage, app), added once
    own = concat_findings([findings, findings_frame(problems)])
    return CallBilling(lines=lines.select(LINE_COLUMNS), findings=own, settings=settings)
