"""Sample call list (STARFACE, UTF-16) and POS daily sales (Lightspeed K-Series)."""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.samples import frames
from workbench.samples.catalog import (
    PERIOD,
    Picker,
    SampleFile,
    _csv_file,
)
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.writers import Layout

__all__ = ["LIGHTSPEED", "STARFACE", "call_pos_files"]


# --- calls: STARFACE (UTF-16) --------------------------------------------------------------------

STARFACE = Layout(
    columns=(
        ("call_id", "Anruf-ID"),
        ("started_at", "Beginn"),
        ("duration_s", "Dauer"),
        ("direction", "Richtung"),
        ("answered", "Angenommen"),
        ("remote_number", "Rufnummer"),
        ("extension", "Nebenstelle"),
        ("user", "Teilnehmer"),
        ("note", "Notiz"),
    ),
    bools=("ja", "nein"),
    encoding="utf-16-le",
    bom=True,
    values=(
        (
            "direction",
            (("inbound", "eingehend"), ("outbound", "ausgehend"), ("internal", "intern")),
        ),
    ),
)


def _calls(seed: int) -> SampleFile:
    clean = frames.clean_calls(300, seed=31 + 1000 * seed)
    f = SampleFile("calls_starface.csv", "calls", "starface", None, "utf-16")
    pick = Picker(clean)
    external = pl.col("direction") != "internal"
    d = [Defect(None, None, "encoding.non_utf8", "UTF-16 LE mit BOM (Excel „Unicode-Text“)")]
    d += _number_defects(pick, external)
    d += _duration_defects(clean, pick)
    first, second = pick(external, 2)
    d.append(Defect(first, "call_id", "duplicate.call_id", "Anruf-ID doppelt vergeben (1/2)"))
    d.append(
        Defect(
            second,
            "call_id",
            "duplicate.call_id",
            "Anruf-ID doppelt vergeben (2/2)",
            clean["call_id"][first],
        )
    )
    r = pick()[0]
    d.append(
        Defect(r, "started_at", "field.unparseable", "Uhrzeit 25:10", raw="12.02.2026 25:10:00")
    )
    typed = apply_defects(clean, d)
    # Clean but awkward: a note with a line break and one with a semicolon (quoted in the file).
    r = pick(external & pl.col("answered"))[0]
    broken = "Rückruf morgen früh\nBelege liegen im Postfach"
    typed = typed.with_columns(typed["note"].scatter([r], [broken]))
    d.append(Defect(r, "note", "field.line_break", "Notiz über zwei Zeilen", broken))
    r = pick(external & pl.col("answered"))[0]
    typed = typed.with_columns(
        typed["note"].scatter([r], ["Kassennachschau angekündigt; Unterlagen vorbereiten"])
    )
    _csv_file(f, typed, d, STARFACE, "call_id")
    return f


def _number_defects(pick: Picker, external: pl.Expr) -> list[Defect]:
    """Numbers no addressee has, several have, a fax has, an inactive addressee has."""
    d: list[Defect] = []
    for number, note in (
        ("+43 1 5875432", "Wien, kein Adressat"),
        ("+41 44 2123344", "Zürich, kein Adressat"),
        ("0800 3301000", "Servicenummer"),
        ("0911 5554433", "Nürnberg, kein Adressat"),
        ("+1 212 5550147", "New York, kein Adressat"),
    ):
        r = pick(external)[0]
        d.append(Defect(r, "remote_number", "calls.unmatched_number", note, number))
    for number, note in (
        ("0911 47110", "Bäckerei Müller GmbH und Anna Müller (Büro)"),
        ("+49 89 2345678", "Grün & Söhne und deren Ansprechpartner"),
    ):
        r = pick(external)[0]
        d.append(Defect(r, "remote_number", "calls.ambiguous_number", note, number))
    for number, note in (
        ("+49 911 4711-99", "Fax Bäckerei Müller"),
        ("030 9876549", "Fax Weiß Tiefbau"),
    ):
        r = pick(external & (pl.col("direction") == "inbound"))[0]
        d.append(Defect(r, "remote_number", "calls.fax_number", note, number))
    r = pick(external)[0]
    d.append(
        Defect(
            r,
            "remote_number",
            "calls.inactive_addressee",
            "Jörg Weiß, inaktiv seit 2024",
            "030 5550777",
        )
    )
    return d


def _duration_defects(clean: pl.DataFrame, pick: Picker) -> list[Defect]:
    """An absurd duration, and two calls of one extension that overlap."""
    d: list[Defect] = []
    # Absurd duration on the last call of an extension, so that nothing overlaps it.
    last = (
        clean.with_row_index().group_by("extension").agg(pl.col("index").max())["index"].to_list()
    )
    answered_last = [i for i in sorted(last) if clean["answered"][i]]
    r = pick(np.isin(np.arange(clean.height), answered_last or sorted(last)))[0]
    d.append(
        Defect(r, "duration_s", "calls.invalid_duration", "26 Stunden", 26 * 3600 + 13 * 60 + 9)
    )
    # Overlap: a call is made longer than the gap to the next call on its extension.
    ordered = clean.with_row_index().with_columns(
        pl.col("index").shift(-1).over("extension").alias("next"),
        pl.col("started_at").shift(-1).over("extension").alias("next_start"),
    )
    # Same day and less than two hours apart: the longer call must stay a plausible call.
    candidates = ordered.filter(
        pl.col("answered")
        & pl.col("next").is_not_null()
        & pl.col("answered").shift(-1).over("extension")
        & (pl.col("next_start") - pl.col("started_at") < pl.duration(hours=2))
    )
    mask = np.zeros(clean.height, dtype=bool)
    mask[candidates["index"].to_numpy()] = True
    while True:
        r = pick(mask)[0]
        row = ordered.row(r, named=True)
        nxt = int(row["next"])
        if nxt not in pick.used and nxt - r > 1:
            break
    pick.used.add(nxt)
    gap = int((row["next_start"] - row["started_at"]).total_seconds())
    d.append(
        Defect(
            r,
            "duration_s",
            "calls.overlap",
            "Gespräch endet nach Beginn des nächsten (1/2)",
            gap + 95,
        )
    )
    d.append(Defect(nxt, "duration_s", "calls.overlap", "beginnt vor Ende des vorigen (2/2)"))
    return d


# --- POS: Lightspeed -----------------------------------------------------------------------------

LIGHTSPEED = Layout(
    columns=(
        ("business_date", "Geschäftstag"),
        ("category_type", "Art"),
        ("category", "Buchhaltungsgruppe"),
        ("amount", "Betrag brutto"),
        ("tax", "MwSt-Satz"),
    ),
    values=(
        (
            "category_type",
            (("revenue", "Umsatz"), ("payment", "Zahlungsart"), ("tip", "Trinkgeld")),
        ),
    ),
    encoding="utf-8",
)


def _pos(seed: int) -> SampleFile:
    days = np.busday_count(
        np.datetime64("2026-01-02"),
        np.datetime64("2026-04-02"),
        weekmask="1111110",
        holidays=np.array(frames.HOLIDAYS, dtype="datetime64[D]"),
    )
    # The export ran one day too far: 1 April is included.
    clean = frames.clean_pos(int(days) * 6, seed=41 + 1000 * seed)
    f = SampleFile("pos_lightspeed.csv", "pos", "lightspeed", "455148-1", "utf-8")
    d = []
    pick = Picker(clean)
    for late in (clean["business_date"] > PERIOD[1]).arg_true().to_list():
        d.append(
            Defect(
                late,
                "business_date",
                "fiscal_year.outside_period",
                "Export einen Tag zu weit (01.04.2026)",
            )
        )
        pick.used.add(late)
    r = pick(pl.col("category") == "Kreditkarte")[0]
    bar = r - 2
    clean = clean.with_columns(
        clean["amount"].scatter([bar], [round(clean["amount"][bar] + clean["amount"][r], 2)])
    )
    d.append(
        Defect(r, "amount", "amount.zero", "keine Kartenzahlung: Zeile 0,00 statt weggelassen", 0.0)
    )
    pick.used.add(bar)
    r = pick(pl.col("category") == "Trinkgeld")[0]
    d.append(Defect(r, "amount", "field.unparseable", "nicht erfasst", raw="n. v."))
    r = pick(pl.col("category") == "Getränke")[0]
    d.append(Defect(r, "business_date", "field.unparseable", "31. Februar", raw="31.02.2026"))
    typed = apply_defects(clean, d)
    _csv_file(f, typed, d, LIGHTSPEED, "category")
    return f


def call_pos_files(seed: int = 0) -> list[SampleFile]:
    return [_calls(seed), _pos(seed)]
