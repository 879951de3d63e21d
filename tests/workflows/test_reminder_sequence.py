"""Over a departure's whole life the computed reminders send the same emails, on the same days, as
planning every reminder up front did: the reference below is that old plan, written out."""

import datetime
import types
import zoneinfo

import pytest

from offboarding.actions import departures as departure_actions
from offboarding.actions import steps as step_actions
from workflows import engine
from workflows.models import Step, StepState
from workflows.outbox.delivery import claim_due, deliver
from workflows.outbox.models import ScheduledAction
from workflows.outbox.timing import next_working_moment

pytestmark = pytest.mark.django_db
D = datetime.date
END = datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC)


def _live_until(frozen, mailoutbox, end, *, on_day=None):
    """Run the outbox as beat would, jumping from one due row to the next until `end`; return the
    step reminders sent as (address, step id, label, local date of sending) in sending order."""
    sent = []
    while True:
        row = ScheduledAction.objects.filter(status="pending", due_at__lte=end).order_by("due_at").first()
        if row is None:
            return sent
        frozen.move_to(row.due_at)
        if on_day is not None:
            on_day()
        for action_id in claim_due(now=row.due_at):  # the travelled clock, not the database's
            before = len(mailoutbox)
            outcome = deliver(action_id, now=row.due_at)
            action = ScheduledAction.objects.get(pk=action_id)
            if action.handler != "step_reminder" or not outcome.sent:
                continue
            for message in mailoutbox[before:]:
                for address in message.to:
                    sent.append((address, action.payload["step"], action.payload["label"], action.due_at))


def _reference(steps, people, planned_at, *, until=None):
    """The old planner: for each step and each of its people, every reminder day at the start of
    that person's working day, from when it was planned (and, with `until`, before then)."""
    expected = []
    for step in steps:
        for person in people[step.key]:
            tz = zoneinfo.ZoneInfo(person.time_zone)
            for label, day in engine.reminder_days(step.due_date, step.workflow.country):
                at = next_working_moment(
                    datetime.datetime.combine(day, person.work_starts, tzinfo=tz),
                    time_zone=person.time_zone,
                    country=person.country,
                    starts=person.work_starts,
                    ends=person.work_ends,
                )
                if at >= planned_at and (until is None or at < until):
                    expected.append((person.email, step.pk, label, at))
    return expected


def _people(org):
    def member(user):
        # A group member is written to at their login's address, in their employee record's hours.
        record = user.employee
        return types.SimpleNamespace(
            email=user.email,
            time_zone=record.time_zone,
            country=record.country,
            work_starts=record.work_starts,
            work_ends=record.work_ends,
        )

    return {
        "equipment_return": [org.employee_record],
        "access_revocation": [member(org.it)],
        "exit_interview": [member(org.hr)],
        "handover_plan": [org.manager_record],
    }


def _reminded_steps(departure, keys):
    return [s for s in Step.objects.filter(workflow_id=departure.workflow_id, key__in=keys).select_related("workflow")]


def test_an_untouched_departure_gets_every_reminder_it_got_before(org, start_departure, frozen, mailoutbox):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    people = _people(org)
    steps = _reminded_steps(departure, people)
    assert {s.state for s in steps} == {StepState.READY}
    planned_at = datetime.datetime.now(datetime.UTC)

    sent = _live_until(frozen, mailoutbox, END)

    ours = [s for s in sent if s[1] in {step.pk for step in steps}]
    assert sorted(ours) == sorted(_reference(steps, people, planned_at))
    assert len(ours) == 4 * 7


def test_a_moved_date_and_a_finished_step_send_what_they_sent_before(org, start_departure, frozen, mailoutbox):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    people = _people(org)
    before_move = _reminded_steps(departure, people)
    start = datetime.datetime.now(datetime.UTC)
    moved_at = datetime.datetime(2026, 12, 17, 12, 0, tzinfo=datetime.UTC)

    sent = _live_until(frozen, mailoutbox, moved_at)
    frozen.move_to(moved_at)
    reminder_rows = ScheduledAction.objects.filter(handler="step_reminder")
    rows_before = reminder_rows.count()
    departure_actions.departure_update(departure=departure, actor=org.hr, data={"last_working_day": D(2027, 1, 15)})
    # A handful of rows: one cancelled and one new per moved step, not a week of reminders each.
    moved = Step.objects.filter(workflow_id=departure.workflow_id, remind=True, due_date__gte=D(2027, 1, 1))
    assert 0 < reminder_rows.count() - rows_before <= moved.count()
    finished = Step.objects.get(workflow_id=departure.workflow_id, key="handover_plan")
    step_actions.step_act(step=finished, action="complete", actor=org.manager)
    after_move = [s for s in _reminded_steps(departure, people) if s.key != "handover_plan"]
    sent += _live_until(frozen, mailoutbox, END)

    ids = {s.pk for s in before_move}
    expected = _reference(before_move, people, start, until=moved_at) + _reference(after_move, people, moved_at)
    assert sorted(s for s in sent if s[1] in ids) == sorted(expected)
    assert not [s for s in sent if s[1] == finished.pk and s[3] > moved_at]
