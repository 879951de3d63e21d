"""Nothing a client sends is silently dropped: every endpoint that takes a JSON body refuses a field it
does not know with 400 and a field error naming it (core.api.RefuseUnknownFields)."""

from __future__ import annotations

import datetime
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from offboarding.actions import interviews as interview_actions
from offboarding.feedback import selectors as feedback_selectors
from tests.helpers import grant_permission

# Endpoints called by other systems keep their own contracts: an HR system's or IT system's payload
# carries many fields we do not use, and the CSV import is not JSON.
TOLERANT = {
    "POST /api/v1/integrations/hris/{source}/events/",
    "POST /api/v1/integrations/webhooks/receipts/",
    "POST /api/v1/integrations/mail/inbound/",  # raw MIME, not JSON
    "POST /api/v1/departures/import/",
}

# (method, path, who sends it): the caller is one who may act, so only the input can be wrong.
WRITES = [
    ("POST", "auth/token/", "anonymous"),
    ("POST", "departures/", "hr"),
    ("PATCH", "departures/{departure}/", "hr"),
    ("POST", "departures/{departure}/cancel/", "hr"),
    ("POST", "departures/{departure}/interview/", "hr"),
    ("POST", "departures/{departure}/reference/", "hr"),
    ("POST", "employees/", "hr"),
    ("PATCH", "employees/{employee}/", "hr"),
    ("POST", "employees/{employee}/login/", "hr"),
    ("POST", "guides/", "hr"),
    ("POST", "interviews/{interview}/cancel/", "hr"),
    ("POST", "interviews/{interview}/close/", "hr"),
    ("POST", "interviews/{interview}/decline/", "hr"),
    ("POST", "interviews/{interview}/hold/", "hr"),
    ("POST", "interviews/{interview}/no_show/", "hr"),
    ("POST", "interviews/{interview}/reassign/", "hr"),
    ("POST", "interviews/{interview}/request_other_time/", "employee"),
    ("POST", "interviews/{interview}/reschedule/", "hr"),
    ("POST", "interviews/{interview}/proposals/{proposal}/accept/", "hr"),
    ("POST", "interviews/{interview}/proposals/{proposal}/refuse/", "hr"),
    ("PUT", "me/calendar/", "interviewer"),
    ("PUT", "interviews/{interview}/responses/", "hr"),
    ("POST", "interviews/feed/", "interviewer"),
    ("POST", "interviews/replies/", "hr"),
    ("POST", "outbox/actions/{action}/retry/", "hr"),
    ("POST", "references/{reference}/accept/", "employee"),
    ("POST", "references/{reference}/submit/", "hr"),
    ("POST", "steps/{step}/complete/", "it"),
    ("POST", "surveys/{survey}/", "anonymous"),
    ("POST", "workflow-templates/", "hr"),
    ("PUT", "workflow-templates/{template}/", "hr"),
    ("PATCH", "workflow-templates/{template}/", "hr"),
]


@pytest.mark.parametrize(("method", "path", "role"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_an_unknown_field_is_a_400_naming_it(world, api, at_now, method, path, role):
    ids = {**world.ids(), "survey": feedback_selectors.survey_token(world.survey)}
    user = world.users[role]
    if path == "employees/{employee}/login/":
        grant_permission(user, "offboarding.link_employee_login")  # a permission of its own
    client = api(user)
    response = getattr(client, method.lower())(
        "/api/v1/" + path.format(**ids), {"offce_location": "Room 4"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["offce_location"]  # "Unknown field." (PATCH: "cannot be changed")


def test_an_unknown_field_next_to_a_bad_one_is_reported_with_it(world, api, at_now):
    response = api(world.users["hr"]).post(
        f"/api/v1/departures/{world.departure.pk}/interview/", {"start": "soon", "room": "4"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"start", "room"}


def test_the_documented_interview_fields_are_taken(world, api, at_now):
    """location, video_link and duration_minutes are part of scheduling, not dropped."""
    interview_actions.exit_interview_run_action(
        interview=world.interview, action="cancel", actor=world.users["hr"], data={}
    )
    response = api(world.users["hr"]).post(
        f"/api/v1/departures/{world.departure.pk}/interview/",
        {"location": "Room 4", "video_link": "https://meet.example.com/x", "duration_minutes": 45},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["location"], body["video_link"]) == ("Room 4", "https://meet.example.com/x")
    start, end = (datetime.datetime.fromisoformat(body[name]) for name in ("start", "end"))
    assert end - start == datetime.timedelta(minutes=45)


def test_every_json_write_endpoint_is_walked():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    examples = [(m, "/api/v1/" + p.format(**dict.fromkeys(_NAMES, "1"))) for m, p, _ in WRITES]
    missing = []
    for path, operations in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")
        for method in operations:
            key = f"{method.upper()} {path}"
            if method not in ("post", "put", "patch") or key in TOLERANT:
                continue
            if not any(m == method.upper() and pattern.match(example) for m, example in examples):
                missing.append(key)
    assert missing == [], f"add these endpoints to WRITES: {missing}"


_NAMES = ("departure", "interview", "reference", "step", "action", "template", "employee", "survey", "proposal")
