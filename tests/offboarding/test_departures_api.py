"""The departures API: creation, validation, scoping, transitions per role and state."""

import datetime

import pytest
import time_machine

from offboarding.models import Departure, DepartureHistory
from tests.factories import EmployeeFactory
from tests.helpers import LAST_WORKING_DAY, NOTICE_DATE

pytestmark = pytest.mark.django_db

URL = "/api/v1/departures/"
# Noon UTC 17 days before the last working day (1 December 2026 when the suite was written).
BEFORE_THE_LAST_DAY = datetime.datetime.combine(
    LAST_WORKING_DAY, datetime.time(12), tzinfo=datetime.UTC
) - datetime.timedelta(days=17)
MOVED = (LAST_WORKING_DAY + datetime.timedelta(days=28)).isoformat()  # a later last working day


def body(person, **overrides):
    data = {
        "employee": person.pk,
        "kind": "resignation",
        "notice_date": NOTICE_DATE.isoformat(),
        "last_working_day": LAST_WORKING_DAY.isoformat(),
        "reason": "career",
    }
    data.update(overrides)
    return data


def test_hr_starts_a_departure_in_notice_with_its_audit_row(org, api):
    response = api(org.hr).post(URL, body(org.employee_record), format="json")

    assert response.status_code == 201, response.data
    assert response.data["state"] == "notice"
    assert response.data["employee"]["name"] == "Erik Employee"
    assert [h["transition"] for h in response.data["history"]] == ["start"]
    assert response.data["history"][0]["actor"] == "hr"
    assert "approve" in response.data["available_transitions"]


@pytest.mark.parametrize("who", ["manager", "manager2", "employee", "interviewer", "it", "ceo"])
def test_only_hr_starts_a_departure(org, api, who):
    response = api(getattr(org, who)).post(URL, body(org.employee_record), format="json")

    assert response.status_code == 403
    assert not Departure.objects.exists()


def test_anonymous_gets_401(org, api):
    assert api().get(URL).status_code == 401
    assert api().post(URL, body(org.employee_record), format="json").status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"employee": 999999}, "employee"),
        ({"employee": None}, "employee"),
        ({"kind": "fired"}, "kind"),
        ({"notice_date": "2026-13-01"}, "notice_date"),
        ({"last_working_day": "tomorrow"}, "last_working_day"),
        ({"last_working_day": "2026-10-01"}, "last_working_day"),
        ({"reason": "boredom"}, "reason"),
        ({"rehire_eligible": "perhaps"}, "rehire_eligible"),
    ],
)
def test_bad_input_gets_400_with_the_field_and_changes_nothing(org, api, overrides, field):
    response = api(org.hr).post(URL, body(org.employee_record, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not Departure.objects.exists()
    assert not DepartureHistory.objects.exists()


def test_missing_fields_are_each_reported(org, api):
    response = api(org.hr).post(URL, {}, format="json")

    assert response.status_code == 400
    assert {"employee", "kind", "notice_date", "last_working_day"} <= set(response.data["fields"])


def test_a_second_open_departure_for_the_same_person_is_a_conflict(org, api, start_departure):
    start_departure()

    response = api(org.hr).post(URL, body(org.employee_record), format="json")

    assert response.status_code == 409
    assert Departure.objects.count() == 1


def test_a_new_departure_is_allowed_after_the_previous_was_cancelled(org, api, start_departure):
    departure = start_departure()
    api(org.hr).post(f"{URL}{departure.pk}/cancel/", {"note": "withdrawn"}, format="json")

    response = api(org.hr).post(URL, body(org.employee_record), format="json")

    assert response.status_code == 201


# --- scoping


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("hr", True),
        ("manager", True),
        ("ceo", True),  # above the manager in the reporting line
        ("employee", True),
        ("manager2", False),
        ("interviewer", False),
        ("it", False),
        ("facilities", False),
        ("payroll", False),
        ("outsider", False),
    ],
)
def test_each_role_sees_only_its_scope(org, api, start_departure, who, sees):
    departure = start_departure()
    client = api(getattr(org, who))

    listed = [row["id"] for row in client.get(URL).data["results"]]
    detail = client.get(f"{URL}{departure.pk}/")

    assert (departure.pk in listed) is sees
    assert detail.status_code == (200 if sees else 404)


def test_rehire_eligibility_is_shown_to_hr_only(org, api, start_departure):
    departure = start_departure(rehire_eligible=True)

    assert api(org.hr).get(f"{URL}{departure.pk}/").data["rehire_eligible"] is True
    for who in ("manager", "employee", "ceo"):
        assert "rehire_eligible" not in api(getattr(org, who)).get(f"{URL}{departure.pk}/").data


def test_list_filters_by_state_and_rejects_an_unknown_state(org, api, start_departure):
    departure = start_departure()
    other = start_departure(employee=EmployeeFactory())
    api(org.hr).post(f"{URL}{other.pk}/approve/", {}, format="json")

    notice = api(org.hr).get(URL, {"state": "notice"}).data["results"]
    assert [row["id"] for row in notice] == [departure.pk]
    assert api(org.hr).get(URL, {"state": "sleeping"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(org, api, start_departure, django_assert_max_num_queries):
    def count_queries() -> int:
        from django.contrib.auth.models import User
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = api(User.objects.get(pk=org.manager.pk))  # a fresh user: no per-request caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    start_departure()
    for _ in range(2):
        EmployeeFactory(manager=org.manager_record)
    few = count_queries()
    for employee in [EmployeeFactory(manager=org.manager_record) for _ in range(15)]:
        start_departure(employee=employee)

    assert count_queries() == few


# --- transitions: every transition, allowed and refused, per role and state


def _move_to(departure, state, org):
    from offboarding.actions import departures as departure_actions

    if state in ("approved", "interview_done", "completed"):
        departure_actions.departure_approve(departure=departure, actor=org.hr)
    if state in ("interview_done", "completed"):
        departure_actions.departure_waive_interview(departure=departure, actor=org.hr)
    if state == "completed":
        departure_actions.departure_complete(departure=departure, actor=org.hr, override=True, note="test setup")
    if state == "cancelled":
        departure_actions.departure_cancel(departure=departure, actor=org.hr)
    departure.refresh_from_db()
    assert departure.state == state


# Who may run what: 200 allowed, 403 visible but never theirs, 404 outside their scope.
ROLE_RIGHTS = {
    "approve": {"hr": 200, "manager": 200, "ceo": 200, "employee": 403, "manager2": 404, "it": 404},
    "cancel": {"hr": 200, "manager": 403, "ceo": 403, "employee": 403, "manager2": 404, "it": 404},
    "waive_interview": {"hr": 200, "manager": 403, "ceo": 403, "employee": 403, "manager2": 404, "it": 404},
    "complete": {"hr": 200, "manager": 403, "ceo": 403, "employee": 403, "manager2": 404, "it": 404},
}
# From which states each transition is allowed at all.
ALLOWED_FROM = {
    "approve": {"notice"},
    "cancel": {"notice", "approved", "interview_done"},
    "waive_interview": {"approved"},
    "complete": {"interview_done"},
}
STATES = ["notice", "approved", "interview_done", "completed", "cancelled"]
MATRIX = [
    (transition, state, role) for transition in ROLE_RIGHTS for state in STATES for role in ROLE_RIGHTS[transition]
]


@pytest.mark.parametrize(("transition", "state", "role"), MATRIX)
def test_transition_matrix(org, api, start_departure, transition, state, role):
    departure = start_departure()
    _move_to(departure, state, org)
    expected = ROLE_RIGHTS[transition][role]
    if expected == 200 and state not in ALLOWED_FROM[transition]:
        expected = 409
    history_before = departure.history.count()

    payload = {"note": "matrix"}
    if transition == "complete":
        payload["override"] = True  # the last day is in the future in this test
    with time_machine.travel(BEFORE_THE_LAST_DAY - datetime.timedelta(days=11)):
        response = api(getattr(org, role)).post(f"{URL}{departure.pk}/{transition}/", payload, format="json")

    assert response.status_code == expected, response.data
    departure.refresh_from_db()
    if expected == 200:
        assert departure.history.count() == history_before + 1
        last = departure.history.order_by("id").last()
        assert (last.actor_label, last.note.startswith("Override") or last.note == "matrix") == (role, True)
    else:
        assert departure.state == state
        assert departure.history.count() == history_before


def test_available_transitions_follow_role_and_state(org, api, start_departure):
    departure = start_departure()

    def available(user):
        return sorted(api(user).get(f"{URL}{departure.pk}/").data["available_transitions"])

    assert available(org.hr) == ["approve", "cancel"]
    assert available(org.manager) == ["approve"]
    assert available(org.employee) == []
    _move_to(departure, "approved", org)
    assert available(org.hr) == ["cancel", "waive_interview"]
    assert available(org.manager) == []


def test_unknown_transition_is_404(org, api, start_departure):
    departure = start_departure()

    assert api(org.hr).post(f"{URL}{departure.pk}/explode/", {}, format="json").status_code == 404


def test_complete_refuses_before_the_last_day_without_override(org, api, start_departure):
    departure = start_departure()
    _move_to(departure, "interview_done", org)

    with time_machine.travel(BEFORE_THE_LAST_DAY):
        response = api(org.hr).post(f"{URL}{departure.pk}/complete/", {}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "conditions_not_met"
    assert "last working day" in response.data["detail"]


def test_override_needs_a_reason_and_is_recorded(org, api, start_departure):
    # The whole story on one clock, so the history (in time order) ends with the override.
    with time_machine.travel(BEFORE_THE_LAST_DAY):
        departure = start_departure()
        _move_to(departure, "interview_done", org)
        url = f"{URL}{departure.pk}/complete/"
        refused = api(org.hr).post(url, {"override": True}, format="json")
        done = api(org.hr).post(url, {"override": True, "note": "Garden leave agreed"}, format="json")

    assert refused.status_code == 400 and "note" in refused.data["fields"]
    assert done.status_code == 200
    assert done.data["state"] == "completed"
    assert done.data["history"][-1]["note"].startswith("Override: Garden leave agreed")


def test_last_day_reached_is_judged_in_the_employees_time_zone(org, start_departure):
    org.employee_record.time_zone = "Pacific/Auckland"
    org.employee_record.save()
    departure = start_departure()

    # 12:30 UTC the day before is already the last day in Auckland (00:30 in winter, 01:30 in summer).
    day_before = departure.last_working_day - datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(day_before, datetime.time(12, 30), tzinfo=datetime.UTC)):
        assert departure.last_day_reached()
    with time_machine.travel(datetime.datetime.combine(day_before, datetime.time(10, 30), tzinfo=datetime.UTC)):
        assert not departure.last_day_reached()


# --- PATCH


def test_hr_moves_the_last_working_day_and_it_is_audited(org, api, start_departure):
    departure = start_departure()

    response = api(org.hr).patch(f"{URL}{departure.pk}/", {"last_working_day": MOVED}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["last_working_day"] == MOVED
    assert response.data["history"][-1]["transition"] == "change_last_working_day"
    assert response.data["history"][-1]["note"] == f"{LAST_WORKING_DAY} → {MOVED}"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"last_working_day": "2026-10-01"}, "last_working_day"),
        ({"state": "completed"}, "state"),
        ({"kind": "nap"}, "kind"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_patch_gets_400_and_changes_nothing(org, api, start_departure, payload, field):
    departure = start_departure()

    response = api(org.hr).patch(f"{URL}{departure.pk}/", payload, format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    departure.refresh_from_db()
    assert (departure.state, departure.last_working_day) == ("notice", LAST_WORKING_DAY)


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("employee", 403), ("manager2", 404), ("it", 404)])
def test_only_hr_patches(org, api, start_departure, who, status):
    departure = start_departure()

    response = api(getattr(org, who)).patch(f"{URL}{departure.pk}/", {"last_working_day": MOVED}, format="json")

    assert response.status_code == status


def test_a_closed_departure_cannot_be_changed(org, api, start_departure):
    departure = start_departure()
    _move_to(departure, "cancelled", org)

    response = api(org.hr).patch(f"{URL}{departure.pk}/", {"last_working_day": MOVED}, format="json")

    assert response.status_code == 409


def test_the_assigned_interviewer_sees_the_departure_and_no_hr_only_fields(org, api, start_departure):
    from offboarding.interviews.models import ExitInterview

    departure = start_departure(rehire_eligible=True)
    other = start_departure(employee=EmployeeFactory())
    ExitInterview.objects.create(departure=departure, interviewer=org.interviewer)

    listed = [row["id"] for row in api(org.interviewer).get(URL).data["results"]]
    detail = api(org.interviewer).get(f"{URL}{departure.pk}/")

    assert listed == [departure.pk]
    assert other.pk not in listed
    assert detail.status_code == 200
    assert "rehire_eligible" not in detail.data
    assert detail.data["available_transitions"] == []
