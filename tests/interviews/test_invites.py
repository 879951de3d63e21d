"""Invites, updates and cancellations through the outbox: rendered, serialised, parsed back field by field."""

import datetime
import email
from email import policy

import icalendar
import pytest

from offboarding.actions import interviews as interview_actions
from tests.interviews.conftest import calendar_part, event_of
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction
from workflows.outbox.registry import get_renderer

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _invite_for(sent, address):
    [message] = [m for a, m in sent if m.to == [address]]
    return message


def test_scheduling_sends_an_invite_to_the_employee_and_the_interviewer(schedule, org, deliver):
    schedule()
    sent = deliver(kinds=[ActionKind.INVITE])
    assert sorted(m.to[0] for _, m in sent) == sorted([org.employee_record.email, org.interviewer.employee.email])


def test_the_invite_is_an_itip_request_read_back_field_by_field(schedule, org, deliver):
    interview = schedule()
    message = _invite_for(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    part, cal = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert str(cal["METHOD"]) == "REQUEST"
    event = event_of(cal)
    assert str(event["UID"]) == interview.uid
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTAMP"].dt.tzinfo is not None
    assert event["DTSTART"].dt == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime.datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert str(event["ORGANIZER"]) == "mailto:offboarding@example.com"
    attendees = {str(a).removeprefix("mailto:"): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {org.employee_record.email, org.interviewer.employee.email}
    params = attendees[org.employee_record.email]
    assert (params["ROLE"], params["PARTSTAT"], params["RSVP"], params["CN"]) == (
        "REQ-PARTICIPANT",
        "NEEDS-ACTION",
        "TRUE",
        "Erik Employee",
    )


def test_the_invite_writes_times_in_utc_with_z(schedule, org, deliver):
    schedule()
    message = _invite_for(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    raw = calendar_part(message)[0].get_content()
    assert "DTSTART:20261204T080000Z" in raw and "DTEND:20261204T090000Z" in raw
    assert "VTIMEZONE" not in raw and "TZID" not in raw


def test_the_invite_has_the_rfc_6047_mime_layout(schedule, org, deliver):
    schedule()
    message = _invite_for(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    assert icalendar.Calendar.from_ical(attachment.get_content())["METHOD"] == "REQUEST"


def test_nothing_confidential_is_in_the_invite(schedule, org, deliver, departure):
    schedule()
    for _, message in deliver(kinds=[ActionKind.INVITE]):
        raw = message.message().as_string()
        assert departure.reason not in raw.lower()
        assert "rehire" not in raw.lower()
        assert str(event_of(calendar_part(message)[1])["SUMMARY"]) in ("Exit interview", "Exitsamtal")


def test_the_invite_is_in_the_recipients_language(schedule, org, deliver):
    org.employee_record.language = "sv"
    org.employee_record.save()
    schedule()
    sent = deliver(kinds=[ActionKind.INVITE])
    assert _invite_for(sent, org.employee_record.email).subject.startswith("Exitsamtal")
    assert _invite_for(sent, org.interviewer.employee.email).subject.startswith("Exit interview")
    assert str(event_of(calendar_part(_invite_for(sent, org.employee_record.email))[1])["SUMMARY"]) == "Exitsamtal"


def test_reschedule_sends_sequence_plus_one_with_the_same_uid(schedule, org, deliver):
    interview = schedule()
    deliver(kinds=[ActionKind.INVITE])
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    message = _invite_for(deliver(kinds=[ActionKind.INVITE]), org.employee_record.email)
    part, cal = calendar_part(message)
    event = event_of(cal)
    assert part.get_param("method") == "REQUEST"
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (interview.uid, 1)
    assert event["DTSTART"].dt == datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert message.subject.startswith("Updated:")


def test_an_invite_superseded_before_delivery_is_not_sent(schedule, org, deliver):
    interview = schedule()
    first = ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.INVITE).first()
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    first.refresh_from_db()
    assert first.status == ActionStatus.CANCELLED
    assert get_renderer(first.handler)(first) is None  # even if a worker had claimed it already


def test_cancel_sends_method_cancel_with_the_sequence_bumped(schedule, org, deliver):
    interview = schedule()
    deliver(kinds=[ActionKind.INVITE])
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    sent = deliver(kinds=[ActionKind.CANCEL])
    assert len(sent) == 2
    part, cal = calendar_part(_invite_for(sent, org.employee_record.email))
    event = event_of(cal)
    assert part.get_param("method") == "CANCEL"
    assert str(cal["METHOD"]) == "CANCEL"
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (interview.uid, 1, "CANCELLED")


def test_reminders_go_out_a_day_and_an_hour_before(schedule, org, deliver, clock):
    schedule(start=datetime.datetime(2026, 12, 9, 13, 0, tzinfo=UTC))
    clock.move_to(datetime.datetime(2026, 12, 8, 12, 59, tzinfo=UTC))
    assert deliver(kinds=[ActionKind.REMINDER]) == []
    clock.move_to(datetime.datetime(2026, 12, 8, 13, 0, tzinfo=UTC))
    day_before = deliver(kinds=[ActionKind.REMINDER])
    assert sorted(m.to[0] for _, m in day_before) == sorted([org.employee_record.email, org.interviewer.employee.email])
    clock.move_to(datetime.datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    hour_before = deliver(kinds=[ActionKind.REMINDER])
    assert len(hour_before) == 2
    assert "2026-12-09 14:00 (Europe/Stockholm)" in hour_before[0][1].body


def test_a_cancelled_interview_sends_no_reminder(schedule, org, deliver, clock):
    interview = schedule()
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    clock.move_to(datetime.datetime(2026, 12, 4, 7, 0, tzinfo=UTC))
    assert deliver(kinds=[ActionKind.REMINDER]) == []


def test_reminders_carry_no_calendar(schedule, deliver, clock):
    schedule()
    clock.move_to(datetime.datetime(2026, 12, 4, 7, 0, tzinfo=UTC))
    sent = deliver(kinds=[ActionKind.REMINDER])
    assert len(sent) == 4
    for _, message in sent:
        assert "text/calendar" not in message.message().as_string()


def test_the_invite_endpoint_returns_the_current_invite(schedule, org, api):
    interview = schedule()
    response = api(org.employee).get(f"/api/v1/interviews/{interview.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    event = event_of(icalendar.Calendar.from_ical(response.content))
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (interview.uid, 0)


def test_the_invite_endpoint_returns_the_cancel_once_cancelled(schedule, org, api):
    interview = schedule()
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    response = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/invite.ics")
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["METHOD"]) == "CANCEL" and int(event_of(cal)["SEQUENCE"]) == 1
