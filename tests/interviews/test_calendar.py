"""integrations.calendar: iTIP REQUEST and CANCEL built, REPLY and COUNTER read."""

import datetime

import icalendar
import pytest

from integrations import calendar

UTC = datetime.UTC
START = datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _meeting(**overrides):
    fields = dict(
        uid="abc@offboarding",
        sequence=3,
        start=START,
        end=START + datetime.timedelta(hours=1),
        summary="Exit interview",
        organizer_email="offboarding@example.com",
        organizer_name="Offboarding",
        attendees=(calendar.Attendee("erik@example.com", "Erik Sund"),),
    )
    fields.update(overrides)
    return calendar.Meeting(**fields)


def _reply(method="REPLY", partstat="ACCEPTED", sequence=3, attendee="erik@example.com", extra=""):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Client//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:abc@offboarding\r\nSEQUENCE:{sequence}\r\n"
        "DTSTAMP:20261202T100000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_a_request_carries_method_uid_sequence_and_utc_times():
    cal = icalendar.Calendar.from_ical(calendar.build_request(_meeting()))
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == ("abc@offboarding", 3)
    assert event["DTSTART"].dt == START and event["DTSTART"].dt.utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:20261204T080000Z" in calendar.build_request(_meeting())
    assert "DTSTAMP" in event


def test_a_cancel_is_marked_cancelled():
    cal = icalendar.Calendar.from_ical(calendar.build_cancel(_meeting(sequence=4)))
    event = cal.walk("VEVENT")[0]
    assert (str(cal["METHOD"]), str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCEL", "CANCELLED", 4)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        calendar.build_request(_meeting(start=datetime.datetime(2026, 12, 4, 8, 0)))


def test_a_reply_is_read():
    reply = calendar.parse_reply(_reply())
    assert (reply.method, reply.uid, reply.sequence, reply.attendee_email, reply.partstat) == (
        "REPLY",
        "abc@offboarding",
        3,
        "erik@example.com",
        "ACCEPTED",
    )


def test_a_counter_brings_its_proposed_time_in_utc():
    extra = "DTSTART;TZID=Europe/Stockholm:20261207T140000\r\nDTEND;TZID=Europe/Stockholm:20261207T150000\r\n"
    reply = calendar.parse_reply(_reply(method="COUNTER", partstat="NEEDS-ACTION", extra=extra))
    assert (reply.start, reply.end) == (
        datetime.datetime(2026, 12, 7, 13, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 7, 14, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not a calendar",
        _reply(method="REQUEST"),
        _reply(method="COUNTER"),  # no proposed time
        _reply(method="COUNTER", extra="DTSTART:20261207T140000\r\nDTEND:20261207T150000\r\n"),  # floating
    ],
    ids=["garbage", "request", "counter-without-time", "floating-time"],
)
def test_what_is_not_a_usable_reply_is_refused(body):
    with pytest.raises(calendar.CalendarParseError):
        calendar.parse_reply(body)


def test_a_feed_lists_meetings_without_attendees():
    cal = icalendar.Calendar.from_ical(calendar.build_feed([_meeting(), _meeting(uid="x")], name="Interviews"))
    assert "METHOD" not in cal
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["abc@offboarding", "x"]
    assert all("ATTENDEE" not in e for e in cal.walk("VEVENT"))
