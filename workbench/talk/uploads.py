"""Receipts the client uploads: type checked by content, size limited, stored under a random name.

A file is accepted when its first bytes say PDF or an image type DATEV takes as Belegbild
(JPEG, PNG, TIFF, GIF: the dxso/documents rule ``#DCO01215``), whatever its name claims; an
``.exe`` renamed ``.pdf`` is refused. The stored file name is random and chosen here, so nothing
the client sends (``../../etc/passwd.pdf``) decides where a file lands; the client's name is only
kept, cleaned, for display.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from workbench.datev.limits import MAX_ATTACHMENT_BYTES, megabytes
from workbench.errors import TalkError

__all__ = ["MAX_UPLOAD_BYTES", "StoredFile", "clean_name", "detect_type", "store_upload"]

#: DATEV's limit for one Belegbild (#DCO01016); an uploaded receipt becomes one.
MAX_UPLOAD_BYTES = MAX_ATTACHMENT_BYTES

#: Leading bytes -> (media type, suffix). PDF readers accept a header within the first KiB, but
#: DATEV's validators and ours want it at the start.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"II*\x00", "image/tiff", ".tif"),
    (b"MM\x00*", "image/tiff", ".tif"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)


@dataclass(frozen=True)
class StoredFile:
    """An accepted upload: where it is inside the store and what it is."""

    name: str
    stored: str
    content_type: str
    size: int
    sha256: str


def detect_type(head: bytes) -> tuple[str, str] | None:
    """(media type, suffix) from the file's first bytes, or None for anything else."""
    for signature, media_type, suffix in _SIGNATURES:
        if head.startswith(signature):
            return media_type, suffix
    return None


def clean_name(name: str, suffix: str) -> str:
    """A display name without folders, control characters or a misleading suffix.

    >>> clean_name("../../etc/passwd.pdf", ".pdf")
    'passwd.pdf'
    """
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    stem = re.sub(r"\s+", " ", Path(base).stem).strip(" .") or "Beleg"
    return f"{stem[:120]}{suffix}"


def store_upload(folder: Path, name: str, content: bytes) -> StoredFile:
    """Check ``content`` and write it under a random name inside ``folder``.

    Raises :class:`TalkError` (German, naming the file) for an empty, too large or
    unsupported file.
    """
    shown = clean_name(name, Path(name or "").suffix.lower()[:8])
    if not content:
        raise TalkError(f"Die Datei '{shown}' ist leer. Bitte wählen Sie den Beleg erneut aus.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise TalkError(
            f"Die Datei '{shown}' ist {megabytes(len(content))} MB groß; erlaubt sind höchstens "
            f"{megabytes(MAX_UPLOAD_BYTES)} MB. Bitte verkleinern Sie den Beleg (z. B. geringere "
            f"Auflösung)."
        )
    detected = detect_type(content[:16])
    if detected is None:
        raise TalkError(
            f"Die Datei '{shown}' ist weder ein PDF noch ein Bild (JPEG, PNG, TIFF, GIF). "
            f"Bitte laden Sie den Beleg in einem dieser Formate hoch."
        )
    media_type, suffix = detected
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}{suffix}"
    target = folder / stored
    # "x": never overwrite; the random name makes a clash practically impossible anyway.
    with open(target, "xb") as handle:
        handle.write(content)
    return StoredFile(
        name=clean_name(name, suffix),
        stored=stored,
        content_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
