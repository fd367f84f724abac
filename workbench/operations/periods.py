"""Report periods of unattended runs and when each one is due (seed 003).

Omniboost's "Bericht ausführen bis" makes a file per day, week or month, and the
"Tagesabschluss" says when it is generated: sales before the day close still belong to the
previous business day, so a day's file is due at the day close of the next morning. Weeks run
Monday to Sunday and are cut at month ends, like the POS mapping's weekly periods
(:func:`workbench.mapping.pos.split_periods`), so that no file crosses a booking period.
All times are Europe/Berlin, DATEV's and the tax office's clock.

>>> day = period_of(date(2026, 1, 5), "daily")
>>> day.key, due_at(day, time(4, 0)).isoformat()
('2026-01-05', '2026-01-06T04:00:00+01:00')
>>> period_of(date(2026, 1, 29), "weekly").key
'2026-01-26/2026-01-31'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workbench.errors import ConfigError

__all__ = [
    "BERLIN",
    "FREQUENCIES",
    "Period",
    "business_day",
    "due_at",
    "due_periods",
    "month_start",
    "parse_period_key",
    "period_of",
    "periods_between",
]

BERLIN = ZoneInfo("Europe/Berlin")
FREQUENCIES = ("daily", "weekly", "monthly")
_MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    """One report period: ``start`` to ``end`` (both included), never crossing a month end."""

    start: date
    end: date
    frequency: str

    @property
    def key(self) -> str:
        """Stable name in the ledger: ``2026-01-05``, ``2026-01-26/2026-01-31``, ``2026-01``."""
        if self.frequency == "daily":
            return self.start.isoformat()
        if self.frequency == "monthly":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def month(self) -> str:
        """The booking month (Buchungsmonat, ``YYYY-MM``) the whole period lies in."""
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        """German name for people: ``05.01.2026``, ``26.01.–31.01.2026``, ``Januar 2026``."""
        if self.frequency == "daily":
            return f"{self.start:%d.%m.%Y}"
        if self.frequency == "monthly":
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        return f"{self.start:%d.%m.}–{self.end:%d.%m.%Y}"

    def following(self) -> Period:
        return period_of(self.end + timedelta(days=1), self.frequency)


def _frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise ConfigError(
            f"Unbekannter Rhythmus '{frequency}': erlaubt sind daily (täglich), weekly "
            f"(wöchentlich) und monthly (monatlich)."
        )
    return frequency


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_of(day: date, frequency: str) -> Period:
    """The period of ``frequency`` that contains the business day ``day``."""
    _frequency(frequency)
    if frequency == "daily":
        return Period(day, day, frequency)
    first = day.replace(day=1)
    if frequency == "monthly":
        return Period(first, _month_end(day), frequency)
    monday = day - timedelta(days=day.weekday())
    return Period(max(monday, first), min(monday + timedelta(days=6), _month_end(day)), frequency)


def due_at(period: Period, close: time) -> datetime:
    """When ``period``'s file is generated: the day close after its last business day."""
    return datetime.combine(period.end + timedelta(days=1), close, tzinfo=BERLIN)


def business_day(now: datetime, close: time) -> date:
    """The business day ``now`` belongs to: before the day close it is still yesterday's."""
    local = now.astimezone(BERLIN)
    return local.date() - timedelta(days=1) if local.time() < close else local.date()


def due_periods(frequency: str, first: date, *, now: datetime, close: time) -> Iterator[Period]:
    """Every period from the one containing ``first`` whose file is due at ``now``, oldest
    first."""
    period = period_of(first, frequency)
    while due_at(period, close) <= now:
        yield period
        period = period.following()


def month_start(text: str, *, option: str = "--from") -> date:
    """``YYYY-MM`` as the first day of that month, or a German usage error."""
    match = _MONTH.match(text.strip())
    if not match:
        raise ConfigError(f"{option} '{text}' ist kein Monat der Form JJJJ-MM (z. B. 2026-01).")
    return date(int(match[1]), int(match[2]), 1)


def periods_between(first: str, last: str, frequency: str = "monthly") -> list[Period]:
    """The periods of ``frequency`` from month ``first`` to month ``last`` (``YYYY-MM``),
    oldest first (backfill)."""
    start, end = month_start(first, option="--from"), month_start(last, option="--to")
    if end < start:
        raise ConfigError(f"--to {last} liegt vor --from {first}.")
    periods, period = [], period_of(start, frequency)
    while period.start <= _month_end(end):
        periods.append(period)
        period = period.following()
    return periods


def parse_period_key(key: str, frequency: str) -> Period:
    """The :class:`Period` a ledger key names (inverse of :attr:`Period.key`)."""
    if frequency == "monthly":
        return period_of(month_start(key, option="Zeitraum"), frequency)
    try:
        return period_of(date.fromisoformat(key.split("/")[0]), frequency)
    except ValueError:
        raise ConfigError(f"Der Zeitraum '{key}' ist ungültig.") from None
