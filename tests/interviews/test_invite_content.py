"""Invites that say where and why: LOCATION (the interview's place or the interviewer's default), an agenda
of the guide's section titles in the leaver's language as DESCRIPTION (never answers), a URL to the leaver's
page; Reply-To a human at HR and Auto-Submitted on every automatic email; the HTML in the common layout."""

from __future__ import annotations

import datetime
import email
import uuid
from email import policy

import pytest

from integrations import calendar
from offboarding.actions import answers as answer_actions
from offboarding.actions import calendars as calendar_actions
from offboarding.actions import interviews as interview_actions
from offboarding.feedback.models import Guide
from offboarding.notifications.interviews import interview_meeting
from tests.helpers import SECRET
from tests.interviews.conftest import calendar_part, event_of
from workflows.outbox.models import ActionKind

pytestmark = pytest.mark.django_db


def invite_to(sent, address):
    [message] = [m for _, m in sent if m.to == [address]]
    return message


def test_the_invite_carries_location_agenda_and_the_leavers_page(schedule, org, deliver):
    schedule(location="Room Fika, 3rd floor")
    message = invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    event = event_of(calendar_part(message)[1])

    assert str(event["LOCATION"]) == "Room Fika, 3rd floor"
    assert str(event["URL"]) == "http://testserver/"
    description = str(event["DESCRIPTION"])
    titles = [section["title"]["en"] for section in Guide.objects.order_by("-version").first().content["sections"]]
    assert description.splitlines()[1:] == [f"{n}. {title}" for n, title in enumerate(titles, start=1)]
    assert description.splitlines()[1] == "1. A private, relaxed setting"


def test_the_agenda_is_in_the_leavers_language_for_both_attendees(schedule, org, deliver):
    org.employee_record.language = "sv"
    org.employee_record.save()
    schedule()
    sent = deliver(kinds=[ActionKind.INVITE])
    for address in (org.employee_record.email, org.interviewer.employee.email):
        description = str(event_of(calendar_part(invite_to(sent, address))[1])["DESCRIPTION"])
        assert "1. En lugn och privat miljö" in description


def test_the_interviewers_default_place_is_used_when_the_interview_names_none(schedule, org, deliver):
    calendar_actions.personal_calendar_set_place(user=org.interviewer, default_location="https://meet.example/ivar")
    schedule()
    event = event_of(calendar_part(invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email))[1])
    assert str(event["LOCATION"]) == "https://meet.example/ivar"


def test_a_rescheduled_invite_never_carries_an_answer(schedule, org, deliver, clock):
    interview = schedule()
    deliver()
    answer_actions.interview_response_write(
        interview=interview,
        actor=org.employee,
        answers=[{"question": "reasons.decision", "text": SECRET, "share_with_manager": False}],
        provided=frozenset({"answers"}),
    )
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 9, 9, 0, tzinfo=datetime.UTC)
    )
    for _, message in deliver(kinds=[ActionKind.INVITE]):
        assert SECRET not in message.message().as_string()
        assert "1. A private, relaxed setting" in str(event_of(calendar_part(message)[1])["DESCRIPTION"])


def test_automatic_emails_say_so_and_answers_reach_hr(schedule, org, deliver, settings):
    settings.HR_REPLY_TO_EMAIL = "HR team <hr-desk@example.com>"
    schedule()
    message = invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Reply-To"] == "HR team <hr-desk@example.com>"


def test_the_invites_html_uses_the_common_layout(schedule, org, deliver):
    schedule()
    message = invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    [html] = [content for content, kind in message.alternatives if kind == "text/html"]
    assert "font-family" in html and "Sent by the offboarding system." in html
    assert "<li>A private, relaxed setting</li>" in html


def test_a_room_and_a_video_link_both_reach_the_invite(schedule, org, deliver):
    schedule(location="Room Fika", video_link="https://meet.example/abc")
    event = event_of(calendar_part(invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email))[1])
    assert str(event["LOCATION"]) == "Room Fika"
    assert str(event["DESCRIPTION"]).endswith("\n\nhttps://meet.example/abc")


def test_other_parsers_and_a_caldav_server_accept_the_new_invite_and_declinecounter(schedule, org, deliver, radicale):
    """vobject reads the REQUEST (with its multi-line DESCRIPTION) and the DECLINECOUNTER; Radicale stores
    the REQUEST's event as a calendar client would after accepting it."""
    import vobject

    interview = schedule(location="Room Fika")
    message = invite_to(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    raw = calendar_part(message)[0].get_content()
    parsed = vobject.readOne(raw)
    assert parsed.vevent.location.value == "Room Fika"
    assert parsed.vevent.description.value.splitlines()[1] == "1. A private, relaxed setting"
    assert parsed.vevent.url.value == "http://testserver/"

    url = radicale.calendar(f"u{interview.pk}x{uuid.uuid4().hex[:6]}", "inbox")
    owner = url.removeprefix(radicale.base).split("/")[1]
    stored = raw.replace("METHOD:REQUEST\r\n", "")  # a calendar object resource carries no METHOD
    radicale.put_event(owner, url, "interview", stored)

    decline = calendar.build_declinecounter(
        interview_meeting(interview, language="en"), attendee_email=org.employee_record.email
    )
    assert vobject.readOne(decline.decode()).method.value == "DECLINECOUNTER"
