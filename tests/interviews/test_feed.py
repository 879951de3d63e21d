"""The interviewer's calendar feed: a secret URL, rotatable and revocable, listing their interviews."""

import icalendar
import pytest

from offboarding.actions import interviews as interview_actions
from offboarding.interviews.models import CalendarFeed

pytestmark = pytest.mark.django_db


def _path(url):
    return url.removeprefix("http://testserver")


def test_the_feed_lists_the_interviewers_interviews_without_attendees(schedule, org, api):
    interview = schedule()
    url = api(org.interviewer).post("/api/v1/interviews/feed/").data["url"]
    response = api().get(_path(url))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [interview.uid]
    assert b"ATTENDEE" not in response.content
    assert org.employee_record.name.encode() not in response.content


def test_only_a_hash_of_the_token_is_stored(org):
    token = interview_actions.calendar_feed_rotate(user=org.interviewer)
    assert token not in CalendarFeed.objects.get(user=org.interviewer).token_hash


def test_a_revoked_feed_is_gone(schedule, org, api):
    schedule()
    client = api(org.interviewer)
    url = client.post("/api/v1/interviews/feed/").data["url"]
    assert client.delete("/api/v1/interviews/feed/").status_code == 204
    assert api().get(_path(url)).status_code == 404
    assert client.get("/api/v1/interviews/feed/").data == {"active": False}


def test_rotating_retires_the_old_url(org, api):
    client = api(org.interviewer)
    old = client.post("/api/v1/interviews/feed/").data["url"]
    new = client.post("/api/v1/interviews/feed/").data["url"]
    assert api().get(_path(old)).status_code == 404
    assert api().get(_path(new)).status_code == 200


def test_another_interviewers_feed_does_not_show_this_interview(schedule, org, api):
    schedule()
    url = api(org.hr).post("/api/v1/interviews/feed/").data["url"]
    assert icalendar.Calendar.from_ical(api().get(_path(url)).content).walk("VEVENT") == []


@pytest.mark.parametrize("role", ["employee", "manager", "it"])
def test_only_interviewers_and_hr_have_a_feed(org, api, role):
    assert api(getattr(org, role)).post("/api/v1/interviews/feed/").status_code == 403


def test_a_made_up_token_is_404(api):
    assert api().get("/api/v1/calendar/feeds/not-a-real-token.ics").status_code == 404
