"""The departures list builds its rows from the page's columns and asks the transitions once per kind
of row: every row must still say what the departure's own page says, for every role."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offboarding.actions import departures as departure_actions
from offboarding.interviews.models import ExitInterview
from offboarding.models import Departure
from tests.factories import EmployeeFactory
from tests.helpers import NOTICE_DATE
from workflows.models import Step

pytestmark = pytest.mark.django_db

URL = "/api/v1/departures/"
ROLES = ["hr", "manager", "ceo", "employee", "manager2", "interviewer", "it"]
# The detail adds these to the list's fields.
DETAIL_ONLY = {"history", "steps"}


def _interview_done(departure, org, *, steps_done: bool):
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    departure_actions.departure_waive_interview(departure=departure, actor=org.hr)
    if steps_done:
        Step.objects.filter(workflow_id=departure.workflow_id).update(state="done")


@pytest.fixture
def mixed_page(org, start_departure):
    """Departures in every state, some past their last day, some with their required steps done, one of
    them HR's own, under the employee's manager and elsewhere."""
    hr_record = org.hr.employee
    own = start_departure(rehire_eligible=True)  # the employee's, under manager and ceo
    ExitInterview.objects.create(departure=own, interviewer=org.interviewer)
    under = [EmployeeFactory(manager=org.manager_record) for _ in range(6)]
    elsewhere = [EmployeeFactory(manager=org.manager2_record, time_zone="America/Los_Angeles") for _ in range(3)]
    past = NOTICE_DATE + datetime.timedelta(days=1)
    departures = [own, start_departure(employee=hr_record, rehire_eligible=False)]
    departures += [start_departure(employee=e, last_working_day=past, backdated=True) for e in under[:3]]
    departures += [start_departure(employee=e) for e in under[3:]]
    departures += [start_departure(employee=e, last_working_day=past, backdated=True) for e in elsewhere]
    departure_actions.departure_approve(departure=departures[2], actor=org.hr)
    _interview_done(departures[3], org, steps_done=True)
    _interview_done(departures[4], org, steps_done=False)
    _interview_done(departures[5], org, steps_done=True)  # the last day still ahead
    _interview_done(departures[8], org, steps_done=True)
    departure_actions.departure_cancel(departure=departures[6], actor=org.hr)
    _interview_done(departures[9], org, steps_done=False)
    departure_actions.departure_complete(departure=departures[9], actor=org.hr, override=True, note="setup")
    Departure.objects.filter(pk__in=[d.pk for d in departures[:4]]).update(reason="pay")
    return departures


@pytest.mark.parametrize("role", ROLES)
def test_every_row_of_a_mixed_page_says_what_the_departure_page_says(org, api, mixed_page, role):
    client = api(User.objects.get(pk=getattr(org, role).pk))

    # Late on the last day in Stockholm, still the day before on the west coast.
    day_after_notice = NOTICE_DATE + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(day_after_notice, datetime.time(23, 30), tzinfo=datetime.UTC)):
        rows = client.get(URL, {"page_size": 100}).json()["results"]
        details = [client.get(f"{URL}{row['id']}/").json() for row in rows]

    assert [{k: v for k, v in detail.items() if k not in DETAIL_ONLY} for detail in details] == rows
    if role == "hr":
        assert len(rows) == len(mixed_page)
        by_id = {row["id"]: row for row in rows}
        assert "reason" not in by_id[mixed_page[1].pk]  # HR's own departure: HR-only fields hidden
        assert by_id[mixed_page[0].pk]["rehire_eligible"] is True
        assert {state for state in (row["state"] for row in rows)} >= {
            "notice",
            "approved",
            "interview_done",
            "completed",
            "cancelled",
        }


def test_rows_give_moments_in_the_current_time_zone_as_the_departure_page_does(org, api, mixed_page, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    client = api(User.objects.get(pk=org.hr.pk))

    rows = client.get(URL, {"page_size": 100}).json()["results"]
    details = [client.get(f"{URL}{row['id']}/").json() for row in rows]

    assert [{k: v for k, v in detail.items() if k not in DETAIL_ONLY} for detail in details] == rows
    stockholm = datetime.datetime.now(ZoneInfo("Europe/Stockholm")).isoformat()
    assert rows[0]["created_at"][-6:] == stockholm[-6:]  # +01:00 in winter, +02:00 in summer
    assert any(row["completed_at"] for row in rows)


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_states_on_the_page(org, api, start_departure):
    def queries() -> int:
        client = api(User.objects.get(pk=org.hr.pk))  # a fresh user: no per-request caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"page_size": 100}).status_code == 200
        return len(captured.captured_queries)

    first = start_departure(employee=EmployeeFactory(manager=org.manager_record))
    _interview_done(first, org, steps_done=False)
    start_departure(employee=EmployeeFactory(manager=org.manager_record))
    few = queries()
    for done in (True, False) * 4:
        departure = start_departure(employee=EmployeeFactory(manager=org.manager2_record))
        _interview_done(departure, org, steps_done=done)
        start_departure(employee=EmployeeFactory())

    assert queries() == few


def test_filters_still_apply_and_a_bad_filter_is_still_refused(org, api, start_departure):
    kept = start_departure(employee=EmployeeFactory(department="Sales"))
    start_departure(employee=EmployeeFactory(department="Legal"))

    sales = api(org.hr).get(URL, {"department": "Sales"}).json()
    everyone = api(org.hr).get(URL).json()

    assert [row["id"] for row in sales["results"]] == [kept.pk] and sales["count"] == 1
    assert everyone["count"] == 2
    assert api(org.hr).get(URL, {"kind": "abdication"}).status_code == 400


def test_pages_count_and_link_as_before(org, api, start_departure):
    ids = [start_departure(employee=EmployeeFactory()).pk for _ in range(5)]

    response = api(org.hr).get(URL, {"page_size": 2})
    first = response.json()
    last = api(org.hr).get(URL, {"page_size": 2, "page": "last"}).json()

    assert response.content.startswith(b'{"count":5,') and first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/departures/?page=2&page_size=2"
    assert [row["id"] for row in first["results"]] == ids[::-1][:2]
    assert [row["id"] for row in last["results"]] == ids[:1] and last["next"] is None
    # Every page of every departure reads the same SQL (compiled once) with its own limit and offset.
    second = api(org.hr).get(URL, {"page_size": 2, "page": 2}).json()
    wider = api(org.hr).get(URL, {"page_size": 3, "page": 2}).json()
    assert [row["id"] for row in second["results"]] == ids[::-1][2:4]
    assert [row["id"] for row in wider["results"]] == ids[::-1][3:5] and wider["count"] == 5
    assert api(org.hr).get(URL, {"page_size": 2, "page": 4}).status_code == 404
    assert api(org.hr).get(URL, {"page_size": 2, "page": 0}).status_code == 404
    assert api(org.hr).get(URL, {"page_size": 2, "page": "two"}).status_code == 404
    Departure.objects.all().delete()
    assert api(org.hr).get(URL).json() == {"count": 0, "next": None, "previous": None, "results": []}
