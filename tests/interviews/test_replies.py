"""Attendee replies through the inbound webhook: REPLY records PARTSTAT, COUNTER records a proposal,
an older SEQUENCE is ignored, nothing blocks on them."""

import datetime

import pytest

from core import roles
from offboarding.actions import interviews as interview_actions
from offboarding.interviews.models import AttendeeReply, InterviewState, PartStat
from tests.factories import UserFactory
from workflows.outbox.models import ActionKind, ScheduledAction

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
URL = "/api/v1/interviews/replies/"


def itip(interview, *, method="REPLY", partstat="ACCEPTED", sequence=None, attendee=None, extra=""):
    sequence = interview.sequence if sequence is None else sequence
    attendee = attendee or interview.departure.employee.email
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mail client//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:{interview.uid}\r\nSEQUENCE:{sequence}\r\n"
        "DTSTAMP:20261202T100000Z\r\n"
        f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee.upper()}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def mailhook(org, api):
    """The inbound mail integration: a service user in the HR group, posting with its token."""
    return api(UserFactory(username="mail-hook", groups=[roles.HR]))


def post(client, body):
    return client.post(URL, data=body.encode(), content_type="text/calendar")


def test_an_accept_is_recorded_for_the_attendee(schedule, mailhook):
    interview = schedule()
    response = post(mailhook, itip(interview))
    assert response.status_code == 200, response.data
    assert response.data["status"] == "recorded"
    interview.refresh_from_db()
    assert (interview.employee_partstat, interview.interviewer_partstat) == (PartStat.ACCEPTED, PartStat.NEEDS_ACTION)


def test_the_interviewers_decline_is_recorded_and_blocks_nothing(schedule, mailhook, org):
    interview = schedule()
    response = post(mailhook, itip(interview, partstat="DECLINED", attendee=org.interviewer.employee.email))
    assert response.status_code == 200
    interview.refresh_from_db()
    assert (interview.interviewer_partstat, interview.state) == (PartStat.DECLINED, InterviewState.SCHEDULED)


def test_a_reply_to_an_older_sequence_is_ignored(schedule, mailhook, org):
    interview = schedule()
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    interview.refresh_from_db()
    response = post(mailhook, itip(interview, partstat="DECLINED", sequence=0))
    assert response.status_code == 200
    assert response.data["status"] == "ignored"
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.NEEDS_ACTION
    assert AttendeeReply.objects.get().applied is False


def test_a_counter_records_the_proposed_time_without_moving_the_interview(schedule, mailhook, org):
    interview = schedule()
    extra = "DTSTART:20261208T130000Z\r\nDTEND:20261208T140000Z\r\n"
    response = post(mailhook, itip(interview, method="COUNTER", partstat="NEEDS-ACTION", extra=extra))
    assert response.status_code == 200
    interview.refresh_from_db()
    assert interview.start == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    reply = AttendeeReply.objects.get()
    assert (reply.proposed_start, reply.proposed_end) == (
        datetime.datetime(2026, 12, 8, 13, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 8, 14, 0, tzinfo=UTC),
    )
    notified = ScheduledAction.objects.filter(kind=ActionKind.NOTIFICATION, handler="interview_change_requested")
    assert org.interviewer.employee.email in set(notified.values_list("recipient", flat=True))


def test_the_counter_shows_to_the_interviewer_not_the_manager(schedule, mailhook, org, api):
    interview = schedule()
    extra = "DTSTART:20261208T130000Z\r\nDTEND:20261208T140000Z\r\n"
    post(mailhook, itip(interview, method="COUNTER", partstat="NEEDS-ACTION", extra=extra))
    data = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/").data
    assert data["proposals"][0]["proposed_start"] == "2026-12-08T13:00:00Z"
    assert "proposals" not in api(org.manager).get(f"/api/v1/interviews/{interview.pk}/").data


def test_an_unknown_uid_is_404(schedule, mailhook):
    interview = schedule()
    response = post(mailhook, itip(interview).replace(interview.uid, "nobody@elsewhere"))
    assert response.status_code == 404


def test_someone_not_invited_is_404(schedule, mailhook):
    interview = schedule()
    response = post(mailhook, itip(interview, attendee="stranger@example.com"))
    assert response.status_code == 404


def test_a_body_that_is_not_a_reply_is_400(schedule, mailhook):
    interview = schedule()
    response = post(mailhook, itip(interview, method="REQUEST"))
    assert response.status_code == 400


@pytest.mark.parametrize("role, expected", [("employee", 403), ("interviewer", 403), ("manager", 403), (None, 401)])
def test_only_the_hr_integration_may_post_replies(schedule, org, api, role, expected):
    interview = schedule()
    client = api(getattr(org, role) if role else None)
    assert post(client, itip(interview)).status_code == expected


def test_the_employee_asks_for_another_time(schedule, org, api, deliver):
    interview = schedule()
    response = api(org.employee).post(
        f"/api/v1/interviews/{interview.pk}/request_other_time/", {"note": "I am away that week"}, format="json"
    )
    assert response.status_code == 200
    sent = deliver(handler="interview_change_requested")
    assert [m.to for _, m in sent] == [[org.interviewer.employee.email], [org.hr.employee.email]]
    # The employee's own words stay in the app, never in an email.
    assert all("away" not in m.body for _, m in sent)
    assert api(org.hr).get(f"/api/v1/interviews/{interview.pk}/").data["proposals"][0]["note"] == "I am away that week"
