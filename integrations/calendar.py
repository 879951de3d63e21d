"""iCalendar for one-off meetings: build iTIP REQUEST, CANCEL and DECLINECOUNTER (RFC 5545/5546), read REPLY
and COUNTER, and build subscription feeds. Generic: it knows meetings and attendees, not the domain.

Times are always written in UTC with the Z suffix: clients show local time, and generated VTIMEZONE
blocks are a known source of one-hour shifts in some clients.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import icalendar
from icalendar import vCalAddress, vText

PRODID = "-//Offboarding//Exit interviews//EN"
UTC = datetime.UTC


class CalendarParseError(ValueError):
    """The body is not an iTIP message we can act on."""


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str = ""
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = True


@dataclass(frozen=True)
class Meeting:
    uid: str
    sequence: int
    start: datetime.datetime
    end: datetime.datetime
    summary: str
    organizer_email: str
    organizer_name: str = ""
    attendees: tuple[Attendee, ...] = ()
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    stamp: datetime.datetime | None = None


@dataclass(frozen=True)
class Reply:
    """An attendee's answer (REPLY) or proposal of another time (COUNTER)."""

    method: str
    uid: str
    sequence: int
    attendee_email: str
    partstat: str = ""
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    comment: str = ""


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("Meeting times must be timezone-aware.")
    return value.astimezone(UTC)


def _address(email: str, name: str = "", **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = value
    return address


def _calendar(method: str | None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _event(meeting: Meeting, *, with_attendees: bool = True) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", _utc(meeting.stamp or datetime.datetime.now(UTC)))
    event.add("dtstart", _utc(meeting.start))
    event.add("dtend", _utc(meeting.end))
    event.add("summary", meeting.summary)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.description:
        event.add("description", meeting.description)
    if meeting.url:
        event.add("url", meeting.url)
    event.add("organizer", _address(meeting.organizer_email, meeting.organizer_name))
    if with_attendees:
        for attendee in meeting.attendees:
            event.add(
                "attendee",
                _address(
                    attendee.email,
                    attendee.name,
                    CUTYPE="INDIVIDUAL",
                    ROLE=attendee.role,
                    PARTSTAT=attendee.partstat,
                    RSVP="TRUE" if attendee.rsvp else "FALSE",
                ),
            )
    return event


def build_request(meeting: Meeting) -> bytes:
    """METHOD:REQUEST: a new meeting, or an update when SEQUENCE is higher than before (same UID)."""
    cal = _calendar("REQUEST")
    cal.add_component(_event(meeting))
    return cal.to_ical()


def build_cancel(meeting: Meeting) -> bytes:
    """METHOD:CANCEL with STATUS:CANCELLED; the caller passes the bumped SEQUENCE."""
    cal = _calendar("CANCEL")
    cancelled = Meeting(**{**meeting.__dict__, "cancelled": True})
    cal.add_component(_event(cancelled))
    return cal.to_ical()


def build_declinecounter(meeting: Meeting, *, attendee_email: str) -> bytes:
    """METHOD:DECLINECOUNTER (RFC 5546 3.2.8): the organizer refuses one attendee's proposed time; the
    meeting stays as it is, at its current SEQUENCE."""
    cal = _calendar("DECLINECOUNTER")
    only = tuple(a for a in meeting.attendees if a.email.lower() == attendee_email.lower()) or (
        Attendee(attendee_email),
    )
    cal.add_component(_event(Meeting(**{**meeting.__dict__, "attendees": only})))
    return cal.to_ical()


def build_feed(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """A subscription feed (no METHOD): the meetings without attendees."""
    cal = _calendar(None)
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for meeting in meetings:
        cal.add_component(_event(meeting, with_attendees=False))
    return cal.to_ical()


def _mailto(value) -> str:
    text = str(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _as_utc(prop) -> datetime.datetime | None:
    if prop is None:
        return None
    value = prop.dt
    if not isinstance(value, datetime.datetime):
        raise CalendarParseError("Only timed meetings are supported, not whole days.")
    if value.tzinfo is None:
        raise CalendarParseError("A floating time cannot be placed; send UTC or a TZID.")
    return value.astimezone(UTC)


def parse_reply(data: bytes | str, *, sender: str = "") -> Reply:
    """Read an iTIP REPLY or COUNTER sent by one attendee. A COUNTER may list every attendee (Outlook
    does); then the one matching `sender` (the email's From address) is the proposer."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise CalendarParseError(f"Not an iCalendar object: {exc}") from exc
    method = str(cal.get("method", "")).upper()
    if method not in ("REPLY", "COUNTER"):
        raise CalendarParseError(f"Expected METHOD:REPLY or METHOD:COUNTER, got {method or 'none'}.")
    events = cal.walk("VEVENT")
    if len(events) != 1:
        raise CalendarParseError("Expected exactly one VEVENT.")
    event = events[0]
    uid = str(event.get("uid", "")).strip()
    if not uid:
        raise CalendarParseError("The VEVENT has no UID.")
    try:
        sequence = int(event.get("sequence", 0))
    except (TypeError, ValueError) as exc:
        raise CalendarParseError("SEQUENCE is not a number.") from exc
    attendees = event.get("attendee")
    if attendees is None:
        raise CalendarParseError("The VEVENT names no ATTENDEE.")
    if not isinstance(attendees, list):
        attendees = [attendees]
    if method == "REPLY" and len(attendees) != 1:
        raise CalendarParseError("A REPLY must name exactly one ATTENDEE.")
    attendee = attendees[0]
    if sender and len(attendees) > 1:
        attendee = next((a for a in attendees if _mailto(a) == sender.strip().lower()), attendee)
    partstat = str(attendee.params.get("PARTSTAT", "")).upper()
    try:
        start = _as_utc(event.get("dtstart"))
        end = _as_utc(event.get("dtend"))
        if end is None and start is not None and event.get("duration") is not None:
            end = start + event.get("duration").dt
    except Exception as exc:  # malformed date values surface as various errors
        if method == "COUNTER":
            raise CalendarParseError(f"Bad date: {exc}") from exc
        # A REPLY's times only echo the meeting; a client's odd time zone must not lose the answer.
        start = end = None
    if method == "COUNTER" and (start is None or end is None or end <= start):
        raise CalendarParseError("A COUNTER must propose a DTSTART before its DTEND.")
    return Reply(
        method=method,
        uid=uid,
        sequence=sequence,
        attendee_email=_mailto(attendee),
        partstat=partstat,
        start=start,
        end=end,
        comment=_comment(event, attendee),
    )


def _comment(event, attendee) -> str:
    """The attendee's note: COMMENT (RFC 5546; Outlook, Apple) or the ATTENDEE's X-RESPONSE-COMMENT
    parameter (Google Calendar)."""
    comments = event.get("comment")
    if comments is None:
        return str(attendee.params.get("X-RESPONSE-COMMENT", "")).strip()
    return "\n".join(str(c) for c in (comments if isinstance(comments, list) else [comments])).strip()
