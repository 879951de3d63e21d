"""Business days per country: weekends and public holidays from the `holidays` package.

Public holidays plus, where the package knows them, the "de facto" days off (Sweden's Midsummer
Eve, Christmas Eve and New Year's Eve are not official holidays, yet nearly every workplace is
closed, so no step may fall due on them).

Holiday sets are built once per (country, year) and cached for the process: building one walks
the country's rules, and due-date computation asks for the same few countries again and again.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

# Saturday and Sunday; the holidays package also knows countries with other weekends, see below.
_DEFAULT_WEEKEND = frozenset({5, 6})


@lru_cache(maxsize=512)
def _holiday_dates(country: str, year: int) -> frozenset[datetime.date]:
    supported = getattr(holidays.country_holidays(country, years=[]), "supported_categories", ())
    categories = tuple(c for c in (holidays.PUBLIC, holidays.DE_FACTO) if c in supported) or (holidays.PUBLIC,)
    calendar = holidays.country_holidays(country, years=year, categories=categories)
    return frozenset(calendar.keys())


@lru_cache(maxsize=256)
def _weekend(country: str) -> frozenset[int]:
    # Each country class declares its weekend (e.g. Friday-Saturday in some countries).
    weekend = getattr(holidays.country_holidays(country, years=[]), "weekend", None)
    return frozenset(weekend) if weekend else _DEFAULT_WEEKEND


def holidays_between(start: datetime.date, end: datetime.date, country: str) -> set[datetime.date]:
    """Public holidays of the country from start to end, both inclusive."""
    found: set[datetime.date] = set()
    for year in range(start.year, end.year + 1):
        found |= {d for d in _holiday_dates(country, year) if start <= d <= end}
    return found


def is_business_day(day: datetime.date, country: str) -> bool:
    """Neither a weekend day nor a public holiday of the country."""
    if day.weekday() in _weekend(country):
        return False
    return day not in _holiday_dates(country, day.year)


def add_business_days(day: datetime.date, n: int, country: str) -> datetime.date:
    """Move n business days from `day` (backwards for negative n).

    n == 0 returns `day` itself when it is a business day, else the previous business day: a due
    date anchored "on" a holiday falls before it, since work due on the last working day must be
    done while people are still there.
    """
    step = 1 if n > 0 else -1
    current = day
    if n == 0:
        while not is_business_day(current, country):
            current -= datetime.timedelta(days=1)
        return current
    remaining = abs(n)
    while remaining:
        current += datetime.timedelta(days=step)
        if is_business_day(current, country):
            remaining -= 1
    return current


def business_days_between(start: datetime.date, end: datetime.date, country: str) -> int:
    """Business days after `start` up to and including `end` (negative when end is earlier)."""
    if end == start:
        return 0
    sign = 1 if end > start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    count = 0
    current = low + datetime.timedelta(days=1)
    while current <= high:
        if is_business_day(current, country):
            count += 1
        current += datetime.timedelta(days=1)
    return sign * count
