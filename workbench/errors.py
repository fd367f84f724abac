"""The workbench's exception hierarchy.

Every error a user can see carries a German message that names what went wrong and where
(file, row, column, value) and says what to do. The tree::

    WorkbenchError
    ├── SourceError          a source file cannot be loaded at all (CLI exit code 3)
    ├── ProfileError         a column-mapping profile is unknown or malformed
    ├── ConfigError          settings are missing or contradictory
    ├── DatevFormatError     a value cannot be written in a DATEV format (field, value, reason)
    ├── DatevApiError        DATEV (or the sandbox) answered with an error
    ├── TransferError        a transfer cannot be started, resumed or finished
    ├── MailError            an e-mail could not be handed to the SMTP server
    ├── TalkError            a Mandantentalk question, answer or upload is not possible
    └── UsageError           a command or function was called with an invalid argument

Values that merely fail a check are *findings*, not exceptions: only what the user cannot fix
by editing data raises.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DatevApiError",
    "DatevFormatError",
    "MailError",
    "ProfileError",
    "SourceError",
    "TalkError",
    "TransferError",
    "UsageError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Base of all workbench errors; ``str(error)`` is the complete German message."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        control: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        #: The setting the user changes to fix it (``"profile"``, ``"kind"``): the CLI names its
        #: option, the app its field, so the message itself names neither.
        self.control = control


class SourceError(WorkbenchError):
    """A source file cannot be read: missing, unreadable, empty, wrong sheet, missing columns."""


class ProfileError(SourceError):
    """A column-mapping profile is unknown or malformed."""


class ConfigError(WorkbenchError):
    """Settings are missing or contradict each other."""


class DatevFormatError(WorkbenchError):
    """A value cannot be written in a DATEV format; names the DATEV field."""


class DatevApiError(WorkbenchError):
    """DATEV or the sandbox answered with an error; keeps status, DATEV code and request id."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        **where: object,
    ) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.status = status
        self.code = code
        self.request_id = request_id


class TransferError(WorkbenchError):
    """A transfer cannot be started, resumed or completed."""


class MailError(WorkbenchError):
    """An e-mail could not be sent: SMTP unreachable, TLS or login refused, recipient rejected."""


class TalkError(WorkbenchError):
    """A Mandantentalk action is not possible (unknown talk, closed talk, bad upload...)."""


class UsageError(WorkbenchError):
    """An argument is invalid (a client id, a month, a row count): names it and the right form."""
