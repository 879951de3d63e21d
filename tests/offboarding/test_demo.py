"""The demo organisation that `make run` seeds, and the first flow a newcomer tries on it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.helpers import LAST_WORKING_DAY, NOTICE_DATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def token(api, username):
    response = api().post("/api/v1/auth/token/", {"username": username, "password": "demo"}, format="json")
    assert response.status_code == 200, response.data
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    return client


def test_seeding_twice_changes_nothing(demo):
    from django.contrib.auth.models import User

    from offboarding.models import Employee

    counts = (User.objects.count(), Employee.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (User.objects.count(), Employee.objects.count()) == counts


def test_seeding_refuses_outside_development(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_the_newcomers_first_flow(demo, api):
    hr, manager, manager2, employee = (token(api, name) for name in ("hr", "manager", "manager2", "employee"))
    me = employee.get("/api/v1/me/").data

    created = hr.post(
        "/api/v1/departures/",
        {
            "employee": me["employee"],
            "kind": "resignation",
            "notice_date": NOTICE_DATE.isoformat(),
            "last_working_day": LAST_WORKING_DAY.isoformat(),
            "reason": "career",
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    url = f"/api/v1/departures/{created.data['id']}/"

    first = manager.post(f"{url}approve/", format="json")
    second = manager.post(f"{url}approve/", format="json")

    assert (first.status_code, first.data["state"]) == (200, "approved")
    assert second.status_code == 409
    assert manager2.get(url).status_code == 404
    assert [row["id"] for row in employee.get("/api/v1/departures/").data["results"]] == [created.data["id"]]
