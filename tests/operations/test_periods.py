"""Report periods and when they are due (Tagesabschluss, weeks cut at month ends, DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from workbench.errors import ConfigError
from workbench.operations.periods import (
    BERLIN,
    business_day,
    due_at,
    due_periods,
    parse_period_key,
    period_of,
    periods_between,
)


@pytest.mark.parametrize(
    ("day", "frequency", "key", "label"),
    [
        (date(2026, 1, 5), "daily", "2026-01-05", "05.01.2026"),
        (date(2026, 1, 29), "weekly", "2026-01-26/2026-01-31", "26.01.–31.01.2026"),
        (date(2026, 2, 1), "weekly", "2026-02-01/2026-02-01", "01.02.–01.02.2026"),
        (date(2026, 2, 2), "weekly", "2026-02-02/2026-02-08", "02.02.–08.02.2026"),
        (date(2026, 2, 14), "monthly", "2026-02", "Februar 2026"),
        (date(2024, 2, 29), "monthly", "2024-02", "Februar 2024"),
    ],
)
def test_period_of(day, frequency, key, label):
    period = period_of(day, frequency)
    assert (period.key, period.label) == (key, label)
    assert period.start <= day <= period.end
    assert period.start.month == period.end.month  # never crosses a booking month
    assert parse_period_key(key, frequency) == period


def test_a_days_file_is_due_at_the_next_day_close_in_berlin_time():
    assert due_at(period_of(date(2026, 1, 5), "daily"), time(4)) == datetime(
        2026, 1, 6, 4, 0, tzinfo=BERLIN
    )
    # 29 March 2026: clocks go forward at 02:00; 04:00 is still 04:00 local (02:00 UTC).
    summer = due_at(period_of(date(2026, 3, 28), "daily"), time(4))
    assert summer.utcoffset().total_seconds() == 7200
    assert due_at(period_of(date(2026, 1, 15), "monthly"), time(4)) == datetime(
        2026, 2, 1, 4, tzinfo=BERLIN
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 1, 6, 3, 59, tzinfo=BERLIN), date(2026, 1, 5)),  # before the day close
        (datetime(2026, 1, 6, 4, 0, tzinfo=BERLIN), date(2026, 1, 6)),
        (datetime(2026, 1, 6, 2, 30, tzinfo=UTC), date(2026, 1, 5)),  # 03:30 in Berlin
    ],
)
def test_business_day_follows_the_day_close(now, expected):
    assert business_day(now, time(4)) == expected


def test_due_periods_are_every_period_whose_close_has_passed_oldest_first():
    now = datetime(2026, 1, 8, 4, 0, tzinfo=BERLIN)
    due = [p.key for p in due_periods("daily", date(2026, 1, 5), now=now, close=time(4))]
    assert due == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert list(due_periods("daily", date(2026, 1, 8), now=now, close=time(4))) == []
    weekly = due_periods(
        "weekly", date(2026, 1, 26), now=datetime(2026, 2, 9, 6, tzinfo=BERLIN), close=time(4)
    )
    assert [p.key for p in weekly] == [
        "2026-01-26/2026-01-31",
        "2026-02-01/2026-02-01",
        "2026-02-02/2026-02-08",
    ]


def test_periods_between_months_for_the_backfill():
    periods = periods_between("2025-11", "2026-02")
    assert [p.key for p in periods] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    with pytest.raises(ConfigError, match="liegt vor"):
        periods_between("2026-02", "2025-11")
    with pytest.raises(ConfigError, match="JJJJ-MM"):
        periods_between("2026-13", "2026-12")


def test_unknown_frequency_is_one_german_line():
    with pytest.raises(ConfigError, match="täglich"):
        period_of(date(2026, 1, 1), "hourly")
