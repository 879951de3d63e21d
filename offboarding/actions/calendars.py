"""People's own calendars: connecting and disconnecting one (its URL and password sealed at rest), an
interviewer's default meeting place, and reading their busy time for slot proposals. A calendar that does
not answer never blocks scheduling: its owner's slots fall back to working hours, with a note saying so."""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core import errors
from integrations import freebusy
from offboarding.feedback import crypto
from offboarding.interviews.models import CalendarKind, PersonalCalendar
from offboarding.people import display_name

log = logging.getLogger(__name__)
READERS = {CalendarKind.CALDAV: freebusy.busy_caldav, CalendarKind.ICS: freebusy.busy_ics}


def personal_calendar_connect(*, user, kind: str, url: str, username: str = "", password: str = "") -> PersonalCalendar:
    """Connect (or replace) the caller's calendar: a CalDAV collection URL or a published .ics URL. Nothing is
    fetched here; slots read it when proposed."""
    if kind not in READERS:
        raise errors.InvalidInput(fields={"kind": ["Choose caldav or ics."]})
    if not url.lower().startswith(("http://", "https://", "webcal://")):
        raise errors.InvalidInput(fields={"url": ["Give the calendar's http(s) or webcal URL."]})
    with transaction.atomic():
        calendar, _ = PersonalCalendar.objects.select_for_update().get_or_create(user=user)
        calendar.kind, calendar.username, calendar.connected_at = kind, username, timezone.now()
        calendar.url = crypto.seal(calendar, "url", url)
        calendar.password = crypto.seal(calendar, "password", password)
        calendar.save()
    return calendar


def personal_calendar_disconnect(*, user) -> bool:
    """Forget the caller's calendar URL and password (the default meeting place stays); whether one was set."""
    with transaction.atomic():
        calendar = PersonalCalendar.objects.select_for_update().filter(user=user).first()
        if calendar is None or not calendar.is_connected:
            return False
        calendar.kind, calendar.url, calendar.username, calendar.password = "", "", "", ""
        calendar.connected_at = None
        calendar.save()
    return True


def personal_calendar_set_place(*, user, default_location: str) -> PersonalCalendar:
    """An interviewer's default meeting place: a room or a video link, used when an interview names none."""
    with transaction.atomic():
        calendar, _ = PersonalCalendar.objects.select_for_update().get_or_create(user=user)
        calendar.default_location = default_location.strip()
        calendar.save(update_fields=["default_location", "updated_at"])
    return calendar


def personal_calendar_of(*, user) -> PersonalCalendar | None:
    return PersonalCalendar.objects.filter(user=user).first()


@dataclass
class BusyTime:
    intervals: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _read(calendar: PersonalCalendar, start: datetime.datetime, end: datetime.datetime):
    """(busy intervals, None) or (None, error words); cached briefly so a page of slots and the booking that
    follows see the same answer, and a silent server is not waited on twice in a row."""
    version = hashlib.sha256(f"{calendar.pk}:{calendar.updated_at.isoformat()}".encode()).hexdigest()[:16]
    key = f"personal-busy:{calendar.pk}:{version}:{start:%Y%m%d}:{end:%Y%m%d}"
    found = cache.get(key)
    if found is not None:
        return found
    try:
        intervals = READERS[calendar.kind](
            url=crypto.unseal(calendar, "url"),
            username=calendar.username,
            password=crypto.unseal(calendar, "password"),
            start=start,
            end=end,
            timeout=settings.PERSONAL_CALENDAR_TIMEOUT,
        )
        found = (intervals, None)
    except freebusy.CalendarUnavailable as exc:
        log.warning("Personal calendar %s unavailable: %s", calendar.pk, exc)
        found = (None, str(exc))
    cache.set(key, found, settings.PERSONAL_CALENDAR_CACHE_SECONDS)
    return found


def personal_busy(*, users, first: datetime.date, last: datetime.date) -> BusyTime:
    """Busy time in the connected calendars of these users (the interviewer, and the leaver when they
    connected one) between two dates, padded a day each side for time zones."""
    start = datetime.datetime.combine(first - datetime.timedelta(days=1), datetime.time(), tzinfo=datetime.UTC)
    end = datetime.datetime.combine(last + datetime.timedelta(days=2), datetime.time(), tzinfo=datetime.UTC)
    result = BusyTime()
    ids = [user.pk for user in users if user is not None]
    for calendar in PersonalCalendar.objects.filter(user_id__in=ids).exclude(kind="").select_related("user"):
        intervals, problem = _read(calendar, start, end)
        if problem is None:
            result.intervals.extend(intervals)
        else:
            result.notes.append(
                f"The calendar of {display_name(calendar.user)} did not answer ({problem}); "
                "these slots follow working hours only."
            )
    return result
