"""Detect and decode the text encoding of a source file.

German exports arrive as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
Windows-1252 (older Windows tools, DATEV's own default). The order of the checks matters:
a BOM is certain, NUL bytes mean UTF-16 without BOM, strict UTF-8 rarely decodes text that was
not meant as UTF-8, and Windows-1252 is the German fallback.

A statistical detector (charset-normalizer) was measured against these rules and not adopted: it
names German Windows-1252 exports "cp1250" (other characters for some bytes) and took 400 ms on
the 48 KB sample ``receipts_juston_expense.csv`` where these rules take under 1 ms.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["Decoded", "decode_text", "detect_encoding"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Bytes that Windows-1252 leaves undefined; a file containing them is decoded as Latin-1.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text plus what was detected: the codec and whether a BOM was present."""

    text: str
    encoding: str
    bom: bool

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")


def detect_encoding(data: bytes, *, assume_utf8: bool = False) -> tuple[str, int]:
    """Return ``(codec, bom_length)`` for ``data``.

    With ``assume_utf8`` only the first 64 KiB are checked for UTF-8 (cut at a character
    boundary); the caller must then handle invalid UTF-8 further on (the CSV reader lets polars
    validate the rest, which is much faster than decoding in Python).

    >>> detect_encoding("Müller".encode("cp1252"))
    ('cp1252', 0)
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # utf-8-sig strips its BOM itself; the UTF-16 codecs need it skipped.
            return codec, 0 if codec == "utf-8-sig" else len(bom)
    sample = data[:4096]
    if sample and sample.count(0) > len(sample) // 4:
        # ASCII text in UTF-16 has a NUL in every other byte; its position gives the byte order.
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        return ("utf-16-be" if even_nuls > odd_nuls else "utf-16-le"), 0
    probe = data
    if assume_utf8 and len(data) > 65536:
        probe = data[:65536]
        while probe and (probe[-1] & 0xC0) == 0x80:  # don't cut a multi-byte character
            probe = probe[:-1]
        probe = probe[:-1] if probe and probe[-1] >= 0xC0 else probe
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError:
        if _CP1252_UNDEFINED.intersection(data):
            return "latin-1", 0
        return "cp1252", 0
    return "utf-8", 0


def decode_text(data: bytes) -> Decoded:
    """Decode ``data`` with the detected encoding; never fails for the fallback codecs.

    >>> decode_text(b"\\xef\\xbb\\xbfStra\\xc3\\x9fe").text
    'Straße'
    """
    codec, skip = detect_encoding(data)
    bom = skip > 0 or codec == "utf-8-sig"
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError:
        # Broken UTF-16 (odd length, lone surrogates): keep every character we can.
        text = data[skip:].decode(codec, errors="replace")
    return Decoded(text=text, encoding=codec, bom=bom)
