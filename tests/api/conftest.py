"""A whole world for walking the API: a departure with its checklist, a scheduled interview, a reference
offer, an outbox row and a follow-up survey, and one user per role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine

from core import roles
from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.actions import references as reference_actions
from offboarding.feedback.models import FollowUpSurvey
from offboarding.interviews.models import AttendeeReply
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import grant_read_answers
from workflows.models import Step, WorkflowTemplate
from workflows.outbox.models import ScheduledAction

# Tuesday 1 December 2026, before working hours: the interview window (the last two weeks) is ahead.
NOW = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=datetime.UTC)


@dataclass
class World:
    users: dict
    departure: object
    interview: object
    reference: object
    step: object
    action: object
    survey: object
    template: object
    proposal: object

    def ids(self) -> dict:
        return {
            "departure": self.departure.pk,
            "interview": self.interview.pk,
            "reference": self.reference.pk,
            "step": self.step.pk,
            "action": self.action.pk,
            "template": self.template.pk,
            "employee": self.departure.employee_id,
            "proposal": self.proposal.pk,
        }


@pytest.fixture
def world(org, start_departure) -> World:
    with time_machine.travel(NOW, tick=False):
        departure = start_departure()
        departure_actions.departure_run_transition(departure=departure, name="approve", actor=org.manager)
        interview = interview_actions.exit_interview_schedule(
            departure=departure, actor=org.hr, interviewer=org.interviewer
        )
        reference = reference_actions.reference_offer_by_hr(departure=departure, actor=org.hr)
        reader = UserFactory(username="hr-reader", groups=[roles.HR])
        EmployeeFactory(name="Rita Reader", user=reader, department="People")
        grant_read_answers(reader)
        # The leaver proposed another time (an iTIP COUNTER), waiting for HR or the interviewer.
        proposal = AttendeeReply.objects.create(
            interview=interview,
            method=AttendeeReply.Method.COUNTER,
            attendee_email=departure.employee.email,
            sequence=interview.sequence,
            proposed_start=interview.start + datetime.timedelta(days=1),
            proposed_end=interview.end + datetime.timedelta(days=1),
            applied=True,
        )
        survey = FollowUpSurvey.objects.filter(departure=departure).order_by("offset_days").first()
        step = Step.objects.filter(workflow__departure=departure, assignee_role="it").order_by("id").first()
        users = {
            "hr": reader,
            "hr_plain": org.hr,
            "interviewer": org.interviewer,
            "employee": org.employee,
            "manager": org.manager,
            "ceo": org.ceo,
            "manager2": org.manager2,
            "it": org.it,
            "outsider": org.outsider,
            "anonymous": None,
        }
        return World(
            users=users,
            departure=departure,
            interview=interview,
            reference=reference,
            step=step,
            action=ScheduledAction.objects.order_by("id").first(),
            survey=survey,
            template=WorkflowTemplate.objects.order_by("id").first(),
            proposal=proposal,
        )


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
