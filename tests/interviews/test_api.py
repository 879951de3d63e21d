"""The interview endpoints per role: hr, the assigned interviewer, another interviewer, the manager line,
a manager elsewhere, the employee, IT and anonymous callers."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import resolve

from core import roles
from offboarding.actions import interviews as interview_actions
from offboarding.interviews.models import ExitInterview
from offboarding.models import DepartureState
from tests.factories import DepartureFactory, EmployeeFactory, UserFactory
from tests.helpers import hold_after_start

pytestmark = pytest.mark.django_db

ROLES = ["hr", "interviewer", "other_interviewer", "manager", "manager2", "employee", "it", "anonymous"]


@pytest.fixture
def caller(org, api):
    other = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])

    def make(role):
        if role == "anonymous":
            return api()
        if role == "other_interviewer":
            return api(other)
        return api(getattr(org, role))

    return make


def _table(expected: dict) -> list:
    return [(role, expected[role]) for role in ROLES]


@pytest.mark.parametrize(
    "role, status",
    _table(
        dict(
            hr=200,
            interviewer=200,
            other_interviewer=404,
            manager=200,
            manager2=404,
            employee=200,
            it=404,
            anonymous=401,
        )
    ),
)
def test_get_interview(schedule, caller, role, status):
    interview = schedule()
    assert caller(role).get(f"/api/v1/interviews/{interview.pk}/").status_code == status


@pytest.mark.parametrize(
    "role, status",
    _table(
        dict(
            hr=200,
            interviewer=200,
            other_interviewer=404,
            manager=200,
            manager2=404,
            employee=200,
            it=404,
            anonymous=401,
        )
    ),
)
def test_get_the_departures_interview(schedule, departure, caller, role, status):
    schedule()
    assert caller(role).get(f"/api/v1/departures/{departure.pk}/interview/").status_code == status


@pytest.mark.parametrize(
    "role, status",
    _table(
        dict(
            hr=201,
            interviewer=404,
            other_interviewer=404,
            manager=403,
            manager2=404,
            employee=403,
            it=404,
            anonymous=401,
        )
    ),
)
def test_schedule_interview(departure, caller, role, status):
    response = caller(role).post(f"/api/v1/departures/{departure.pk}/interview/", {}, format="json")
    assert response.status_code == status


@pytest.mark.parametrize(
    "role, status",
    _table(
        dict(
            hr=200,
            interviewer=200,
            other_interviewer=404,
            manager=403,
            manager2=404,
            employee=200,
            it=404,
            anonymous=401,
        )
    ),
)
def test_get_slots(schedule, caller, role, status):
    interview = schedule()
    assert caller(role).get(f"/api/v1/interviews/{interview.pk}/slots/").status_code == status


@pytest.mark.parametrize(
    "role, status",
    _table(
        dict(
            hr=200,
            interviewer=200,
            other_interviewer=404,
            manager=403,
            manager2=404,
            employee=200,
            it=404,
            anonymous=401,
        )
    ),
)
def test_get_invite(schedule, caller, role, status):
    interview = schedule()
    assert caller(role).get(f"/api/v1/interviews/{interview.pk}/invite.ics").status_code == status


OUTSIDERS = dict(other_interviewer=404, manager=403, manager2=404, it=404, anonymous=401)
ACTION_TABLE = {
    "reschedule": dict(hr=200, interviewer=200, employee=200, **OUTSIDERS),
    "request_other_time": dict(hr=403, interviewer=403, employee=200, **OUTSIDERS),
    "reassign": dict(hr=200, interviewer=403, employee=403, **OUTSIDERS),
    "cancel": dict(hr=200, interviewer=200, employee=403, **OUTSIDERS),
    "decline": dict(hr=200, interviewer=403, employee=200, **OUTSIDERS),
    "hold": dict(hr=200, interviewer=200, employee=403, **OUTSIDERS),
    "close": dict(hr=200, interviewer=200, employee=403, **OUTSIDERS),
    "no_show": dict(hr=200, interviewer=200, employee=403, **OUTSIDERS),
}


@pytest.mark.parametrize(
    "action, role, status",
    [(action, role, table[role]) for action, table in ACTION_TABLE.items() for role in ROLES],
)
def test_interview_actions(schedule, org, caller, action, role, status, clock):
    interview = schedule()
    if action == "close":
        hold_after_start(clock, interview, actor=org.hr)
    if action == "hold":
        clock.move_to(interview.start)
    body = {
        "reschedule": {"start": "2026-12-10T09:00:00Z"},
        "reassign": {"interviewer": UserFactory(username="interviewer2", groups=[roles.INTERVIEWER]).pk},
        "request_other_time": {"note": "Another week, please."},
    }.get(action, {})
    response = caller(role).post(f"/api/v1/interviews/{interview.pk}/{action}/", body, format="json")
    assert response.status_code == status, response.content


def test_the_manager_sees_the_state_only(schedule, org, api):
    interview = schedule()
    assert api(org.manager).get(f"/api/v1/interviews/{interview.pk}/").data == {
        "id": interview.pk,
        "state": "scheduled",
    }


def test_participants_see_time_people_uid_and_sequence_in_utc(schedule, org, api):
    interview = schedule()
    data = api(org.employee).get(f"/api/v1/interviews/{interview.pk}/").data
    assert (data["state"], data["start"], data["end"], data["uid"], data["sequence"]) == (
        "scheduled",
        "2026-12-04T08:00:00Z",
        "2026-12-04T09:00:00Z",
        interview.uid,
        0,
    )
    assert data["interviewer"]["username"] == "interviewer"
    assert data["available_actions"] == ["reschedule", "request_other_time", "decline"]


def test_an_action_not_allowed_now_is_409(schedule, org, api):
    interview = schedule()
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    assert api(org.hr).post(f"/api/v1/interviews/{interview.pk}/hold/").status_code == 409


def test_scheduling_with_a_start_through_the_api(departure, org, api):
    response = api(org.hr).post(
        f"/api/v1/departures/{departure.pk}/interview/",
        {"start": "2026-12-08T13:00:00Z", "video_link": "https://meet.example.com/abc"},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert (response.data["start"], response.data["interviewer"]["username"]) == ("2026-12-08T13:00:00Z", "interviewer")


def test_reschedule_needs_a_start(schedule, org, api):
    interview = schedule()
    response = api(org.hr).post(f"/api/v1/interviews/{interview.pk}/reschedule/", {}, format="json")
    assert response.status_code == 400 and "start" in response.data["fields"]


def test_a_second_schedule_is_409(schedule, departure, org, api):
    schedule()
    assert api(org.hr).post(f"/api/v1/departures/{departure.pk}/interview/", {}, format="json").status_code == 409


def test_the_interview_endpoints_are_in_the_schema(api, org):
    response = api(org.hr).get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/departures/{id}/interview/",
        "/api/v1/interviews/{id}/slots/",
        "/api/v1/interviews/{id}/invite.ics",
        "/api/v1/interviews/{id}/reschedule/",
    ):
        assert path in text


@pytest.mark.parametrize("role", ["hr", "interviewer", "employee", "manager"])
def test_reading_an_interview_costs_a_few_queries_whatever_the_role(
    schedule, org, api, role, django_assert_max_num_queries
):
    interview = schedule()
    client = api(User.objects.get(pk=getattr(org, role).pk))  # nothing cached on the user
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/interviews/{interview.pk}/").status_code == 200


def test_the_action_routes_leave_the_answers_routes_to_feedback():
    assert resolve("/api/v1/interviews/1/hold/").func.view_class.__name__ == "InterviewActionApi"
    assert resolve("/api/v1/interviews/1/responses/").func.view_class.__module__.startswith("offboarding.feedback")


def test_words_typed_with_an_action_never_reach_the_managers_view(schedule, departure, org, api):
    interview = schedule()
    secret = "because of my manager"
    api(org.employee).post(f"/api/v1/interviews/{interview.pk}/decline/", {"note": secret}, format="json")
    for path in (f"/api/v1/departures/{departure.pk}/", f"/api/v1/interviews/{interview.pk}/"):
        assert secret not in api(org.manager).get(path).content.decode()


@pytest.mark.parametrize(
    "role, count",
    [("hr", 1), ("interviewer", 1), ("other_interviewer", 0), ("manager", 0), ("manager2", 0), ("employee", 1),
     ("it", 0)],
)  # fmt: skip
def test_the_interview_list_holds_only_your_own(schedule, caller, role, count):
    schedule()
    response = caller(role).get("/api/v1/interviews/")
    assert response.status_code == 200
    assert response.data["count"] == count


def test_the_interview_list_needs_a_login(caller):
    assert caller("anonymous").get("/api/v1/interviews/").status_code == 401


def test_listing_interviews_costs_no_query_per_interview(org, api, django_assert_max_num_queries):
    for _ in range(5):
        departure = DepartureFactory(
            employee=EmployeeFactory(manager=org.manager2_record), state=DepartureState.INTERVIEW_SCHEDULED
        )
        ExitInterview.objects.create(
            departure=departure,
            interviewer=org.interviewer,
            state="scheduled",
            start=datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC),
            end=datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC),
        )
    client = api(org.hr)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/interviews/").data["count"] == 5
