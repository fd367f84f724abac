"""DATEV's protocol of a data transfer, grouped as a bookkeeper reads it.

DATEV writes one protocol entry per file and step (``GET …/dxso-jobs/{job}/protocol-entries``,
ProtocolEntry in accounting_dxso-jobs-2.1.7.json: ``time``, ``text``, ``context``, ``type``
information/warning/error, ``filename``): "wurde empfangen!" for every uploaded file, "wurde in
die Belegverwaltung übernommen!" for every file taken over (the texts DATEV's OpenAPI and
FACTS.md quote). For 9,000 Belegbilder that is some 18,000 lines, the rejections among them.

:func:`group_protocol` keeps every warning and error: one line per file, all of DATEV's texts
for that file in it (one line each for entries that name no file); each information text becomes
one line with its count, the part in parentheses folded ("Rechnungsinformation wurden an
Rechnungseingangsbuch(…) übergeben!" names each invoice there). :func:`protocol_headline` says
the outcome in one sentence. Nothing is dropped: the lines' ``entries`` add up to the protocol.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from workbench.german import format_count

__all__ = [
    "RECEIVED",
    "TAKEN_OVER",
    "ProtocolLine",
    "group_protocol",
    "protocol_headline",
    "protocol_table",
]

#: DATEV's receipt confirmation of an uploaded file, and of a file taken over.
RECEIVED = "wurde empfangen!"
TAKEN_OVER = "wurde in die Belegverwaltung übernommen!"
_PROBLEMS = ("error", "warning")
_VARIABLE = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class ProtocolLine:
    """One line of the grouped protocol.

    ``filename``/``context``: the entries' file and context if they share one, else None.
    ``entries``: protocol entries behind the line; ``files``: the distinct files they name.
    ``first``/``last``: the earliest and latest time (DATEV's ISO 8601 text).
    """

    type: str
    text: str
    filename: str | None
    context: str | None
    entries: int
    files: int
    first: str | None
    last: str | None


def group_protocol(entries: Sequence[Mapping]) -> list[ProtocolLine]:
    """Warnings and errors first (one line per file, in protocol order), then each
    information text once with its count (in order of first appearance).

    >>> [line.entries for line in group_protocol(job_protocol)]  # doctest: +SKIP
    [2, 2, 9001, 8986, 1]
    """
    problems: dict[object, list[Mapping]] = {}
    notes: dict[str, list[Mapping]] = {}
    for number, entry in enumerate(entries):
        kind = str(entry.get("type") or "").lower()
        if kind in _PROBLEMS:
            # a file's problems in one line; entries that name no file stay apart
            problems.setdefault(entry.get("filename") or number, []).append(entry)
        else:
            notes.setdefault(_VARIABLE.sub("(…)", str(entry.get("text") or "")), []).append(entry)
    lines = [
        _line(group, _worst(group), _joined(entry.get("text") for entry in group))
        for group in problems.values()
    ]
    lines.sort(key=lambda line: _PROBLEMS.index(line.type))  # stable: protocol order within
    for text, group in notes.items():
        kind = str(group[0].get("type") or "information").lower()
        lines.append(_line(group, kind, group[0]["text"] if len(group) == 1 else text))
    return lines


def protocol_headline(entries: Sequence[Mapping]) -> str:
    """``9.001 Dateien empfangen, 8.986 in die Belegverwaltung übernommen; 14 Dateien mit
    Fehlern, 1 Datei mit Warnung (je eine Zeile unten).``"""
    if not entries:
        return "Das Protokoll ist leer."
    texts = [entry.get("text") for entry in entries]
    done = [
        _count(texts.count(RECEIVED), "Datei empfangen", "Dateien empfangen")
        if RECEIVED in texts
        else "",
        f"{format_count(texts.count(TAKEN_OVER))} in die Belegverwaltung übernommen"
        if TAKEN_OVER in texts
        else "",
    ]
    lines = group_protocol(entries)
    errors = sum(1 for line in lines if line.type == "error")
    warnings = sum(1 for line in lines if line.type == "warning")
    problems = [
        _count(errors, "Datei mit Fehler", "Dateien mit Fehlern") if errors else "",
        _count(warnings, "Datei mit Warnung", "Dateien mit Warnungen") if warnings else "",
    ]
    said = ", ".join(part for part in done if part)
    wrong = ", ".join(part for part in problems if part)
    if not wrong:
        return (
            f"{said}; keine Fehler und keine Warnungen."
            if said
            else "Keine Fehler und keine Warnungen."
        )
    return f"{said}; {wrong} (je eine Zeile unten)." if said else f"{wrong} (je eine Zeile unten)."


def _line(group: list[Mapping], kind: str, text: str) -> ProtocolLine:
    files = {entry.get("filename") for entry in group if entry.get("filename")}
    contexts = list(dict.fromkeys(entry["context"] for entry in group if entry.get("context")))
    times = sorted(str(entry["time"]) for entry in group if entry.get("time"))
    many = len(group) > 1 and kind not in _PROBLEMS
    return ProtocolLine(
        type=kind,
        text=text,
        filename=next(iter(files)) if len(files) == 1 else None,
        context=_joined(contexts) if contexts and not (many and len(contexts) > 1) else None,
        entries=len(group),
        files=len(files),
        first=times[0] if times else None,
        last=times[-1] if times else None,
    )


def _worst(group: list[Mapping]) -> str:
    kinds = {str(entry.get("type")).lower() for entry in group}
    return "error" if "error" in kinds else "warning"


def _joined(texts: Iterable[object]) -> str:
    """Distinct texts in their order, joined with ``; ``."""
    return "; ".join(dict.fromkeys(str(text) for text in texts if text))


def _count(number: int, one: str, many: str) -> str:
    return f"{format_count(number)} {one if number == 1 else many}"


def protocol_table(entries: Sequence[Mapping]) -> pl.DataFrame:
    """The protocol as a table in German words and Berlin local times: a dxso protocol grouped
    (:func:`group_protocol`: Typ, Anzahl, Meldung, Datei, Kontext, Zeit), an EXTF job's
    validation details (entries without ``type``) one row each."""
    if entries and all("type" in entry for entry in entries):
        return _grouped_table(group_protocol(entries))
    return _protocol_table(entries)


#: DATEV's protocol entry fields (dxso ``protocol-entries``) and types, as the user reads them.
PROTOCOL_HEADERS = {
    "time": "Zeit",
    "type": "Typ",
    "text": "Meldung",
    "filename": "Datei",
    "context": "Kontext",
}
PROTOCOL_TYPES = {"error": "Fehler", "warning": "Warnung", "information": "Information"}


def _grouped_table(lines: list[ProtocolLine]) -> pl.DataFrame:
    """Grouped protocol lines: Typ, Anzahl, Meldung, Datei (or how many), Kontext, Zeit."""
    from workbench.german import format_datetime

    def when(line: ProtocolLine) -> str:
        first, last = (
            format_datetime(t, seconds=True) if t else "" for t in (line.first, line.last)
        )
        return first if first == last else f"{first} bis {last}"

    return pl.DataFrame(
        [
            {
                "Typ": PROTOCOL_TYPES.get(line.type, line.type),
                "Anzahl": line.entries,
                "Meldung": line.text,
                "Datei": line.filename
                or (f"{format_count(line.files)} Dateien" if line.files else ""),
                "Kontext": line.context or "",
                "Zeit": when(line),
            }
            for line in lines
        ],
        schema={
            name: pl.Int64 if name == "Anzahl" else pl.String
            for name in ("Typ", "Anzahl", "Meldung", "Datei", "Kontext", "Zeit")
        },
    )


def _protocol_table(entries: Sequence[Mapping]) -> pl.DataFrame:
    """DATEV's protocol with German headers and Berlin local times (DATEV writes UTC offsets);
    fields DATEV adds beyond these keep their own names."""
    from workbench.german import format_datetime

    rows = []
    for entry in entries:
        row = {PROTOCOL_HEADERS.get(key, key): value for key, value in entry.items()}
        if entry.get("time"):
            row["Zeit"] = format_datetime(str(entry["time"]), seconds=True)
        if entry.get("type"):
            row["Typ"] = PROTOCOL_TYPES.get(str(entry["type"]).lower(), entry["type"])
        rows.append(row)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    first = [name for name in PROTOCOL_HEADERS.values() if name in frame.columns]
    return frame.select(*first, *(name for name in frame.columns if name not in first))
