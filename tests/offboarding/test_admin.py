"""The admin runs the same actions as the API: adding a departure starts its checklist, history and emails."""

import datetime

import pytest
import time_machine

from offboarding.models import Departure, DepartureState
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _add(client, employee, **overrides):
    data = {
        "employee": employee.pk,
        "kind": "resignation",
        "notice_date": "2026-11-02",
        "last_working_day": "2026-12-18",
        "reason": "career",
        "rehire_eligible": "unknown",
        "history-TOTAL_FORMS": "0",
        "history-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return client.post("/admin/offboarding/departure/add/", data)


def test_adding_a_departure_in_the_admin_starts_it_like_the_api(admin_client, org):
    response = _add(admin_client, org.employee_record)

    assert response.status_code == 302, response.content.decode()[:2000]
    departure = Departure.objects.get()
    assert departure.state == DepartureState.NOTICE and departure.workflow is not None
    assert [h.transition for h in departure.history.all()] == ["start"]
    assert ScheduledAction.objects.filter(group=f"departure:{departure.pk}", handler="departure_approval_request")


def test_a_second_open_departure_in_the_admin_is_a_form_error_not_a_500(admin_client, org, start_departure):
    start_departure()

    response = _add(admin_client, org.employee_record)

    assert response.status_code == 200
    assert "already has an open departure" in response.content.decode()
    assert Departure.objects.count() == 1


def test_changing_the_last_day_in_the_admin_moves_the_checklist_like_the_api(admin_client, org, start_departure):
    departure = start_departure()
    step = departure.workflow.steps.get(key="access_revocation")

    response = admin_client.post(
        f"/admin/offboarding/departure/{departure.pk}/change/",
        {
            "kind": "resignation",
            "notice_date": "2026-11-02",
            "last_working_day": "2027-01-15",
            "reason": "career",
            "rehire_eligible": "unknown",
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    step.refresh_from_db()
    assert step.due_date == datetime.date(2027, 1, 15)
    assert departure.history.filter(transition="change_last_working_day").exists()


def test_the_admin_cannot_delete_a_departure(admin_client, start_departure):
    departure = start_departure()
    response = admin_client.post(f"/admin/offboarding/departure/{departure.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Departure.objects.filter(pk=departure.pk).exists()
