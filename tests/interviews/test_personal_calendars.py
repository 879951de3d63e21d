"""Slots from real calendars: an interviewer's (or the leaver's) CalDAV calendar on a real Radicale server,
read by its free-busy REPORT, or a published iCalendar URL with recurring events; a calendar that does
not answer degrades to working hours with a note, never blocks scheduling."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache

from offboarding.interviews.models import PersonalCalendar
from tests.helpers import free_port

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
ME = "/api/v1/me/calendar/"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def event(uid: str, start: str, end: str, extra: str = "") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Busy//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261125T120000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Board meeting\r\n"
        f"{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def busy_calendar(radicale):
    """A fresh Radicale calendar; add(start, end, extra) puts an event in it."""
    owner = f"u{uuid.uuid4().hex[:8]}"
    url = radicale.calendar(owner, "work")

    def add(start: str, end: str, extra: str = "") -> None:
        uid = uuid.uuid4().hex
        radicale.put_event(owner, url, uid, event(uid, start, end, extra))

    add.url, add.owner = url, owner
    return add


def slots_of(client, interview, **params):
    """Every slot offered (all pages) and the notes of calendars that did not answer."""
    response = client.get(f"/api/v1/interviews/{interview.pk}/slots/", {"page_size": 200, **params})
    assert response.status_code == 200, response.data
    assert response.data["next"] is None
    notes = response.data["notes"]
    assert (" | ".join(notes) or None) == response.headers.get("X-Calendar-Notes")
    return [(row["start"], row["end"]) for row in response.data["results"]], " | ".join(notes) or None


def overlaps(slots, start: str, end: str) -> bool:
    return any(s < end and start < e for s, e in slots)


def connect(client, **body):
    response = client.put(ME, body, format="json")
    assert response.status_code == 200, response.data
    return response.data


def test_a_meeting_in_the_interviewers_caldav_calendar_is_never_offered(org, api, schedule, busy_calendar):
    busy_calendar("20261204T080000Z", "20261204T100000Z")
    connect(api(org.interviewer), kind="caldav", url=busy_calendar.url, username=busy_calendar.owner, password="x")

    interview = schedule()  # the first free slot: no longer 08:00 UTC on Friday 4 December

    assert interview.start == datetime.datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    found, note = slots_of(api(org.hr), interview, **{"from": "2026-12-04", "to": "2026-12-04"})
    assert found and not overlaps(found, "2026-12-04T08:00:00Z", "2026-12-04T10:00:00Z")
    assert note is None


def test_a_published_calendars_recurring_meeting_blocks_every_occurrence(org, api, schedule, busy_calendar):
    # Every weekday 12:00-13:00 UTC (13-14 in Stockholm), read from the published .ics (Radicale serves the
    # collection as one iCalendar file on GET), recurrences expanded.
    busy_calendar("20261130T120000Z", "20261130T130000Z", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\r\n")
    interview = schedule()
    connect(api(org.interviewer), kind="ics", url=busy_calendar.url, username=busy_calendar.owner)

    found, note = slots_of(api(org.hr), interview)

    assert note is None and found
    for day in ("07", "08", "09", "10", "11", "14", "15", "16", "17"):
        assert not overlaps(found, f"2026-12-{day}T12:00:00Z", f"2026-12-{day}T13:00:00Z"), day
    assert ("2026-12-07T13:00:00Z", "2026-12-07T14:00:00Z") in found


def test_the_leavers_own_calendar_counts_too(org, api, schedule, busy_calendar):
    interview = schedule()
    busy_calendar("20261207T080000Z", "20261207T160000Z")  # the leaver is away all Monday
    connect(api(org.employee), kind="caldav", url=busy_calendar.url, username=busy_calendar.owner)

    found, _ = slots_of(api(org.hr), interview, **{"from": "2026-12-07", "to": "2026-12-08"})

    assert found and not overlaps(found, "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z")


def test_a_calendar_that_does_not_answer_degrades_to_working_hours_with_a_note(org, api, schedule):
    connect(api(org.interviewer), kind="caldav", url=f"http://127.0.0.1:{free_port()}/nobody/work/")

    interview = schedule()  # scheduling is not blocked

    assert interview.start == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    found, note = slots_of(api(org.hr), interview, **{"from": "2026-12-07", "to": "2026-12-07"})
    assert found[0] == ("2026-12-07T08:00:00Z", "2026-12-07T09:00:00Z")
    assert "Ivar Interviewer" in note and "working hours" in note


def test_the_url_and_password_are_stored_encrypted_and_never_shown(org, api, busy_calendar):
    data = connect(api(org.interviewer), kind="caldav", url=busy_calendar.url, username="ivar", password="hunter2")
    assert data == {
        "connected": True,
        "kind": "caldav",
        "username": "ivar",
        "default_location": "",
        "connected_at": data["connected_at"],
    }
    stored = PersonalCalendar.objects.get(user=org.interviewer)
    assert stored.url.startswith("k1:") and "127.0.0.1" not in stored.url
    assert stored.password.startswith("k1:") and "hunter2" not in stored.password
    assert "hunter2" not in str(api(org.interviewer).get(ME).data)


def test_disconnecting_forgets_the_calendar_and_keeps_the_place(org, api, busy_calendar):
    client = api(org.interviewer)
    connect(client, kind="ics", url=busy_calendar.url, default_location="Room Fika, 3rd floor")
    assert client.delete(ME).status_code == 204
    data = client.get(ME).data
    assert (data["connected"], data["default_location"]) == (False, "Room Fika, 3rd floor")
    assert PersonalCalendar.objects.get(user=org.interviewer).url == ""


@pytest.mark.parametrize(
    "body, field",
    [({"kind": "caldav"}, "url"), ({"kind": "exchange", "url": "https://x.example/"}, "kind"), ({}, "kind")],
)
def test_bad_connections_are_400(org, api, body, field):
    response = api(org.interviewer).put(ME, body, format="json")
    assert response.status_code == 400
    assert field in response.data["fields"]
