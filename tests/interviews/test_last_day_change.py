"""A moved last working day takes a scheduled interview that no longer fits along with it."""

import datetime

import pytest

from offboarding.actions import departures as departure_actions
from offboarding.interviews.models import InterviewState
from offboarding.models import DepartureState
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def test_an_interview_on_or_after_the_new_last_day_moves_to_the_new_window(schedule, departure, org):
    interview = schedule()
    assert interview.start == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)

    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 4)}
    )

    interview.refresh_from_db()
    assert interview.state == InterviewState.SCHEDULED
    assert interview.start.astimezone(org.employee_record.tzinfo).date() < datetime.date(2026, 12, 4)
    assert interview.sequence == 1
    invites = ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.INVITE)
    assert invites.filter(status=ActionStatus.PENDING).count() == 2


def test_an_interview_still_before_the_new_last_day_stays(schedule, departure, org):
    interview = schedule()

    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 11)}
    )

    interview.refresh_from_db()
    assert (interview.start, interview.sequence) == (datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC), 0)


def test_without_a_free_slot_the_interview_is_called_off_for_hr_to_rearrange(schedule, departure, org):
    interview = schedule()

    # It is Tuesday 1 December: a last day on the 2nd leaves no day between tomorrow and the last day.
    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 2)}
    )

    interview.refresh_from_db()
    departure.refresh_from_db()
    assert interview.state == InterviewState.CANCELLED
    assert departure.state == DepartureState.APPROVED
    cancels = ScheduledAction.objects.filter(group=f"interview:{interview.pk}", kind=ActionKind.CANCEL)
    assert cancels.count() == 2
