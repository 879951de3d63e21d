"""The issue's "Done when" path on the demo-like organisation, through the public API."""

import datetime

import pytest

from offboarding.models import Departure
from workflows.business_time import is_business_day

pytestmark = pytest.mark.django_db

LAST_DAY = datetime.date(2026, 12, 18)


def mine(api, user) -> dict:
    response = api(user).get("/api/v1/steps/", {"mine": "true"})
    assert response.status_code == 200, response.data
    return {row["key"]: row for row in response.data["results"]}


def test_after_the_manager_approves_it_and_employee_see_their_steps(org, api, start_departure, step_of):
    departure = start_departure()
    approval = step_of(departure, "manager_approval")

    response = api(org.manager).post(f"/api/v1/steps/{approval.pk}/approve/", {"note": "ok"}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["state"] == "approved"
    assert Departure.objects.get(pk=departure.pk).state == "approved"
    it_steps = mine(api, org.it)
    assert it_steps["access_revocation"]["due_date"] == "2026-12-18"
    assert it_steps["access_revocation"]["state"] == "ready"
    employee_steps = mine(api, org.employee)
    assert list(employee_steps) == ["equipment_return"]
    assert employee_steps["equipment_return"]["state"] == "ready"
    assert employee_steps["equipment_return"]["due_date"] == "2026-12-18"


def test_access_revocation_is_due_at_the_end_of_the_last_day_in_the_employees_zone(org, api, start_departure, step_of):
    departure = start_departure()

    step = step_of(departure, "access_revocation")

    local = step.due_at.astimezone(org.employee_record.tzinfo)
    assert (local.date(), local.hour, local.minute) == (LAST_DAY, 23, 59)


def test_moving_the_last_day_moves_both_due_dates(org, api, start_departure):
    departure = start_departure()
    api(org.manager).post(f"/api/v1/departures/{departure.pk}/approve/", {}, format="json")

    response = api(org.hr).patch(
        f"/api/v1/departures/{departure.pk}/", {"last_working_day": "2027-01-15"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert mine(api, org.it)["access_revocation"]["due_date"] == "2027-01-15"
    assert mine(api, org.employee)["equipment_return"]["due_date"] == "2027-01-15"


def test_moving_the_last_day_onto_midsummer_eve_puts_the_last_day_steps_before_it(org, api, start_departure):
    departure = start_departure(notice_date=datetime.date(2026, 5, 4), last_working_day=datetime.date(2026, 6, 12))

    api(org.hr).patch(f"/api/v1/departures/{departure.pk}/", {"last_working_day": "2026-06-19"}, format="json")

    assert mine(api, org.it)["access_revocation"]["due_date"] == "2026-06-18"


@pytest.mark.parametrize(
    ("country", "time_zone", "notice", "last_day"),
    [
        ("SE", "Europe/Stockholm", datetime.date(2026, 5, 25), datetime.date(2026, 6, 19)),
        ("SE", "Europe/Stockholm", datetime.date(2026, 11, 30), datetime.date(2026, 12, 23)),
        ("US", "America/New_York", datetime.date(2026, 11, 25), datetime.date(2026, 12, 4)),
    ],
)
def test_no_due_date_falls_on_a_weekend_or_public_holiday(org, start_departure, country, time_zone, notice, last_day):
    org.employee_record.country = country
    org.employee_record.time_zone = time_zone
    org.employee_record.save()

    departure = start_departure(notice_date=notice, last_working_day=last_day)

    dates = list(departure.workflow.steps.exclude(due_date=None).values_list("due_date", flat=True))
    assert len(dates) >= 13
    assert [d for d in dates if not is_business_day(d, country)] == []
