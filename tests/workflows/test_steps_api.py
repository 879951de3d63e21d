"""The steps API: who sees which steps, what assignees learn about the departure, who may act."""

import pytest

from offboarding.actions import departures as departure_actions

pytestmark = pytest.mark.django_db
URL = "/api/v1/steps/"


@pytest.fixture
def approved(org, start_departure):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    return departure


def keys(response) -> set[str]:
    assert response.status_code == 200, response.data
    return {row["key"] for row in response.data["results"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("it", {"access_revocation"}),
        ("facilities", {"badge_and_keys"}),
        ("payroll", {"final_pay", "final_payslip_check"}),
        ("employee", {"equipment_return"}),
        ("hr", {"exit_interview", "follow_up", "close_file"}),
        (
            "manager",
            {"manager_approval", "announce_departure", "handover_plan", "knowledge_transfer", "reference", "farewell"},
        ),
        ("ceo", set()),  # a second-line manager sees the steps, but they are assigned to the direct manager
        ("manager2", set()),
        ("interviewer", set()),
        ("outsider", set()),
    ],
)
def test_mine_lists_the_steps_assigned_to_the_caller(org, api, approved, who, expected):
    assert keys(api(getattr(org, who)).get(URL, {"mine": "true"})) == expected


@pytest.mark.parametrize(
    ("who", "count"),
    [("hr", 14), ("manager", 14), ("ceo", 14), ("manager2", 0), ("it", 1), ("employee", 1), ("outsider", 0)],
)
def test_the_scoped_list_follows_the_role(org, api, approved, who, count):
    assert len(keys(api(getattr(org, who)).get(URL))) == count


def test_an_assignee_sees_only_the_employee_data_the_step_needs(org, api, approved):
    response = api(org.it).get(URL, {"mine": "true"})

    departure = response.data["results"][0]["departure"]
    assert departure == {
        "id": approved.pk,
        "employee_name": "Erik Employee",
        "department": "Engineering",
        "last_working_day": "2026-12-18",
    }
    text = str(response.data)
    for secret in ("career", "rehire", "interview_outcome", "reason"):
        assert secret not in text


def test_the_steps_list_filters_by_state(org, api, approved):
    response = api(org.hr).get(URL, {"state": "approved"})

    assert keys(response) == {"manager_approval"}


@pytest.mark.parametrize(
    ("who", "key", "status"),
    [
        ("it", "access_revocation", 200),
        ("facilities", "access_revocation", 404),  # not in their scope at all
        ("manager", "access_revocation", 403),  # visible in the reporting line, but not theirs
        ("employee", "equipment_return", 200),
        ("manager", "equipment_return", 403),
        ("hr", "access_revocation", 200),  # HR may act on any step
        ("manager2", "handover_plan", 404),
        ("ceo", "handover_plan", 200),  # anyone above in the reporting line may stand in
    ],
)
def test_complete_is_allowed_for_the_assignee_only(org, api, approved, step_of, who, key, status):
    step = step_of(approved, key)

    response = api(getattr(org, who)).post(f"{URL}{step.pk}/complete/", {}, format="json")

    assert response.status_code == status, response.data


def test_completing_twice_is_a_conflict(org, api, approved, step_of):
    step = step_of(approved, "access_revocation")
    api(org.it).post(f"{URL}{step.pk}/complete/", {}, format="json")

    response = api(org.it).post(f"{URL}{step.pk}/complete/", {}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "transition_not_allowed"


def test_an_unknown_action_is_404(org, api, approved, step_of):
    step = step_of(approved, "access_revocation")

    assert api(org.it).post(f"{URL}{step.pk}/explode/", {}, format="json").status_code == 404


def test_the_leaver_cannot_approve_their_own_departure(org, api, start_departure, step_of):
    departure = start_departure()
    step = step_of(departure, "manager_approval")

    response = api(org.employee).post(f"{URL}{step.pk}/approve/", {}, format="json")

    assert response.status_code == 404  # not even visible: the employee sees their own steps only


def test_rejecting_through_the_api_needs_a_note(org, api, start_departure, step_of):
    step = step_of(start_departure(), "manager_approval")

    response = api(org.manager).post(f"{URL}{step.pk}/reject/", {}, format="json")

    assert response.status_code == 400
    assert "note" in response.data["fields"]


def test_available_actions_tell_the_assignee_what_they_can_do(org, api, start_departure):
    start_departure()

    rows = api(org.manager).get(URL, {"mine": "true"}).data["results"]

    by_key = {row["key"]: row["available_actions"] for row in rows}
    assert by_key["manager_approval"] == ["approve", "reject"]
    assert by_key["handover_plan"] == []
    assert by_key["farewell"] == ["skip"]


def test_the_departure_detail_includes_the_callers_steps(org, api, approved):
    response = api(org.it).get(f"/api/v1/departures/{approved.pk}/")
    manager_view = api(org.manager).get(f"/api/v1/departures/{approved.pk}/")

    # IT does not see departures (404); the manager sees every step with its actions.
    assert response.status_code == 404
    steps = manager_view.data["steps"]
    assert len(steps) == 14
    assert {s["key"]: s["available_actions"] for s in steps}["handover_plan"] == ["complete"]


def test_the_steps_summary_shows_the_employee_only_their_own_steps(org, approved):
    from offboarding.steps import departure_steps_summary

    summary = departure_steps_summary(departure=approved, user=org.employee)

    assert [s["key"] for s in summary] == ["equipment_return"]
    assert summary[0]["available_actions"] == ["complete"]


def test_the_steps_list_costs_the_same_queries_for_one_or_many_departures(
    org, api, start_departure, django_assert_max_num_queries
):
    from tests.factories import EmployeeFactory

    for _ in range(3):
        start_departure(employee=EmployeeFactory(manager=org.manager_record))
    client = api(org.manager)
    client.get(URL)  # warm the per-process caches (content types, holiday sets)

    with django_assert_max_num_queries(8):
        response = client.get(URL, {"page_size": 200})

    assert len(response.data["results"]) == 42


def test_a_step_shows_its_history_with_due_date_moves(org, api, approved, step_of):
    step = step_of(approved, "access_revocation")
    api(org.hr).patch(f"/api/v1/departures/{approved.pk}/", {"last_working_day": "2027-01-15"}, format="json")
    api(org.it).post(f"{URL}{step.pk}/complete/", {"note": "all accounts closed"}, format="json")

    response = api(org.it).get(f"{URL}{step.pk}/")

    assert [(h["transition"], h["actor"]) for h in response.data["history"]] == [
        ("make_ready", "system"),
        ("reschedule", "hr"),
        ("complete", "it"),
    ]
