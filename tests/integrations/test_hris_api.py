"""The HRIS endpoint: signatures, replays, and each generic event kind end to end."""

from __future__ import annotations

import datetime

import pytest

from integrations.models import ProcessedEvent
from offboarding.models import Departure, DepartureHistory, Employee
from tests.helpers import NOW
from workflows.models import Step
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db


def resignation(person, **overrides):
    payload = {
        "id": "evt-1",
        "type": "employee.resigned",
        "employee": {"external_id": person.external_id},
        "notice_date": "2026-11-02",
        "last_working_day": "2027-01-29",
    }
    payload.update(overrides)
    return payload


def nothing_changed():
    return not Departure.objects.exists() and not ProcessedEvent.objects.exists()


# --- signatures


def test_a_signed_resignation_starts_a_departure_with_its_workflow_and_approval_step(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record))

    assert response.status_code == 200, response.data
    assert response.data["status"] == "processed"
    departure = Departure.objects.get()
    assert response.data["events"][0] == {
        "id": "evt-1",
        "status": "processed",
        "result": "started",
        "departure": departure.pk,
    }
    assert (departure.employee, departure.kind, departure.state) == (org.employee_record, "resignation", "notice")
    assert departure.last_working_day == datetime.date(2027, 1, 29)
    approval = Step.objects.get(workflow=departure.workflow, key="manager_approval")
    assert approval.state == "ready"
    request = ScheduledAction.objects.get(group=f"departure:{departure.pk}", kind="approval_request")
    assert request.recipient == org.manager_record.email


def test_the_audit_row_says_system_and_names_the_source_and_event(org, hris_post):
    hris_post("generic", resignation(org.employee_record))

    row = DepartureHistory.objects.get(transition="start")
    assert row.actor is None
    assert row.actor_label == "system"
    assert "generic" in row.note and "evt-1" in row.note


def test_a_bad_signature_gets_401_and_changes_nothing(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record), secret="not-the-secret")

    assert response.status_code == 401
    assert nothing_changed()


def test_a_body_changed_after_signing_gets_401(org, api, frozen):
    from tests.helpers import signed_headers

    headers = signed_headers(secret="test-secret", body=b'{"id": "evt-1"}')
    response = api().post(
        "/api/v1/integrations/hris/generic/events/",
        data=resignation(org.employee_record),
        format="json",
        **headers,
    )

    assert response.status_code == 401
    assert nothing_changed()


def test_an_unsigned_request_gets_401(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record), headers={})

    assert response.status_code == 401
    assert nothing_changed()


@pytest.mark.parametrize("offset", [-301, -3600, 301, 3600], ids=["stale", "an-hour-old", "future", "an-hour-ahead"])
def test_a_timestamp_outside_five_minutes_gets_401(org, hris_post, offset):
    response = hris_post("generic", resignation(org.employee_record), timestamp=int(NOW.timestamp()) + offset)

    assert response.status_code == 401
    assert nothing_changed()


@pytest.mark.parametrize("offset", [-299, 299])
def test_a_timestamp_inside_five_minutes_is_accepted(org, hris_post, offset):
    response = hris_post("generic", resignation(org.employee_record), timestamp=int(NOW.timestamp()) + offset)

    assert response.status_code == 200


def test_another_sources_secret_gets_401(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record), secret="test-secret-bamboo")

    assert response.status_code == 401


def test_the_same_event_twice_is_processed_once_and_the_second_answer_says_so(org, hris_post):
    first = hris_post("generic", resignation(org.employee_record))
    second = hris_post("generic", resignation(org.employee_record))

    assert first.data["status"] == "processed"
    assert second.status_code == 200
    assert second.data["status"] == "duplicate"
    assert second.data["events"][0]["status"] == "duplicate"
    assert second.data["events"][0]["departure"] == first.data["events"][0]["departure"]
    assert Departure.objects.count() == 1
    assert DepartureHistory.objects.count() == 1


def test_the_same_event_id_from_another_source_is_another_event(org, hris_post):
    hris_post("generic", resignation(org.employee_record, type="employee.resigned"))
    ProcessedEvent.objects.filter(source="generic").update(source="other")

    response = hris_post("generic", resignation(org.employee_record))

    assert response.status_code == 409  # processed again: the employee already has a departure


def test_an_unknown_source_gets_404(org, hris_post):
    assert hris_post("workday", resignation(org.employee_record), secret="x").status_code == 404


def test_session_or_token_auth_is_not_needed_but_the_signature_is(org, api, hris_post):
    # hris_post uses an anonymous client; a logged-in HR user without a signature is still refused.
    response = api(org.hr).post(
        "/api/v1/integrations/hris/generic/events/", data=resignation(org.employee_record), format="json"
    )

    assert response.status_code == 401


def test_malformed_json_gets_400(org, hris_post):
    response = hris_post("generic", b"{not json")

    assert response.status_code == 400


def test_an_unknown_event_type_gets_400(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record, type="employee.promoted"))

    assert response.status_code == 400
    assert "type" in response.data["fields"]


def test_a_reason_outside_the_managed_list_gets_the_apis_field_error_and_changes_nothing(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record, reason="secret-reason"))

    assert response.status_code == 400
    assert response.data["fields"] == {"reason": ['"secret-reason" is not a valid choice.']}
    assert nothing_changed()


# --- event kinds


def test_a_termination_starts_a_termination(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record, type="employee.terminated"))

    assert response.status_code == 200
    assert Departure.objects.get().kind == "termination"


def test_a_termination_may_name_retirement_or_end_of_contract(org, hris_post):
    hris_post("generic", resignation(org.employee_record, type="employee.terminated", kind="retirement"))

    assert Departure.objects.get().kind == "retirement"


def test_a_last_day_change_moves_the_departure_and_its_due_dates(org, hris_post):
    hris_post("generic", resignation(org.employee_record))
    departure = Departure.objects.get()
    step = Step.objects.get(workflow=departure.workflow, key="access_revocation")
    old_due = step.due_date

    response = hris_post(
        "generic",
        {
            "id": "evt-2",
            "type": "departure.last_day_changed",
            "employee": {"external_id": org.employee_record.external_id},
            "last_working_day": "2027-02-26",
        },
    )

    assert response.status_code == 200, response.data
    assert response.data["events"][0]["result"] == "last_day_changed"
    departure.refresh_from_db()
    step.refresh_from_db()
    assert departure.last_working_day == datetime.date(2027, 2, 26)
    assert step.due_date > old_due
    row = departure.history.get(transition="change_last_working_day")
    assert row.actor_label == "system" and "evt-2" in row.note


def test_a_withdrawal_cancels_the_departure_and_its_checklist(org, hris_post):
    hris_post("generic", resignation(org.employee_record))

    response = hris_post(
        "generic",
        {"id": "evt-3", "type": "departure.withdrawn", "employee": {"external_id": org.employee_record.external_id}},
    )

    assert response.status_code == 200, response.data
    departure = Departure.objects.get()
    assert departure.state == "cancelled"
    assert departure.workflow.cancelled_at is not None
    assert not Step.objects.filter(workflow=departure.workflow, state__in=["pending", "ready"]).exists()
    assert departure.history.get(transition="cancel").actor_label == "system"


def test_a_withdrawal_without_an_open_departure_gets_422(org, hris_post):
    response = hris_post(
        "generic",
        {"id": "evt-3", "type": "departure.withdrawn", "employee": {"external_id": org.employee_record.external_id}},
    )

    assert response.status_code == 422
    assert not ProcessedEvent.objects.exists()


def test_a_second_resignation_for_an_open_departure_gets_409(org, hris_post):
    hris_post("generic", resignation(org.employee_record))

    response = hris_post("generic", resignation(org.employee_record, id="evt-9"))

    assert response.status_code == 409
    assert Departure.objects.count() == 1
    assert not ProcessedEvent.objects.filter(event_id="evt-9").exists()


# --- unknown employees


def test_an_unknown_employee_is_created_from_the_payload_with_their_manager(org, hris_post):
    payload = resignation(
        org.employee_record,
        employee={
            "external_id": "E123",
            "name": "Nora New",
            "email": "nora@example.com",
            "manager_external_id": org.manager_record.external_id,
            "department": "Sales",
        },
    )

    response = hris_post("generic", payload)

    assert response.status_code == 200, response.data
    nora = Employee.objects.get(external_id="E123")
    assert (nora.name, nora.email, nora.manager, nora.department) == (
        "Nora New",
        "nora@example.com",
        org.manager_record,
        "Sales",
    )
    assert Departure.objects.get().employee == nora


def test_an_unknown_employee_without_name_and_email_gets_422_listing_what_is_missing(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record, employee={"external_id": "E404"}))

    assert response.status_code == 422
    assert response.data["fields"]["missing"] == ["employee.name", "employee.email"]
    assert not Employee.objects.filter(external_id="E404").exists()
    assert nothing_changed()


def test_an_unknown_manager_is_reported_as_missing(org, hris_post):
    payload = resignation(
        org.employee_record,
        employee={"external_id": "E123", "name": "Nora", "email": "nora@example.com", "manager_external_id": "E999"},
    )

    response = hris_post("generic", payload)

    assert response.status_code == 422
    assert "E999" in response.data["fields"]["missing"][0]
    assert not Employee.objects.filter(external_id="E123").exists()


def test_a_last_day_before_the_notice_date_gets_400(org, hris_post):
    response = hris_post("generic", resignation(org.employee_record, last_working_day="2026-10-01"))

    assert response.status_code == 400
    assert "last_working_day" in response.data["fields"]
    assert nothing_changed()
