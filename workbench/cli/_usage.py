"""Usage errors as one German line (ARCHITECTURE §4.1: exit code 3, no English usage box).

Typer (0.29) parses the command line with its own copy of click (``typer._click``), whose
exceptions say in their type what went wrong (an unknown option, a missing argument, a bad
value) and carry the parameter; the values they complain about are taken from the command line
itself, so no English sentence has to be parsed apart from the two kinds of error that have no
type of their own (an unknown command, surplus arguments).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Any

# The only place that reaches into Typer's vendored click: its exception types are the contract.
from typer._click import exceptions as click_errors

__all__ = ["ClickError", "GermanBadParameter", "NoArgsIsHelpError", "german_usage_error"]

ClickError = click_errors.ClickException
NoArgsIsHelpError = click_errors.NoArgsIsHelpError


class GermanBadParameter(click_errors.BadParameter):
    """A bad value whose message is already German (raised by the workbench's own callbacks)."""


def german_usage_error(error: click_errors.ClickException, argv: Sequence[str]) -> str:
    """One German sentence for ``error``, ending with where to find help."""
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "workbench"
    return f"{_sentence(error, list(argv))} Hilfe: {command} --help"


def _sentence(error: click_errors.ClickException, argv: list[str]) -> str:
    if isinstance(error, click_errors.NoSuchOption):
        return f"Unbekannte Option {error.option_name}{_close(error.possibilities)}."
    if isinstance(error, click_errors.MissingParameter):
        kind = "die Option" if _is_option(error.param) else "das Argument"
        return f"Es fehlt {kind} {_name(error.param)}."
    if isinstance(error, GermanBadParameter):
        return f"{_name(error.param)}: {error.message}"
    if isinstance(error, click_errors.BadParameter):
        given = _given(error, argv)
        return f"Ungültiger Wert für {_name(error.param)}: {_reason(error, given)}."
    if isinstance(error, click_errors.BadOptionUsage):
        return f"Die Option {error.option_name} braucht einen Wert."
    unknown = re.match(r"No such command '(.*)'", error.message)
    if unknown:
        return f"Unbekannter Befehl '{unknown[1]}'."
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", error.message)
    if extra:
        return f"Überzähliges Argument: {extra[1]}."
    if isinstance(error, click_errors.FileError):
        return f"Die Datei {error.ui_filename} kann nicht geöffnet werden: {error.message}."
    return f"Ungültiger Aufruf ({error.message})."


def _close(possibilities: Any) -> str:
    names = ", ".join(possibilities or ())
    return f" (meinten Sie {names}?)" if names else ""


def _is_option(param: Any) -> bool:
    return bool(getattr(param, "opts", None)) and str(param.opts[0]).startswith("-")


def _name(param: Any) -> str:
    if param is None:
        return "einen Parameter"
    if _is_option(param):
        return max(param.opts, key=len)
    return str(param.name or "").upper()


def _given(error: click_errors.BadParameter, argv: list[str]) -> str:
    """The value the user typed: after the option on the command line, or quoted in the
    message (a positional argument)."""
    param = error.param
    if param is not None and _is_option(param):
        for index, token in enumerate(argv):
            for opt in param.opts:
                if token == opt and index + 1 < len(argv):
                    return argv[index + 1]
                if token.startswith(f"{opt}="):
                    return token.split("=", 1)[1]
    quoted = re.search(r"'(.*?)'", error.message)
    return quoted[1] if quoted else ""


def _reason(error: click_errors.BadParameter, given: str) -> str:
    param = error.param
    choices = _choices(param)
    if choices:
        return f"'{given}' ist nicht erlaubt; erlaubt sind {', '.join(choices)}"
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if (low is not None or high is not None) and re.fullmatch(r"[+-]?\d+", given.strip()):
        if high is None:
            return f"'{given}' ist zu klein (mindestens {low})"
        if low is None:
            return f"'{given}' ist zu groß (höchstens {high})"
        return f"'{given}' liegt nicht zwischen {low} und {high}"
    if "integer" in error.message:
        return f"'{given}' ist keine ganze Zahl"
    if "number" in error.message or "float" in error.message:
        return f"'{given}' ist keine Zahl"
    return f"'{given}' ist ungültig"


def _choices(param: Any) -> list[str]:
    descriptor = getattr(param, "type_descriptor", None)
    choices = getattr(descriptor, "choices", None) or ()
    return [str(c.value) if isinstance(c, enum.Enum) else str(c) for c in choices]
