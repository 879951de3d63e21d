"""A COUNTER (an attendee's proposed time) is answered by HR or the interviewer: accepting sends the new
REQUEST at SEQUENCE+1 and the proposed time; refusing sends METHOD:DECLINECOUNTER. Leaver free text on
replies (notes, comments, a decline's note) is stored encrypted."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from offboarding.actions import interviews as interview_actions
from offboarding.feedback import crypto
from offboarding.feedback.models import ConfidentialAccess
from offboarding.interviews.models import AttendeeReply, InterviewState
from tests.interviews.conftest import calendar_part, event_of

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
PROPOSED = datetime.datetime(2026, 12, 8, 13, 0, tzinfo=UTC)


def counter(interview, *, comment="Could we do the afternoon?"):
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mail client//EN\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\n"
        f"UID:{interview.uid}\r\nSEQUENCE:{interview.sequence}\r\nDTSTAMP:20261201T080000Z\r\n"
        "DTSTART:20261208T130000Z\r\nDTEND:20261208T140000Z\r\n"
        f"ATTENDEE;PARTSTAT=TENTATIVE:mailto:{interview.departure.employee.email}\r\n"
        f"COMMENT:{comment}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return interview_actions.exit_interview_record_reply(data=body)


def test_accepting_a_counter_sends_the_new_request_at_the_proposed_time(schedule, org, api, deliver):
    interview = schedule()
    deliver()
    proposal = counter(interview)

    response = api(org.interviewer).post(f"/api/v1/interviews/{interview.pk}/proposals/{proposal.pk}/accept/")

    assert response.status_code == 200, response.data
    assert (response.data["start"], response.data["sequence"]) == ("2026-12-08T13:00:00Z", 1)
    assert response.data["proposals"] == []
    invites = deliver(handler="interview_invite")
    assert len(invites) == 2
    _, cal = calendar_part(invites[0][1])
    event = event_of(cal)
    assert (str(cal["method"]), event["sequence"], event["dtstart"].dt) == ("REQUEST", 1, PROPOSED)


def test_refusing_a_counter_sends_declinecounter_and_keeps_the_time(schedule, org, api, deliver):
    interview = schedule()
    deliver()
    proposal = counter(interview)

    response = api(org.hr).post(f"/api/v1/interviews/{interview.pk}/proposals/{proposal.pk}/refuse/")

    assert response.status_code == 200, response.data
    assert (response.data["start"], response.data["sequence"]) == ("2026-12-04T08:00:00Z", 0)
    sent = deliver(handler="interview_declinecounter")
    assert [m.to for _, m in sent] == [[org.employee_record.email]]
    part, cal = calendar_part(sent[0][1])
    assert part.get_param("method") == "DECLINECOUNTER"
    event = event_of(cal)
    assert str(cal["method"]) == "DECLINECOUNTER"
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == [f"mailto:{org.employee_record.email}".lower()]
    assert "afternoon" not in sent[0][1].body


def test_a_proposal_is_answered_once(schedule, org, api):
    interview = schedule()
    proposal = counter(interview)
    api(org.hr).post(f"/api/v1/interviews/{interview.pk}/proposals/{proposal.pk}/refuse/")
    again = api(org.hr).post(f"/api/v1/interviews/{interview.pk}/proposals/{proposal.pk}/accept/")
    assert again.status_code == 409


@pytest.mark.parametrize("role, expected", [("employee", 403), ("manager", 403), ("outsider", 404)])
def test_only_hr_and_the_interviewer_answer_proposals(schedule, org, api, role, expected):
    interview = schedule()
    proposal = counter(interview)
    response = api(getattr(org, role)).post(f"/api/v1/interviews/{interview.pk}/proposals/{proposal.pk}/accept/")
    assert response.status_code == expected
    interview.refresh_from_db()
    assert interview.sequence == 0


def test_the_counters_comment_is_encrypted_and_shown_to_hr(schedule, org, api):
    interview = schedule()
    proposal = counter(interview, comment="after my dentist")
    stored = AttendeeReply.objects.values_list("comment", flat=True).get(pk=proposal.pk)
    assert stored.startswith("k1:") and "dentist" not in stored
    shown = api(org.hr).get(f"/api/v1/interviews/{interview.pk}/").data["proposals"][0]
    assert shown["comment"] == "after my dentist"


def test_a_decline_keeps_its_note_encrypted(schedule, org, api):
    interview = schedule()
    response = api(org.employee).post(
        f"/api/v1/interviews/{interview.pk}/decline/", {"note": "I prefer the written form"}, format="json"
    )
    assert response.status_code == 200
    interview.refresh_from_db()
    assert interview.state == InterviewState.DECLINED
    reply = AttendeeReply.objects.get(method=AttendeeReply.Method.DECLINE)
    assert "written" not in reply.note
    assert crypto.unseal(reply, "note") == "I prefer the written form"
    history = " ".join(interview.departure.history.values_list("note", flat=True))
    assert "written" not in history


def test_key_rotation_covers_reply_texts(schedule, settings):
    interview = schedule()
    interview_actions.exit_interview_request_other_time(
        interview=interview, actor=interview.departure.employee.user, note="mornings are hard"
    )
    settings.CONFIDENTIAL_KEYS += ",2:" + "MjItYnl0ZXMtb2Yta2V5LW1hdGVyaWFsLWZvci12Mi0="
    call_command("rotate_confidential_keys", stdout=open("/dev/null", "w"))
    reply = AttendeeReply.objects.get()
    assert reply.note.startswith("k2:")
    assert crypto.unseal(reply, "note") == "mornings are hard"


def test_reading_an_attendees_note_is_logged_like_an_answer(schedule, org, api):
    interview = schedule()
    interview_actions.exit_interview_request_other_time(
        interview=interview, actor=interview.departure.employee.user, note="mornings are hard"
    )

    data = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/").json()

    assert [p["note"] for p in data["proposals"]] == ["mornings are hard"]
    read = ConfidentialAccess.objects.get()
    assert (read.user, read.interview_id) == (org.interviewer, interview.pk)
    # Nothing to read, nothing logged: the manager sees the state only.
    api(org.manager).get(f"/api/v1/interviews/{interview.pk}/")
    assert ConfidentialAccess.objects.count() == 1
