"""typer's help page in German: the frame around the commands' own (German) texts.

typer draws "Usage:", "Options", "Show this message and exit." and "[default: …]" itself. The
panel titles and markers are module texts of ``typer.rich_utils``, read when a page is drawn;
the usage line and the ``--help`` option come from the command classes below, which every
command and group of the ``workbench`` app uses (:func:`command_group`, ``app.command``).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["GermanHelp", "command_group"]

#: ``typer.rich_utils`` texts → German.
_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "Argumente",
    "OPTIONS_PANEL_TITLE": "Optionen",
    "COMMANDS_PANEL_TITLE": "Befehle",
    "DEFAULT_STRING": "[Vorgabe: {}]",
    "REQUIRED_LONG_STRING": "[Pflicht]",
    "ENVVAR_STRING": "[Umgebungsvariable: {}]",
    "DEPRECATED_STRING": "(veraltet) ",
}
#: Placeholders of the usage line.
_USAGE_WORDS = {"[OPTIONS]": "[OPTIONEN]", "COMMAND [ARGS]...": "BEFEHL [ARGUMENTE]..."}


class GermanHelp:
    """Mixin for typer's command classes: "Aufruf:", "[OPTIONEN]", "Diese Hilfe zeigen."."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # imported with the first help page only: rich_utils is not needed to run a command
        from typer import rich_utils

        for name, text in _FRAME.items():
            setattr(rich_utils, name, text)
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        words = " ".join(_USAGE_WORDS.get(piece, piece) for piece in pieces)
        formatter.write_usage(ctx.command_path, words, prefix="Aufruf: ")

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Diese Hilfe zeigen."
        return option


class GermanCommand(GermanHelp, TyperCommand):
    """A command of the ``workbench`` app."""


class GermanGroup(GermanHelp, TyperGroup):
    """A group of commands (``workbench schedule``, ``workbench talk`` …)."""


class GermanTyper(typer.Typer):
    """A typer app whose commands have the German help (unless a command names its class)."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or GermanCommand, **kwargs)


def command_group(**options: Any) -> typer.Typer:
    """A group of commands under ``workbench`` (``app.add_typer(command_group(...), name=…)``)."""
    return GermanTyper(cls=GermanGroup, **options)
