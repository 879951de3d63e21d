"""Business days per country, from the `holidays` package's own working-day rules.

Those rules know each country's weekend, its public holidays and its transferred working days (a
Saturday worked in exchange for a bridge day off). Where the package has them, the "de facto" days
off count too: Sweden's Midsummer Eve, Christmas Eve and New Year's Eve are not official holidays,
yet nearly every workplace is closed, so no step may fall due on them.
"""

from __future__ import annotations

import datetime
import threading
from functools import lru_cache

import holidays
from holidays import HolidayBase

# A calendar fills in each year on first use, mutating itself; one lock keeps a half-filled year
# from being read by another thread. Lookups are dict reads, so the lock is never held for long.
_lock = threading.Lock()


@lru_cache(maxsize=256)
def _calendar(country: str) -> HolidayBase:
    # Built once per country for the process: due dates ask about the same few countries again and again.
    supported = holidays.country_holidays(country, years=[]).supported_categories
    categories = tuple(c for c in (holidays.PUBLIC, holidays.DE_FACTO) if c in supported) or (holidays.PUBLIC,)
    return holidays.country_holidays(country, categories=categories)


# Answers are pure functions of (day, n, country): a reorganisation starts thousands of checklists
# over the same few dates, so each answer is computed once per process.
_answers = lru_cache(maxsize=65536)


@_answers
def is_business_day(day: datetime.date, country: str) -> bool:
    """A working day of the country: not a weekend day (unless worked in lieu) nor a holiday."""
    calendar = _calendar(country)
    with _lock:
        return calendar.is_working_day(day)


@_answers
def next_business_day(day: datetime.date, country: str) -> datetime.date:
    """`day` itself when it is a business day, else the first business day after it."""
    calendar = _calendar(country)
    with _lock:
        return calendar.get_nth_working_day(day, 0)


@_answers
def add_business_days(day: datetime.date, n: int, country: str) -> datetime.date:
    """Move n business days from `day` (backwards for negative n).

    n == 0 returns `day` itself when it is a business day, else the previous business day: a due
    date anchored "on" a holiday falls before it, since work due on the last working day must be
    done while people are still there.
    """
    calendar = _calendar(country)
    with _lock:
        if n == 0 and not calendar.is_working_day(day):
            # The package's n == 0 looks forward; ours looks back (see above).
            return calendar.get_nth_working_day(day, -1)
        return calendar.get_nth_working_day(day, n)


def business_days_between(start: datetime.date, end: datetime.date, country: str) -> int:
    """Business days after `start` up to and including `end` (negative when end is earlier)."""
    if end == start:
        return 0
    low, high = sorted((start, end))
    calendar = _calendar(country)
    with _lock:
        count = calendar.get_working_days_count(low + datetime.timedelta(days=1), high)
    return count if end > start else -count
