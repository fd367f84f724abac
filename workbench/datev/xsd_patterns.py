"""XSD patterns (XML Schema Part 2, Appendix F) as Rust regexes, for polars' ``str.contains``.

An XSD pattern matches the whole value, has no anchors (``^`` and ``$`` are ordinary
characters) and its own classes: ``\\s`` is exactly space, tab, newline and carriage return,
``\\d`` every Unicode digit, ``.`` anything but newline and carriage return. The translation
writes every literal character as ``\\x{..}``, so that no Rust syntax can apply to it, and
translates the escapes DATEV's XSDs use; ``\\d`` becomes ASCII digits, which is stricter (the
caller then treats a value as doubtful, never as valid). Everything else raises
:class:`UnsupportedSchema`.
"""

from __future__ import annotations

import functools
import re

__all__ = ["UnsupportedSchema", "rust_regex"]


class UnsupportedSchema(ValueError):
    """The XSD uses a construct the vectorised check does not implement."""


_SINGLE_ESCAPES = frozenset("nrt\\|.-^?*+{}()[]")
_WHITESPACE = r"\x{20}\x{9}\x{A}\x{D}"  # XSD's \s: exactly these four


def _char(c: str) -> str:
    """One literal character, escaped so that no Rust regex syntax can apply to it."""
    return f"\\x{{{ord(c):X}}}"


def _escape(esc: str, *, in_class: bool, negated: bool) -> str:
    """An XSD escape as Rust regex (inside a class: without brackets where possible)."""
    if esc == "d":  # XSD's \d is every Unicode digit: ASCII only is stricter, unless negated
        if negated:
            raise UnsupportedSchema(r"\d in a negated character class")
        return "0-9" if in_class else "[0-9]"
    if esc == "s":
        return _WHITESPACE if in_class else f"[{_WHITESPACE}]"
    if esc == "S":
        return f"[^{_WHITESPACE}]"
    if esc in _SINGLE_ESCAPES:
        return _char({"n": "\n", "r": "\r", "t": "\t"}.get(esc, esc))
    raise UnsupportedSchema(f"pattern escape \\{esc} is not supported")


@functools.cache
def rust_regex(pattern: str) -> str:
    """An XSD pattern (implicitly anchored, XSD syntax) as an anchored Rust regex."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            out.append(_escape(pattern[i + 1], in_class=False, negated=False))
            i += 2
        elif c == "[":
            text, i = _class(pattern, i)
            out.append(text)
        elif c == "{":
            end = pattern.index("}", i) + 1
            if not re.fullmatch(r"\{[0-9]+(,[0-9]*)?\}", pattern[i:end]):
                raise UnsupportedSchema(f"quantifier {pattern[i:end]}")
            out.append(pattern[i:end])
            i = end
        elif c == "(" and pattern[i + 1 : i + 2] == "?":
            raise UnsupportedSchema(f"pattern {pattern!r}: '(?' is not XSD")
        elif c in "()|?*+":
            out.append(c)
            i += 1
        elif c == ".":
            out.append(r"[^\x{A}\x{D}]")
            i += 1
        elif c in "]}":
            raise UnsupportedSchema(f"pattern {pattern!r}: unbalanced {c}")
        else:
            out.append(_char(c))
            i += 1
    return "^(?:" + "".join(out) + ")$"


def _class(pattern: str, start: int) -> tuple[str, int]:
    """The character class at ``pattern[start] == '['`` and the index after it."""
    i = start + 1
    negated = pattern[i] == "^"
    i += negated
    items: list[str] = []

    def atom(at: int) -> tuple[str, bool, int]:  # (text, is a single character, next index)
        if pattern[at] == "\\":
            esc = pattern[at + 1]
            return _escape(esc, in_class=True, negated=negated), esc in _SINGLE_ESCAPES, at + 2
        if pattern[at] == "[" or pattern[at : at + 2] == "-[":
            raise UnsupportedSchema(f"pattern {pattern!r}: class subtraction or nesting")
        return _char(pattern[at]), True, at + 1

    while pattern[i] != "]":
        text, single, i = atom(i)
        if single and pattern[i] == "-" and pattern[i + 1] != "]":
            if pattern[i + 1] == "[":
                raise UnsupportedSchema(f"pattern {pattern!r}: class subtraction")
            upper, upper_single, i = atom(i + 1)
            if not upper_single:
                raise UnsupportedSchema(f"pattern {pattern!r}: range to a class escape")
            text = f"{text}-{upper}"
        items.append(text)
    if not items:
        raise UnsupportedSchema(f"pattern {pattern!r}: empty class")
    return "[" + "^" * negated + "".join(items) + "]", i + 1
