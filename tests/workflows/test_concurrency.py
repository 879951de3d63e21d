"""Racing approvals of the manager's approval step: one approval, one clear conflict (PostgreSQL)."""

import pytest

from offboarding.models import Departure
from tests.helpers import post_as, race
from workflows.models import Step, StepHistory
from workflows.services import templates_install_defaults


def _race(calls) -> list[int]:
    return sorted(race(*(lambda user=user, url=url: post_as(user, url) for user, url in calls)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_the_step_at_once_give_one_200_and_one_409(postgres_required, org, start_departure):
    templates_install_defaults()
    departure = start_departure()
    step = Step.objects.get(workflow_id=departure.workflow_id, key="manager_approval")
    url = f"/api/v1/steps/{step.pk}/approve/"

    assert _race([(org.manager, url), (org.ceo, url)]) == [200, 409]
    assert Departure.objects.get(pk=departure.pk).state == "approved"
    assert StepHistory.objects.filter(step=step).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_step_and_the_departure_approved_at_once_agree(postgres_required, org, start_departure):
    templates_install_defaults()
    departure = start_departure()
    step = Step.objects.get(workflow_id=departure.workflow_id, key="manager_approval")

    statuses = _race(
        [(org.manager, f"/api/v1/steps/{step.pk}/approve/"), (org.ceo, f"/api/v1/departures/{departure.pk}/approve/")]
    )

    assert statuses == [200, 409]
    step.refresh_from_db()
    assert step.state == "approved"
    assert Departure.objects.get(pk=departure.pk).state == "approved"
