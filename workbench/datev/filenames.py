"""File names as DATEV's XML interface accepts them (FACTS §3, dxso-jobs rules).

Names are precomposed UTF-8 (NFC); allowed are space, ``&()+-._``, ``0-9``, ``A-Z``, ``a-z``
and ``À``–``ÿ``; anything else becomes ``_``. The same set keeps ``File@name`` in document.xml
inside ISO-8859-1, as the XSD documentation demands.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from workbench.datev.limits import MAX_FILE_NAME_LENGTH as MAX_NAME_LENGTH

__all__ = ["MAX_NAME_LENGTH", "UniqueNames", "safe_filename", "safe_filenames"]

_FORBIDDEN = re.compile(r"[^ &()+\-._0-9A-Za-z\u00c0-\u00ff]")


def safe_filename(name: str) -> str:
    """DATEV-safe version of ``name``.

    ``safe_filename("Rechnung #12/ä.pdf") == "Rechnung _12_ä.pdf"``.
    """
    text = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", name)).strip(" ")
    if not text or set(text) <= {"."}:
        text = "_"
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH]
    return text


def safe_filenames(names: pl.Series) -> pl.Series:
    """``safe_filename`` for a whole column (vectorised; rare edge cases go through Python)."""
    out = (
        names.cast(pl.String)
        .str.normalize("NFC")
        .str.replace_all(_FORBIDDEN.pattern, "_")
        .str.strip_chars(" ")
    )
    odd = (out.str.len_chars() > MAX_NAME_LENGTH) | out.str.contains(r"^\.*$") | out.is_null()
    if odd.any():
        fixed = [
            safe_filename(str(n)) if bad else o for n, o, bad in zip(names, out, odd, strict=True)
        ]
        out = pl.Series(names.name, fixed, dtype=pl.String)
    return out


class UniqueNames:
    """Hands out safe names that are unique within one package (case-insensitive).

    ``names = UniqueNames(); names.take("a.pdf"), names.take("A.pdf")``
    gives ``a.pdf``, ``A_2.pdf``.
    """

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}  # next suffix per base name: keeps many duplicates linear

    def take(self, name: str, *, safe: bool = False) -> str:
        """A unique safe name; ``safe=True`` skips sanitising an already safe name."""
        candidate = name if safe else safe_filename(name)
        base = candidate.casefold()
        if base not in self._used:
            self._used.add(base)
            return candidate
        stem, dot, ext = candidate.rpartition(".")
        if not dot:
            stem, ext = candidate, ""
        number = self._next.get(base, 1)
        while candidate.casefold() in self._used:
            number += 1
            suffix = f"_{number}" + (f".{ext}" if dot else "")
            candidate = stem[: MAX_NAME_LENGTH - len(suffix)] + suffix
        self._next[base] = number
        self._used.add(candidate.casefold())
        return candidate
