"""Call settings as in STARFACE's "Telefonie-Integration für DATEV" (seed 000): which calls are
ignored, which are billed, and how durations are rounded. Each Kanzlei sets them in the
``[calls]`` table of its settings (:meth:`CallSettings.from_table`).

Seed 000's notes window ("Fenster für Gesprächsnotizen") is the app's call list: a note typed
there, or the call log's note, goes into the expense posting's comment, and a call assigned
there ("Adressat ändern", "Neues Gespräch") is billed to the chosen Mandant. Its two options
("automatisch öffnen", "nur wenn angenommen") steer a desktop pop-up during the call and have
no counterpart in a workbench that reads finished call logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from workbench.errors import ConfigError

__all__ = [
    "CallSettings",
    "ROUNDING_MINUTES",
]

#: Rounding policy -> billing unit in minutes; a started unit counts in full.
ROUNDING_MINUTES = {"minute": 1, "6min": 6, "10min": 10, "15min": 15}


@dataclass(frozen=True, slots=True)
class CallSettings:
    """Anrufeinstellungen: ignore inbound/outbound/internal calls, bill only identified and/or
    only answered calls (the options combine), and the rounding policy.

    >>> CallSettings(rounding="15min").billed_minutes(61)
    15
    """

    ignore_inbound: bool = False
    ignore_outbound: bool = False
    ignore_internal: bool = True
    only_identified: bool = False
    only_answered: bool = True
    rounding: str = "minute"

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> CallSettings:
        """Settings from a Kanzlei's ``[calls]`` table; unknown keys and non-booleans are errors.

        >>> CallSettings.from_table({"ignore_inbound": True}).ignored_directions
        ('inbound', 'internal')
        """
        known = {f.name for f in fields(cls)}
        for key, value in table.items():
            if key not in known:
                raise ConfigError(
                    f"Unbekannte Anrufeinstellung [calls] '{key}'. Erlaubt sind: "
                    f"{', '.join(sorted(known))}."
                )
            if key != "rounding" and not isinstance(value, bool):
                raise ConfigError(
                    f"Die Anrufeinstellung [calls] {key} = {value!r} muss true oder false sein."
                )
        return cls(**dict(table))

    def __post_init__(self) -> None:
        if self.rounding not in ROUNDING_MINUTES:
            raise ConfigError(
                f"Die Rundung '{self.rounding}' ist unbekannt. Erlaubt sind: "
                f"{', '.join(ROUNDING_MINUTES)}."
            )

    @property
    def unit_minutes(self) -> int:
        """Length of one billing unit in minutes."""
        return ROUNDING_MINUTES[self.rounding]

    @property
    def ignored_directions(self) -> tuple[str, ...]:
        """Directions whose calls are not handled at all."""
        flags = (
            ("inbound", self.ignore_inbound),
            ("outbound", self.ignore_outbound),
            ("internal", self.ignore_internal),
        )
        return tuple(direction for direction, ignored in flags if ignored)

    def billed_minutes(self, seconds: int) -> int:
        """Minutes billed for a call of ``seconds``: started units count in full."""
        unit = self.unit_minutes * 60
        return -(-max(seconds, 0) // unit) * self.unit_minutes
