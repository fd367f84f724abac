"""The bytes of a source file, read safely whatever the path points to.

Regular files are read as asked. Pipes and devices are streams: a pipe nobody writes to must not
hang the workbench, ``/dev/zero`` must not be read until memory runs out, so a stream is judged on
its first chunk (binary data is rejected at once), waits at most :data:`PIPE_WAIT` seconds for a
writer and is read up to :data:`MAX_STREAM_BYTES`.
"""

from __future__ import annotations

import os
import select
import stat
from pathlib import Path

from workbench.errors import SourceError

__all__ = ["MAX_STREAM_BYTES", "PIPE_WAIT", "looks_binary", "read_bytes"]

#: Seconds a named pipe may stay without a writer before loading gives up.
PIPE_WAIT = 30.0
#: A pipe or device is read into memory: at most this much (a file on disk has no such limit).
MAX_STREAM_BYTES = 1 << 30

_CHUNK = 1 << 20


def looks_binary(head: bytes) -> bool:
    """True for bytes no text export starts with: a run of NUL bytes (UTF-16 text never has
    more than two in a row) or many control characters (random or compressed data)."""
    sample = head[:8192]
    if b"\x00" * 16 in sample:
        return True
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in (0, 9, 10, 13))
    return bool(sample) and controls > len(sample) // 20


def read_bytes(path: Path, limit: int = -1) -> bytes:
    """The file's bytes (the first ``limit`` only, if given), or a :class:`SourceError` that
    says why not."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if stat.S_ISREG(mode):
            with path.open("rb") as file:
                return file.read(limit)
        return _read_stream(path, mode, limit)
    except FileNotFoundError:
        raise SourceError(
            f"Die Datei {path} wurde nicht gefunden. Prüfen Sie Pfad und Dateinamen.",
            file=path.name,
        ) from None
    except IsADirectoryError:
        raise SourceError(
            f"{path} ist ein Ordner, keine Datei. Geben Sie die Dateien darin an.", file=path.name
        ) from None
    except OSError as error:
        raise SourceError(
            f"Die Datei {path.name} kann nicht gelesen werden: {error.strerror}.", file=path.name
        ) from error


def _read_stream(path: Path, mode: int, limit: int) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if stat.S_ISFIFO(mode) and not _wait_for_writer(fd):
            raise SourceError(
                f"{path.name} ist eine Pipe (FIFO), in die innerhalb von {PIPE_WAIT:.0f} Sekunden "
                f"niemand geschrieben hat. Starten Sie zuerst das Programm, das die Daten liefert, "
                f"oder geben Sie eine Datei an.",
                file=path.name,
            )
        os.set_blocking(fd, True)
        wanted = limit if limit >= 0 else MAX_STREAM_BYTES + 1
        chunks: list[bytes] = []
        total = 0
        while total < wanted:
            chunk = os.read(fd, min(_CHUNK, wanted - total))
            if not chunk:
                break
            if not chunks and looks_binary(chunk):
                raise SourceError(
                    f"{path.name} liefert Binärdaten und keinen Text (CSV oder JSON). Prüfen "
                    f"Sie, ob die richtige Datei gewählt wurde.",
                    file=path.name,
                )
            chunks.append(chunk)
            total += len(chunk)
        if limit < 0 and total > MAX_STREAM_BYTES:
            raise SourceError(
                f"{path.name} ist keine Datei, sondern ein Datenstrom mit mehr als "
                f"{MAX_STREAM_BYTES // (1 << 20)} MiB. Speichern Sie die Daten zuerst in einer "
                f"Datei und laden Sie diese.",
                file=path.name,
            )
        return b"".join(chunks)
    finally:
        os.close(fd)


def _wait_for_writer(fd: int) -> bool:
    """Whether data (or the end of it) arrives within :data:`PIPE_WAIT` seconds. Opened without
    blocking, a pipe without a writer reports nothing at all, so the wait ends by the clock."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    return bool(poller.poll(PIPE_WAIT * 1000))
