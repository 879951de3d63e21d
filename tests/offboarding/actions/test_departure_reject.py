"""Rejecting the departure plan is one action: the step API and the one-click email link give the same result."""

import datetime

import pytest
import time_machine
from django.test import Client

from offboarding import links
from offboarding.models import DepartureHistory, DepartureState
from workflows.models import StepState
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db
NOTE = "The last day clashes with the release."


def _by_step_api(api, org, departure):
    step = departure.workflow.steps.get(approves_subject=True)
    response = api(org.manager).post(f"/api/v1/steps/{step.pk}/reject/", {"note": NOTE}, format="json")
    assert response.status_code == 200, response.data


def _by_email_link(api, org, departure):
    url = links.link_url(action="reject", departure_id=departure.pk, user_id=org.manager.pk)
    response = Client().post(url.removeprefix("http://testserver"), {"note": NOTE})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("reject", [_by_step_api, _by_email_link], ids=["step-api", "email-link"])
def test_rejecting_from_the_step_api_or_the_email_link_gives_the_same_result(reject, api, org, start_departure):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        departure = start_departure()
        group = f"departure:{departure.pk}"
        approval_cycle = ScheduledAction.objects.filter(group=group, idempotency_key__startswith="approval:")
        waiting = list(approval_cycle.filter(status=ActionStatus.PENDING).values_list("pk", flat=True))
        assert len(waiting) == 1  # the request (its reminders and the escalation follow one at a time)

        reject(api, org, departure)

        departure.refresh_from_db()
        assert departure.state == DepartureState.NOTICE
        entry = DepartureHistory.objects.get(departure=departure, transition="approval_rejected")
        assert (entry.actor, entry.note) == (org.manager, NOTE)
        assert departure.workflow.steps.get(approves_subject=True).state == StepState.REJECTED
        assert not ScheduledAction.objects.filter(pk__in=waiting, status=ActionStatus.PENDING).exists()
        told = ScheduledAction.objects.filter(
            group=group, kind=ActionKind.NOTIFICATION, idempotency_key__contains=":rejected:"
        )
        assert list(told.values_list("recipient", flat=True)) == [org.hr.employee.email]
