"""When a message may go out: inside the recipient's working hours, on a business day, in their zone.

Every scheduler of the outbox (approval reminders, step reminders, interview reminders, follow-ups)
passes its wished-for moment through next_working_moment so nobody is mailed at 03:00 or on a
public holiday of their country.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from workflows.business_time import is_business_day

# For people without an Employee record (e.g. HR group members): the one default everywhere.
DEFAULT_WORK_STARTS = datetime.time(9)
DEFAULT_WORK_ENDS = datetime.time(17)
DEFAULT_COUNTRY = "SE"
# Safety net: no country has this many non-business days in a row; stops a loop on bad data.
_MAX_DAYS_AHEAD = 60


def next_working_moment(
    at: datetime.datetime,
    *,
    time_zone: str,
    country: str,
    starts: datetime.time = DEFAULT_WORK_STARTS,
    ends: datetime.time = DEFAULT_WORK_ENDS,
) -> datetime.datetime:
    """`at` itself when it falls in working hours on a business day, else the next start of them.

    `at` may be naive (read as UTC) or aware; the result is aware in UTC. Working hours are
    [starts, ends) in the local time of `time_zone`, on business days of `country`.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.UTC)
    zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(_MAX_DAYS_AHEAD):
        if is_business_day(day, country):
            start = datetime.datetime.combine(day, starts, tzinfo=zone)
            end = datetime.datetime.combine(day, ends, tzinfo=zone)
            if local < start:
                return start.astimezone(datetime.UTC)
            if local < end:
                return local.astimezone(datetime.UTC)
        day += datetime.timedelta(days=1)
        # From the next day on, any moment before its start counts as "before working hours".
        local = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    raise ValueError(f"No business day within {_MAX_DAYS_AHEAD} days for country {country!r}.")


def recipient_working_moment(at: datetime.datetime, *, employee=None) -> datetime.datetime:
    """next_working_moment for a person: their Employee record's zone, country and hours, if any.

    Users without an Employee record (e.g. HR group members) get settings.TIME_ZONE and the defaults.
    """
    if employee is None:
        return next_working_moment(at, time_zone=settings.TIME_ZONE, country=DEFAULT_COUNTRY)
    return next_working_moment(
        at,
        time_zone=employee.time_zone or settings.TIME_ZONE,
        country=employee.country or DEFAULT_COUNTRY,
        starts=getattr(employee, "work_starts", None) or DEFAULT_WORK_STARTS,
        ends=getattr(employee, "work_ends", None) or DEFAULT_WORK_ENDS,
    )
