"""``workbench status --protocol``: DATEV's protocol of a transfer as a bookkeeper reads it
(grouped by :mod:`workbench.transfer.protocol`), in German words and Berlin local times."""

from __future__ import annotations

from workbench.cli._app import _out, _print_frame

__all__ = ["print_protocol"]


def print_protocol(identifier: str, entries: list[dict]) -> None:
    """dxso protocols grouped (confirmations counted, one line per file with a problem, none
    cut); an EXTF job's validation details as they are."""
    if not entries:
        return
    from workbench.transfer.protocol import protocol_headline, protocol_table

    table = protocol_table(entries)
    if all("type" in entry for entry in entries):
        from workbench.german import format_count

        _out.print(
            f"Protokoll {identifier}: {format_count(len(entries))} Einträge. "
            f"{protocol_headline(entries)}",
            highlight=False,
        )
    _print_frame(table, title=f"Protokoll {identifier}", limit=table.height)
