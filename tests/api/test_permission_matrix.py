"""One rule for 403 and 404, walked over every role and every endpoint that names an object.

404: the object is outside your scope (to you it does not exist, so the answer is the same as for a
wrong id). 403: you may see the object, but not do this action or read this part of it; and
endpoints for one role (HR's registers, the outbox, templates) answer 403 to everyone else before
looking anything up. 401 without credentials.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

OK = "ok"  # allowed: whatever the state says (200, 201, 400, 409), never 401, 403 or 404
ROLES = ["hr", "hr_plain", "interviewer", "employee", "manager", "ceo", "manager2", "it", "outsider", "anonymous"]


def row(**statuses):
    """Expected status per role; `rest` fills in every role not named."""
    rest = statuses.pop("rest", None)
    table = {role: statuses.get(role, rest) for role in ROLES}
    table["anonymous"] = 401
    assert None not in table.values(), statuses
    return table


# The departure's scope: HR, its employee, their managers (ceo is second-line), its interviewer.
DEPARTURE_READ = row(hr=OK, hr_plain=OK, interviewer=OK, employee=OK, manager=OK, ceo=OK, rest=404)
DEPARTURE_HR_ACTION = row(hr=OK, hr_plain=OK, interviewer=403, employee=403, manager=403, ceo=403, rest=404)
# The interview's scope: HR, the interviewer, the employee, and the managers (who see its state only).
INTERVIEW_PARTICIPANTS = row(hr=OK, hr_plain=OK, interviewer=OK, employee=OK, manager=403, ceo=403, rest=404)
INTERVIEWER_OR_HR = row(hr=OK, hr_plain=OK, interviewer=OK, employee=403, manager=403, ceo=403, rest=404)
HR_ONLY = row(hr=OK, hr_plain=OK, rest=403)

MATRIX = [
    ("GET", "departures/{departure}/", None, DEPARTURE_READ),
    ("PATCH", "departures/{departure}/", {"reason": "career"}, DEPARTURE_HR_ACTION),
    ("POST", "departures/{departure}/cancel/", {"note": "withdrawn"}, DEPARTURE_HR_ACTION),
    ("POST", "departures/{departure}/complete/", {}, DEPARTURE_HR_ACTION),
    ("POST", "departures/{departure}/interview/", {}, DEPARTURE_HR_ACTION),
    ("GET", "departures/{departure}/interview/", None, DEPARTURE_READ),
    # A reference offer reveals HR's rehire judgement: its existence is private to the interviewer.
    ("GET", "departures/{departure}/reference/", None, row(**{**DEPARTURE_READ, "interviewer": 404})),
    ("POST", "departures/{departure}/reference/", {}, DEPARTURE_HR_ACTION),
    (
        "GET",
        "interviews/{interview}/",
        None,
        row(hr=OK, hr_plain=OK, interviewer=OK, employee=OK, manager=OK, ceo=OK, rest=404),
    ),  # fmt: skip
    ("GET", "interviews/{interview}/slots/", None, INTERVIEW_PARTICIPANTS),
    ("GET", "interviews/{interview}/invite.ics", None, INTERVIEW_PARTICIPANTS),
    # Answers: HR needs the permission; managers see only what is shared.
    ("GET", "interviews/{interview}/responses/", None, row(**{**INTERVIEW_PARTICIPANTS, "hr_plain": 403})),
    ("PUT", "interviews/{interview}/responses/", {}, row(**{**INTERVIEW_PARTICIPANTS, "hr_plain": 403})),
    (
        "GET",
        "interviews/{interview}/shared/",
        None,
        row(hr=OK, hr_plain=403, interviewer=OK, employee=OK, manager=OK, ceo=OK, rest=404),
    ),  # fmt: skip
    ("POST", "interviews/{interview}/hold/", {}, INTERVIEWER_OR_HR),
    ("POST", "interviews/{interview}/cancel/", {}, INTERVIEWER_OR_HR),
    ("POST", "interviews/{interview}/close/", {}, INTERVIEWER_OR_HR),
    ("POST", "interviews/{interview}/no_show/", {}, INTERVIEWER_OR_HR),
    ("POST", "interviews/{interview}/reschedule/", {}, row(**{**INTERVIEW_PARTICIPANTS})),
    # A proposed time (COUNTER) is answered by HR or the interviewer.
    ("POST", "interviews/{interview}/proposals/{proposal}/accept/", {}, INTERVIEWER_OR_HR),
    ("POST", "interviews/{interview}/proposals/{proposal}/refuse/", {}, INTERVIEWER_OR_HR),
    (
        "POST",
        "interviews/{interview}/decline/",
        {},
        row(hr=OK, hr_plain=OK, interviewer=403, employee=OK, manager=403, ceo=403, rest=404),
    ),  # fmt: skip
    # Permission before input: those who may never reassign hear 403, not "say who".
    (
        "POST",
        "interviews/{interview}/reassign/",
        {},
        row(hr=OK, hr_plain=OK, interviewer=403, employee=403, manager=403, ceo=403, rest=404),
    ),  # fmt: skip
    (
        "POST",
        "interviews/{interview}/request_other_time/",
        {"note": "mornings"},
        row(hr=403, hr_plain=403, interviewer=403, employee=OK, manager=403, ceo=403, rest=404),
    ),  # fmt: skip
    ("GET", "references/{reference}/", None, row(**{**DEPARTURE_READ, "interviewer": 404})),
    (
        "POST",
        "references/{reference}/accept/",
        {},
        row(hr=403, hr_plain=403, employee=OK, manager=403, ceo=403, rest=404),
    ),  # fmt: skip
    (
        "POST",
        "references/{reference}/submit/",
        {"text": "Reliable."},
        row(hr=OK, hr_plain=OK, employee=403, manager=OK, ceo=OK, rest=404),
    ),  # fmt: skip
    # The IT step: its assignees, HR, and the managers who follow the checklist.
    ("GET", "steps/{step}/", None, row(hr=OK, hr_plain=OK, manager=OK, ceo=OK, it=OK, rest=404)),
    ("POST", "steps/{step}/complete/", {}, row(hr=OK, hr_plain=OK, manager=403, ceo=403, it=OK, rest=404)),
    ("GET", "employees/", None, HR_ONLY),
    ("GET", "employees/{employee}/", None, HR_ONLY),
    ("PATCH", "employees/{employee}/", {"department": "Sales"}, HR_ONLY),
    # Linking a login decides who reads what: a permission of its own, which no role here holds.
    ("POST", "employees/{employee}/login/", {"user": None}, row(rest=403)),
    ("GET", "outbox/actions/", None, HR_ONLY),
    ("GET", "outbox/actions/{action}/", None, HR_ONLY),
    ("POST", "outbox/actions/{action}/retry/", {}, HR_ONLY),
    ("GET", "workflow-templates/", None, HR_ONLY),
    ("GET", "workflow-templates/{template}/", None, HR_ONLY),
    ("PATCH", "workflow-templates/{template}/", {"name": "Renamed"}, HR_ONLY),
    ("PUT", "workflow-templates/{template}/", {"name": "Renamed"}, HR_ONLY),
    ("GET", "workflow-templates/{template}/versions/", None, HR_ONLY),
    ("POST", "guides/", {}, HR_ONLY),
    ("GET", "reports/reasons/", None, row(hr=OK, hr_plain=OK, manager=OK, ceo=OK, manager2=OK, rest=403)),
    # Lists are scoped, never refused.
    ("GET", "departures/", None, row(rest=OK)),
    ("GET", "interviews/", None, row(rest=OK)),
    ("GET", "steps/", None, row(rest=OK)),
    ("GET", "guides/", None, row(rest=OK)),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{method} {path}" for method, path, _, _ in MATRIX]
)
def test_every_role_gets_the_status_the_rule_gives(world, api, at_now, method, path, body, expected):
    url = "/api/v1/" + path.format(**world.ids())
    seen = {}
    for role, user in world.users.items():
        with transaction.atomic():  # each role meets the same world: its request is rolled back
            client = getattr(api(user), method.lower())
            response = client(url, body, format="json") if body is not None else client(url)
            transaction.set_rollback(True)
        status = response.status_code
        seen[role] = OK if expected[role] == OK and status not in (401, 403, 404) else status
        if status >= 400:
            assert response["Content-Type"].startswith("application/json"), (role, status)
    assert seen == expected


def test_a_wrong_id_and_an_object_outside_your_scope_answer_alike(world, api):
    outside = api(world.users["manager2"]).get(f"/api/v1/interviews/{world.interview.pk}/")
    missing = api(world.users["manager2"]).get("/api/v1/interviews/999999/")
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json())


def test_the_matrix_covers_every_endpoint_that_names_an_object():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path, operations in schema["paths"].items():
        if "{id}" not in path:
            continue
        for method in operations:
            if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                continue
            pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
            examples = [
                "/api/v1/"
                + p.format(departure=1, interview=1, reference=1, step=1, action=1, template=1, employee=1, proposal=1)
                for m, p, _, _ in MATRIX
                if m == method.upper()
            ]
            if not any(pattern.match(example) for example in examples):
                missing.append(f"{method.upper()} {path}")
    assert missing == [], f"add these endpoints to MATRIX: {missing}"
