"""The engine's pure rules: readiness of steps, due dates and reminder days.

Nothing here writes to the database; workflows.services applies these rules inside transactions.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Mapping

from core import errors
from workflows.business_time import add_business_days, next_business_day
from workflows.models import FINISHED_STATES, Anchor

# The named dates a workflow is anchored on; templates may refer to these or to another step.
ANCHOR_NAMES = (Anchor.NOTICE_DATE.value, Anchor.LAST_WORKING_DAY.value)
# Without a due time, a step is due at the end of its due day in the workflow's time zone.
END_OF_DAY = datetime.time(23, 59)
# Reminders: two business days before the due date, on it, then daily while overdue up to this bound.
REMIND_BEFORE_DAYS = 2
OVERDUE_REMINDER_DAYS = 5


def is_unblocked(depends_on: Iterable[str], states: Mapping[str, str]) -> bool:
    """Are all dependencies finished (done, skipped or approved)? Unknown keys count as finished."""
    return all(states.get(dep, FINISHED_STATES[0]) in FINISHED_STATES for dep in depends_on)


def earliest_due_date(anchors: Mapping[str, datetime.date], country: str) -> datetime.date | None:
    """Nothing falls due before the first business day on or after the earliest anchor (the notice)."""
    if not anchors:
        return None
    return next_business_day(min(anchors.values()), country)


def compute_due_date(
    *,
    anchor: str,
    offset_days: int,
    anchors: Mapping[str, datetime.date],
    country: str,
    anchor_step_finished: datetime.date | None = None,
) -> datetime.date | None:
    """The due date from an anchor and an offset in business days of the country; None while the
    anchoring step is unfinished. Never a weekend or public holiday, never before the notice."""
    if anchor == Anchor.STEP:
        if anchor_step_finished is None:
            return None
        base = anchor_step_finished
    else:
        base = anchors.get(anchor)
        if base is None:
            return None
    due = add_business_days(base, offset_days, country)
    floor = earliest_due_date(anchors, country)
    if floor is not None and due < floor:
        due = floor
    return due


def due_at_for(due_date: datetime.date | None, due_time: datetime.time | None, time_zone: str):
    """The due moment: the due time (or the end of the day) on the due date, in the workflow's zone."""
    if due_date is None:
        return None
    return datetime.datetime.combine(due_date, due_time or END_OF_DAY, tzinfo=zoneinfo.ZoneInfo(time_zone))


def parse_due_time(value: str | None) -> datetime.time | None:
    return datetime.time.fromisoformat(value) if value else None


def reminder_days(due_date: datetime.date, country: str) -> list[tuple[str, datetime.date]]:
    """(label, day) pairs: two business days before, the due day, then each overdue business day."""
    days = [("before", add_business_days(due_date, -REMIND_BEFORE_DAYS, country)), ("due", due_date)]
    day = due_date
    for n in range(1, OVERDUE_REMINDER_DAYS + 1):
        day = add_business_days(day, 1, country)
        days.append((f"overdue{n}", day))
    return days


def parse_anchors(anchors: Mapping) -> dict[str, datetime.date]:
    """Anchors as dates, from dates or ISO strings; unknown anchor names are refused."""
    parsed: dict[str, datetime.date] = {}
    for name, value in (anchors or {}).items():
        if name not in ANCHOR_NAMES:
            raise errors.InvalidInput(fields={"anchors": [f"Unknown anchor '{name}'."]})
        if value is None:
            continue
        parsed[name] = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    return parsed
