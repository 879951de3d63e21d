"""Times mean what people meant: a time needs its offset; night, past and after-the-last-day times
need HR to force them with a note; hold waits for the start; reminders never coincide."""

from __future__ import annotations

import datetime

import pytest

from offboarding.actions import interviews as interview_actions
from offboarding.models import DepartureHistory, DepartureState
from offboarding.people import user_email
from tests.factories import DepartureFactory, EmployeeFactory
from workflows.outbox.models import ScheduledAction

UTC = datetime.UTC


def _reschedule(api, user, interview, **body):
    return api(user).post(f"/api/v1/interviews/{interview.pk}/reschedule/", body, format="json")


@pytest.mark.parametrize("start", ["2026-12-10T10:00", "2026-12-10", "2026-12-10T10:00:00"])
def test_a_time_without_an_offset_is_refused(schedule, org, api, start):
    interview = schedule()

    response = _reschedule(api, org.hr, interview, start=start)

    assert response.status_code == 400
    assert "offset" in response.json()["fields"]["start"][0]
    interview.refresh_from_db()
    assert interview.sequence == 0


def test_a_time_with_an_offset_is_taken_as_given(schedule, org, api):
    interview = schedule()

    response = _reschedule(api, org.hr, interview, start="2026-12-10T10:00:00+01:00")

    assert response.status_code == 200, response.content
    assert response.json()["start"] == "2026-12-10T09:00:00Z"


def test_scheduling_without_an_offset_is_refused(departure, org, api):
    response = api(org.hr).post(
        f"/api/v1/departures/{departure.pk}/interview/", {"start": "2026-12-10T10:00"}, format="json"
    )
    assert response.status_code == 400 and "start" in response.json()["fields"]


def test_a_night_time_is_refused_unless_hr_forces_it_with_a_note(schedule, org, api):
    interview = schedule()
    night = "2026-12-10T03:00:00Z"  # 04:00 in Stockholm

    refused = _reschedule(api, org.hr, interview, start=night)
    without_note = _reschedule(api, org.hr, interview, start=night, force=True)
    forced = _reschedule(api, org.hr, interview, start=night, force=True, force_note="Only time she can, from Tokyo.")

    assert refused.status_code == 400 and "night" in refused.json()["fields"]["start"][0]
    assert without_note.status_code == 400 and "force_note" in without_note.json()["fields"]
    assert forced.status_code == 200, forced.content
    row = DepartureHistory.objects.filter(transition="reschedule").latest("id")
    assert "forced" in row.note and "Tokyo" in row.note


def test_the_interviewer_cannot_force_a_time(schedule, org, api):
    interview = schedule()
    response = _reschedule(api, org.interviewer, interview, start="2026-12-10T03:00:00Z", force=True, force_note="x")
    assert response.status_code == 403


def test_a_time_after_the_last_working_day_is_refused(schedule, org, api):
    interview = schedule()

    response = _reschedule(api, org.hr, interview, start="2027-01-08T09:00:00Z")

    assert response.status_code == 400
    assert "last working day" in response.json()["fields"]["start"][0]


def test_a_time_in_the_past_is_refused(schedule, org, api):
    interview = schedule()
    response = _reschedule(api, org.hr, interview, start="2026-11-30T09:00:00Z", force=True, force_note="late")
    assert response.status_code == 400


def test_hold_is_refused_before_the_interview_starts(schedule, org, api, clock):
    interview = schedule()

    early = api(org.interviewer).post(f"/api/v1/interviews/{interview.pk}/hold/")
    clock.move_to(interview.start)
    on_time = api(org.interviewer).post(f"/api/v1/interviews/{interview.pk}/hold/")

    assert early.status_code == 409
    assert on_time.status_code == 200


def test_two_reminders_for_one_person_never_fall_due_at_the_same_instant(schedule, org):
    # Monday 14 December 09:00 Stockholm: 24 h before is a Sunday and 1 h before is before opening time;
    # both move to Friday afternoon, so one reminder goes then.
    interview = schedule()
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    )

    reminders = ScheduledAction.objects.filter(handler="interview_reminder", status="pending")
    per_person = {}
    for action in reminders:
        per_person.setdefault(action.recipient, []).append(action.due_at)
    assert per_person
    for dues in per_person.values():
        assert len(dues) == len(set(dues))


def test_an_interviewers_reminders_for_two_interviews_never_coincide(schedule, org, departure):
    second_departure = DepartureFactory(
        employee=EmployeeFactory(manager=org.manager2_record),
        state=DepartureState.APPROVED,
        notice_date=datetime.date(2026, 11, 18),
        last_working_day=datetime.date(2026, 12, 18),
    )
    monday_nine = datetime.datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    schedule(start=monday_nine, interviewer=org.interviewer)
    schedule(departure=second_departure, start=monday_nine + datetime.timedelta(hours=1), interviewer=org.interviewer)

    dues = list(
        ScheduledAction.objects.filter(
            handler="interview_reminder", status="pending", recipient=user_email(org.interviewer)
        ).values_list("due_at", flat=True)
    )
    assert len(dues) >= 2
    assert len(dues) == len(set(dues))
