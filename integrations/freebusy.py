"""Busy time from people's own calendars: a CalDAV calendar by its free-busy REPORT (RFC 4791 7.10), or a
published iCalendar URL whose events are read with their recurrences expanded. Generic: it knows URLs and
intervals, not the domain. Any failure is one error, so the caller can fall back to working hours."""

from __future__ import annotations

import base64
import datetime
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import icalendar
import recurring_ical_events

UTC = datetime.UTC
USER_AGENT = "offboarding-calendar/1"
Interval = tuple[datetime.datetime, datetime.datetime]


class CalendarUnavailable(Exception):
    """The calendar did not answer, refused us, or answered something we cannot read. The message names
    the host only: the URL itself may hold a secret."""


def _host(url: str) -> str:
    return urlsplit(url).hostname or "the calendar"


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fetch(request: urllib.request.Request, *, url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise CalendarUnavailable(f"{_host(url)} answered HTTP {exc.code}.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CalendarUnavailable(f"{_host(url)} could not be reached: {reason}.") from None
    except ValueError:
        raise CalendarUnavailable("Not a usable calendar URL.") from None


def _auth_headers(username: str, password: str) -> dict[str, str]:
    if not username and not password:
        return {}
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


FREE_BUSY_QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
    '<C:time-range start="{start}" end="{end}"/>'
    "</C:free-busy-query>"
)


def busy_caldav(
    *, url: str, start: datetime.datetime, end: datetime.datetime, username: str = "", password: str = "",
    timeout: float = 8,
) -> list[Interval]:  # fmt: skip
    """The BUSY, BUSY-TENTATIVE and BUSY-UNAVAILABLE periods of a CalDAV calendar collection in [start, end)."""
    body = FREE_BUSY_QUERY.format(start=_stamp(start), end=_stamp(end)).encode()
    headers = {"User-Agent": USER_AGENT, "Depth": "1", "Content-Type": "application/xml; charset=utf-8"}
    request = urllib.request.Request(
        url, data=body, method="REPORT", headers={**headers, **_auth_headers(username, password)}
    )
    data = _fetch(request, url=url, timeout=timeout)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        raise CalendarUnavailable(f"{_host(url)} did not answer with a free-busy calendar.") from None
    busy: list[Interval] = []
    for component in calendar.walk("VFREEBUSY"):
        lines = component.get("freebusy", [])
        for line in lines if isinstance(lines, list) else [lines]:
            if str(line.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in line.dt if isinstance(line.dt, list) else [line.dt]:
                begin, finish = period
                if isinstance(finish, datetime.timedelta):
                    finish = begin + finish
                busy.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return sorted(busy)


def busy_ics(
    *, url: str, start: datetime.datetime, end: datetime.datetime, username: str = "", password: str = "",
    timeout: float = 8,
) -> list[Interval]:  # fmt: skip
    """Busy intervals of a published iCalendar file in [start, end): every occurrence of every opaque,
    not-cancelled event, recurrences expanded. A whole-day event blocks its day in UTC."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **_auth_headers(username, password)})
    data = _fetch(request, url=url, timeout=timeout)
    try:
        calendar = icalendar.Calendar.from_ical(data)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception:  # the libraries raise many kinds of errors on malformed input
        raise CalendarUnavailable(f"{_host(url)} did not answer with a calendar we can read.") from None
    busy: list[Interval] = []
    for event in occurrences:
        if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("status", "")).upper() == "CANCELLED":
            continue
        begin, finish = event.get("dtstart").dt, event.get("dtend").dt if event.get("dtend") else None
        if not isinstance(begin, datetime.datetime):
            begin = datetime.datetime.combine(begin, datetime.time(), tzinfo=UTC)
            finish = (
                datetime.datetime.combine(finish, datetime.time(), tzinfo=UTC)
                if finish is not None
                else begin + datetime.timedelta(days=1)
            )
        elif begin.tzinfo is None:
            begin = begin.replace(tzinfo=UTC)  # a floating time: read as UTC, the best guess available
        if finish is None:
            finish = begin + (event.get("duration").dt if event.get("duration") else datetime.timedelta(0))
        if isinstance(finish, datetime.datetime) and finish.tzinfo is None:
            finish = finish.replace(tzinfo=UTC)
        busy.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return sorted(busy)
