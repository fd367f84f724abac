"""A period's DATEV files by e-mail (seed 003: "Die Datei wird Ihnen automatisch zugesandt"),
over the Kanzlei's SMTP server (:mod:`workbench.mail`, the Mandantentalk's settings).

An XML package is a folder: it travels as one ZIP, as DATEV Unternehmen online's upload
takes it; EXTF files travel as they are.
"""

from __future__ import annotations

import io
import mimetypes
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import ConfigError
from workbench.mail import compose, is_mail_address, send_messages, smtp_settings

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.operations.periods import Period

__all__ = ["mail_files"]


def _attachment(path: Path) -> tuple[bytes, str, str, str]:
    """Content, maintype, subtype and file name of one file or package folder."""
    if path.is_dir():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(path.rglob("*")):
                if member.is_file():
                    archive.write(member, member.relative_to(path).as_posix())
        return buffer.getvalue(), "application", "zip", f"{path.name}.zip"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    return path.read_bytes(), maintype, subtype, path.name


def mail_files(
    settings: Settings, *, to: str, job: str, client: str, period: Period, files: Sequence[Path]
) -> str:
    """Send ``files`` in one e-mail to ``to``; returns the address they went to."""
    if not is_mail_address(to):
        raise ConfigError(
            f"Der Zeitplan {job} soll per E-Mail liefern, hat aber keine gültige "
            f"Empfängeradresse ('{to}'): legen Sie ihn mit --mail-to ADRESSE an."
        )
    smtp = smtp_settings(settings)
    names = ", ".join(Path(path).name for path in files)
    message = compose(
        smtp,
        to=to,
        subject=f"DATEV-Datei {client} {period.label}",
        text=(
            f"Guten Tag,\n\nanbei die DATEV-Datei(en) für Mandant {client}, Zeitraum "
            f"{period.label} (Zeitplan {job}): {names}.\n\nDie Datei(en) können Sie in DATEV "
            f"über den Import von Buchungsstapeln (EXTF) bzw. Belegen einlesen.\n"
        ),
    )
    for path in files:
        content, maintype, subtype, name = _attachment(Path(path))
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    send_messages(smtp, [message])
    return to
