"""``workbench status --protocol``: DATEV's protocol of a transfer as a bookkeeper reads it
(grouped by :mod:`workbench.transfer.protocol`), in German words and Berlin local times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.cli._app import _out, _print_frame

if TYPE_CHECKING:
    import polars as pl

    from workbench.transfer.protocol import ProtocolLine

__all__ = ["print_protocol"]


#: DATEV's protocol entry fields (dxso ``protocol-entries``) and types, as the user reads them.
PROTOCOL_HEADERS = {
    "time": "Zeit",
    "type": "Typ",
    "text": "Meldung",
    "filename": "Datei",
    "context": "Kontext",
}
PROTOCOL_TYPES = {"error": "Fehler", "warning": "Warnung", "information": "Information"}


def print_protocol(identifier: str, entries: list[dict]) -> None:
    """dxso protocols grouped (confirmations counted, one line per file with a problem, none
    cut); an EXTF job's validation details as they are."""
    if not entries:
        return
    if not all("type" in entry for entry in entries):
        _print_frame(_protocol_table(entries), title=f"Protokoll {identifier}", limit=len(entries))
        return
    from workbench.german import format_count
    from workbench.transfer.protocol import group_protocol, protocol_headline

    lines = _grouped_table(group_protocol(entries))
    _out.print(
        f"Protokoll {identifier}: {format_count(len(entries))} Einträge. "
        f"{protocol_headline(entries)}",
        highlight=False,
    )
    _print_frame(lines, title=f"Protokoll {identifier}", limit=lines.height)


def _grouped_table(lines: list[ProtocolLine]) -> pl.DataFrame:
    """Grouped protocol lines: Typ, Anzahl, Meldung, Datei (or how many), Kontext, Zeit."""
    import polars as pl

    from workbench.german import format_count, format_datetime

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


def _protocol_table(entries: list[dict]) -> pl.DataFrame:
    """DATEV's protocol with German headers and Berlin local times (DATEV writes UTC offsets);
    fields DATEV adds beyond these keep their own names."""
    import polars as pl

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
