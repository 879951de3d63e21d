"""Free meeting slots for an exit interview: inside both people's working hours, in their own time zones,
on business days of their own countries, in the window near the end of the notice, avoiding the
interviewer's other interviews.

Working hours are local wall-clock times, so each day is converted on its own: a daylight-saving
change between two days moves the UTC overlap, and zoneinfo does that conversion for us.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from core import roles
from workflows.business_time import is_business_day
from workflows.outbox.timing import DEFAULT_COUNTRY, DEFAULT_WORK_ENDS, DEFAULT_WORK_STARTS

UTC = datetime.UTC
STEP = datetime.timedelta(minutes=30)


def default_duration() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "INTERVIEW_DURATION_MINUTES", 60))


def window_days() -> int:
    return getattr(settings, "INTERVIEW_WINDOW_DAYS", 14)


@dataclass(frozen=True)
class WorkingHours:
    time_zone: str
    starts: datetime.time
    ends: datetime.time
    country: str

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def interval_on(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The working interval of this local day in UTC, or None on a day off."""
        if not is_business_day(day, self.country):
            return None
        start = datetime.datetime.combine(day, self.starts, tzinfo=self.tzinfo).astimezone(UTC)
        end = datetime.datetime.combine(day, self.ends, tzinfo=self.tzinfo).astimezone(UTC)
        return (start, end) if end > start else None

    def local(self, moment: datetime.datetime) -> datetime.datetime:
        return moment.astimezone(self.tzinfo)


def hours_of_employee(employee) -> WorkingHours:
    return WorkingHours(employee.time_zone, employee.work_starts, employee.work_ends, employee.country)


def hours_of_user(user) -> WorkingHours:
    employee = roles.employee_of(user)
    if employee is None:
        # No employee record: the one default for such people (workflows.outbox.timing).
        return WorkingHours(settings.TIME_ZONE, DEFAULT_WORK_STARTS, DEFAULT_WORK_ENDS, DEFAULT_COUNTRY)
    return hours_of_employee(employee)


def default_window(*, departure, now: datetime.datetime | None = None) -> tuple[datetime.date, datetime.date]:
    """The last two weeks of the notice (configurable), never the last day, never before tomorrow;
    dates are the employee's local dates, both inclusive. An empty window has first > last."""
    now = now or timezone.now()
    tomorrow = now.astimezone(departure.employee.tzinfo).date() + datetime.timedelta(days=1)
    last = departure.last_working_day - datetime.timedelta(days=1)
    first = max(tomorrow, departure.last_working_day - datetime.timedelta(days=window_days()))
    return first, last


def _subtract(free: list[tuple], busy: tuple) -> list[tuple]:
    out = []
    b_start, b_end = busy
    for start, end in free:
        if b_end <= start or b_start >= end:
            out.append((start, end))
            continue
        if start < b_start:
            out.append((start, b_start))
        if b_end < end:
            out.append((b_end, end))
    return out


def free_slots(
    *,
    employee_hours: WorkingHours,
    interviewer_hours: WorkingHours,
    first: datetime.date,
    last: datetime.date,
    busy: list[tuple[datetime.datetime, datetime.datetime]] = (),
    duration: datetime.timedelta | None = None,
    now: datetime.datetime | None = None,
    limit: int | None = None,
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Slots of `duration` on a half-hour grid from each overlap's start, earliest first, in UTC."""
    duration = duration or default_duration()
    now = now or timezone.now()
    slots: list[tuple[datetime.datetime, datetime.datetime]] = []
    day = first
    while day <= last:
        mine = employee_hours.interval_on(day)
        if mine is not None:
            # The interviewer's local day may differ from the employee's by one either way.
            for offset in (-1, 0, 1):
                theirs = interviewer_hours.interval_on(day + datetime.timedelta(days=offset))
                if theirs is None:
                    continue
                start, end = max(mine[0], theirs[0]), min(mine[1], theirs[1])
                if end - start < duration:
                    continue
                free = [(start, end)]
                for interval in busy:
                    free = _subtract(free, interval)
                for f_start, f_end in free:
                    cursor = f_start
                    while cursor + duration <= f_end:
                        if cursor > now:
                            slots.append((cursor, cursor + duration))
                            if limit is not None and len(slots) >= limit:
                                return sorted(slots)
                        cursor += STEP
        day += datetime.timedelta(days=1)
    return sorted(slots)
