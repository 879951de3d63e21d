"""The issue's "done when" on the demo organisation: hr schedules the interview for employee with
interviewer, the employee receives the invite, and after the interview the reference offer reaches them."""

import pytest
from django.core.management import call_command

from tests.interviews.conftest import calendar_part, event_of
from workflows.outbox.models import ActionKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, clock):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def login(api, username):
    response = api().post("/api/v1/auth/token/", {"username": username, "password": "demo"}, format="json")
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    return client


def test_schedule_invite_hold_and_reference_offer_on_the_demo(demo, api, deliver, clock):
    hr, manager, employee, interviewer = (login(api, n) for n in ("hr", "manager", "employee", "interviewer"))
    created = hr.post(
        "/api/v1/departures/",
        {
            "employee": employee.get("/api/v1/me/").data["employee"],
            "kind": "resignation",
            "notice_date": "2026-12-01",
            "last_working_day": "2027-01-29",
            "reason": "career",
            "rehire_eligible": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    departure = created.data["id"]
    assert manager.post(f"/api/v1/departures/{departure}/approve/", format="json").status_code == 200

    scheduled = hr.post(f"/api/v1/departures/{departure}/interview/", {}, format="json")
    assert scheduled.status_code == 201, scheduled.data
    assert scheduled.data["interviewer"]["username"] == "interviewer"
    assert hr.get(f"/api/v1/departures/{departure}/").data["state"] == "interview_scheduled"

    invites = [m for _, m in deliver(kinds=[ActionKind.INVITE]) if m.to == ["employee@demo.example"]]
    assert len(invites) == 1
    part, cal = calendar_part(invites[0])
    assert part.get_param("method") == "REQUEST"
    assert str(event_of(cal)["UID"]) == scheduled.data["uid"]
    assert invites[0].subject.startswith("Exitsamtal")  # the demo employee reads Swedish

    interview = scheduled.data["id"]
    assert manager.get(f"/api/v1/interviews/{interview}/").data == {"id": interview, "state": "scheduled"}
    clock.move_to(scheduled.data["start"])  # API tokens expire meanwhile: everyone signs in again
    hr, manager, employee, interviewer = (login(api, n) for n in ("hr", "manager", "employee", "interviewer"))
    assert interviewer.post(f"/api/v1/interviews/{interview}/hold/", format="json").status_code == 200
    assert manager.get(f"/api/v1/interviews/{interview}/").data == {"id": interview, "state": "held"}

    offers = deliver(handler="reference_offer")
    assert [m.to for _, m in offers] == [["employee@demo.example"]]
    offer = employee.get(f"/api/v1/departures/{departure}/reference/").data
    assert employee.post(f"/api/v1/references/{offer['id']}/accept/").status_code == 200
