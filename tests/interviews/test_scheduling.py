"""Scheduling the exit interview and its state machine, wired to the departure."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from core import errors
from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.interviews.models import ExitInterview, InterviewState
from offboarding.models import DepartureHistory, DepartureState, InterviewOutcome
from tests.factories import UserFactory
from tests.helpers import hold_after_start
from workflows.models import StepState
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def test_scheduling_takes_the_first_free_slot_and_moves_the_departure(schedule, departure, org):
    interview = schedule()
    departure.refresh_from_db()
    assert interview.state == InterviewState.SCHEDULED
    assert departure.state == DepartureState.INTERVIEW_SCHEDULED
    # Window: the last two weeks before Friday 18 Dec, from Friday 4 Dec; 09:00 Stockholm is 08:00 UTC.
    assert interview.start == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert interview.end - interview.start == datetime.timedelta(minutes=60)
    assert interview.interviewer == org.interviewer
    assert interview.sequence == 0


def test_scheduling_writes_invites_and_reminders_to_the_outbox(schedule):
    interview = schedule()
    rows = ScheduledAction.objects.filter(group=f"interview:{interview.pk}")
    assert sorted(rows.filter(kind=ActionKind.INVITE).values_list("payload__to", flat=True)) == [
        "employee",
        "interviewer",
    ]
    due = sorted(rows.filter(kind=ActionKind.REMINDER).values_list("due_at", flat=True))
    # Friday 09:00 in Stockholm: a day before is Thursday 09:00; an hour before (08:00) is outside working
    # hours, so that reminder goes in the last half hour of Thursday's working day (16:30 local).
    assert due == [
        datetime.datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 3, 15, 30, tzinfo=UTC),
        datetime.datetime(2026, 12, 3, 15, 30, tzinfo=UTC),
    ]


def test_scheduling_writes_the_audit_trail(schedule, departure):
    schedule()
    rows = list(DepartureHistory.objects.filter(departure=departure).values_list("subject", "transition"))
    assert rows == [("interview", "propose"), ("interview", "schedule"), ("departure", "schedule_interview")]


def test_only_hr_schedules(schedule, org):
    with pytest.raises(errors.PermissionDenied):
        schedule(actor=org.interviewer)


def test_a_second_active_interview_is_refused(schedule):
    schedule()
    with pytest.raises(errors.TransitionNotAllowed):
        schedule()


def test_a_departure_not_yet_approved_cannot_be_scheduled(schedule, departure):
    departure.state = DepartureState.NOTICE
    departure.save()
    with pytest.raises(errors.TransitionNotAllowed):
        schedule()


def test_a_given_start_is_kept(schedule):
    start = datetime.datetime(2026, 12, 9, 13, 0, tzinfo=UTC)
    interview = schedule(start=start)
    assert (interview.start, interview.end) == (start, start + datetime.timedelta(hours=1))


def test_a_start_in_the_past_is_refused(schedule):
    with pytest.raises(errors.InvalidInput) as caught:
        schedule(start=datetime.datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert "start" in caught.value.fields


def test_no_free_slot_is_unprocessable(schedule, departure, clock):
    clock.move_to(datetime.datetime(2026, 12, 17, 12, 0, tzinfo=UTC))  # the window has passed
    with pytest.raises(errors.Unprocessable):
        schedule()


def test_reschedule_bumps_the_sequence_and_keeps_the_uid(schedule, org):
    interview = schedule()
    uid = interview.uid
    moved = interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    assert (moved.uid, moved.sequence, moved.state) == (uid, 1, InterviewState.SCHEDULED)


def test_reschedule_moves_the_reminders(schedule, org):
    interview = schedule()
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    reminders = ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.REMINDER)
    assert reminders.filter(status=ActionStatus.CANCELLED).count() == 4
    pending = sorted(set(reminders.filter(status=ActionStatus.PENDING).values_list("due_at", flat=True)))
    assert pending == [
        datetime.datetime(2026, 12, 9, 9, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 10, 8, 0, tzinfo=UTC),
    ]


def test_the_employee_may_only_pick_an_offered_slot(schedule, org):
    interview = schedule()
    with pytest.raises(errors.InvalidInput):
        interview_actions.exit_interview_reschedule(
            interview=interview, actor=org.employee, start=datetime.datetime(2026, 12, 10, 20, 0, tzinfo=UTC)
        )
    moved = interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.employee, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    assert moved.sequence == 1


def test_cancel_sends_the_departure_back_to_approved(schedule, departure, org):
    interview = schedule()
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    departure.refresh_from_db()
    interview.refresh_from_db()
    assert (interview.state, interview.sequence) == (InterviewState.CANCELLED, 1)
    assert departure.state == DepartureState.APPROVED
    assert not ScheduledAction.objects.filter(
        group=f"interview:{interview.pk}", kind=ActionKind.REMINDER, status=ActionStatus.PENDING
    ).exists()
    assert ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.CANCEL).count() == 2


def test_after_a_cancel_another_interview_can_be_scheduled(schedule, org):
    first = schedule()
    interview_actions.exit_interview_cancel(interview=first, actor=org.hr)
    second = schedule()
    assert second.pk != first.pk and second.uid != first.uid


def test_hold_finishes_the_departures_interview(schedule, departure, org, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    departure.refresh_from_db()
    assert departure.state == DepartureState.INTERVIEW_DONE
    assert departure.interview_outcome == InterviewOutcome.HELD


def test_close_follows_hold(schedule, org, clock):
    interview = schedule()
    with pytest.raises(errors.TransitionNotAllowed):
        interview_actions.exit_interview_close(interview=interview, actor=org.interviewer)
    hold_after_start(clock, interview, actor=org.interviewer)
    closed = interview_actions.exit_interview_close(interview=interview, actor=org.interviewer)
    assert closed.state == InterviewState.CLOSED


def test_decline_moves_the_departure_on_and_offers_the_questionnaire(schedule, departure, org, deliver):
    interview = schedule()
    interview_actions.exit_interview_decline(interview=interview, actor=org.employee)
    departure.refresh_from_db()
    assert departure.state == DepartureState.INTERVIEW_DONE
    assert departure.interview_outcome == InterviewOutcome.DECLINED
    sent = deliver(handler="interview_questionnaire_offer")
    assert len(sent) == 1
    message = sent[0][1]
    assert message.to == [org.employee_record.email]
    assert f"/interviews/{interview.pk}/questionnaire/" in message.body


def test_decline_cancels_the_meeting_in_calendars(schedule, org):
    interview = schedule()
    interview_actions.exit_interview_decline(interview=interview, actor=org.employee)
    cancels = ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.CANCEL)
    assert sorted(cancels.values_list("payload__to", flat=True)) == ["employee", "interviewer"]


def test_no_show_records_the_outcome_and_allows_a_reschedule(schedule, departure, org):
    interview = schedule()
    interview_actions.exit_interview_no_show(interview=interview, actor=org.interviewer)
    departure.refresh_from_db()
    assert departure.state == DepartureState.INTERVIEW_SCHEDULED
    assert departure.interview_outcome == InterviewOutcome.NO_SHOW
    moved = interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.interviewer, start=datetime.datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    )
    assert (moved.state, moved.sequence) == (InterviewState.SCHEDULED, 1)


def test_cancelling_the_departure_cancels_the_interview(schedule, departure, org):
    interview = schedule()
    departure_actions.departure_cancel(departure=departure, actor=org.hr)
    interview.refresh_from_db()
    assert interview.state == InterviewState.CANCELLED
    assert ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.CANCEL).count() == 2


@pytest.mark.parametrize(
    "action, role",
    [
        ("hold", "employee"),
        ("close", "employee"),
        ("no_show", "employee"),
        ("decline", "interviewer"),
        ("cancel", "employee"),
        ("hold", "manager"),
    ],
)
def test_an_action_outside_its_roles_is_forbidden(schedule, org, action, role):
    interview = schedule()
    with pytest.raises(errors.PermissionDenied):
        interview_actions.exit_interview_run_action(
            interview=interview, action=action, actor=getattr(org, role), data={}
        )


def test_the_interview_transitions_of_a_closed_interview_conflict(schedule, org, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.hr)
    with pytest.raises(errors.TransitionNotAllowed):
        interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)


def test_reassign_cancels_for_the_old_interviewer_and_invites_the_new(schedule, org):
    interview = schedule()
    other = UserFactory(username="interviewer2", groups=["interviewer"])
    interview_actions.exit_interview_reassign(interview=interview, actor=org.hr, interviewer=other)
    interview.refresh_from_db()
    assert (interview.interviewer, interview.sequence) == (other, 1)
    cancel = ScheduledAction.objects.get(group=f"interview:{interview.pk}", kind=ActionKind.CANCEL)
    assert cancel.recipient == org.interviewer.employee.email
    invites = ScheduledAction.objects.filter(
        group=f"interview:{interview.pk}", kind=ActionKind.INVITE, status=ActionStatus.PENDING
    )
    assert sorted(invites.values_list("recipient", flat=True)) == sorted([org.employee_record.email, other.email])


def test_interview_model_keeps_one_active_per_departure(schedule, departure, org):
    schedule()
    with pytest.raises(IntegrityError), transaction.atomic():
        ExitInterview.objects.create(departure=departure, interviewer=org.hr)


def test_hold_finishes_the_workflows_interview_step(schedule, org, workflow, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    assert set(workflow.steps.filter(kind="interview").values_list("state", flat=True)) == {StepState.DONE}


def test_decline_skips_the_workflows_interview_step(schedule, org, workflow):
    interview = schedule()
    interview_actions.exit_interview_decline(interview=interview, actor=org.employee)
    assert set(workflow.steps.filter(kind="interview").values_list("state", flat=True)) == {StepState.SKIPPED}
