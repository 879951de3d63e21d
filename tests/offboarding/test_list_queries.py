"""The list endpoints cost a fixed number of queries per page, and read only what they render."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EmployeeFactory
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db


def _start_many(org, start_departure, n):
    for _ in range(n):
        start_departure(employee=EmployeeFactory(manager=org.manager_record))


def test_hr_pages_through_departures_in_a_fixed_number_of_queries(org, api, start_departure, django_assert_num_queries):
    _start_many(org, start_departure, 12)
    client = api(User.objects.get(pk=org.hr.pk))
    client.get("/api/v1/me/")  # the session user's groups, as any earlier request would have read them

    # The page with HR's total (PostgreSQL's tally; elsewhere a count): available transitions and
    # field filtering read nothing more.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        response = client.get("/api/v1/departures/", {"page_size": 100})

    assert response.status_code == 200
    assert len(response.data["results"]) == 12


def test_the_departures_list_joins_the_employee_only(org, api, start_departure):
    _start_many(org, start_departure, 3)

    with CaptureQueriesContext(connection) as captured:
        assert api(org.hr).get("/api/v1/departures/").status_code == 200

    page = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "offboarding_departure"."id"')]
    assert len(page) == 1
    assert page[0].count("JOIN") == 1


def test_hr_pages_through_the_outbox_in_a_fixed_number_of_queries(org, api, start_departure, django_assert_num_queries):
    _start_many(org, start_departure, 55)
    assert ScheduledAction.objects.count() > 50
    client = api(User.objects.get(pk=org.hr.pk))
    client.get("/api/v1/me/")

    with django_assert_num_queries(2):
        response = client.get("/api/v1/outbox/actions/", {"page_size": 100})

    assert len(response.data["results"]) > 50


@pytest.mark.parametrize("role", ["hr", "manager", "employee", "ceo"])
def test_the_list_rows_equal_the_departure_shape_for_every_role(org, api, start_departure, role, rf):
    from rest_framework.request import Request

    from offboarding.actions import departures as departure_actions
    from offboarding.api.departures import DepartureOutputSerializer
    from offboarding.models import Departure

    own = start_departure()
    departure_actions.departure_approve(departure=own, actor=org.hr)
    Departure.objects.filter(pk=own.pk).update(rehire_eligible=True)
    other = EmployeeFactory(manager=org.manager_record)
    departure_actions.departure_cancel(departure=start_departure(employee=other), actor=org.hr)
    user = User.objects.get(pk=getattr(org, role).pk)

    rows = api(user).get("/api/v1/departures/").json()["results"]

    request = Request(rf.get("/api/v1/departures/"))
    request.user = User.objects.get(pk=user.pk)
    expected = DepartureOutputSerializer(
        [Departure.objects.select_related("employee").get(pk=row["id"]) for row in rows],
        many=True,
        context={"request": request},
    ).data
    assert rows and rows == [dict(row) for row in expected]
