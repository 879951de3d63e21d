"""BambooHR- and Personio-shaped payloads, mapped onto the same departure services."""

from __future__ import annotations

import datetime

import pytest

from integrations.inbound.hris import mappers
from offboarding.models import Departure, Employee

pytestmark = pytest.mark.django_db


def bamboo(employee_number, *, fields=None, changed=None, action="Updated", timestamp="2026-11-02T08:30:00+0000"):
    return {
        "employees": [
            {
                "id": "4711",
                "action": action,
                "timestamp": timestamp,
                "changedFields": changed if changed is not None else ["Employment Status", "Termination Date"],
                "fields": {
                    "Employee #": employee_number,
                    "Employment Status": "Terminated",
                    "Termination Date": "2027-01-29",
                    "Termination Type": "Resignation (Voluntary)",
                    **(fields or {}),
                },
            }
        ]
    }


def personio(person_id, *, termination=None, event_name="employment.updated", meta=None, **extra):
    return {
        "company_id": "42",
        "event_name": event_name,
        "occurred_at": "2026-11-02T08:30:00Z",
        "payload": {
            "id": "employment-9",
            "person": {"id": person_id, **extra.get("person", {})},
            "supervisor": extra.get("supervisor", {}),
            "termination": termination,
        },
        "meta": {"event_id": "pe-1"} if meta is None else meta,
    }


QUIT = {
    "type": "QUIT",
    "termination_date": "2027-01-31",
    "last_working_date": "2027-01-29",
    "terminated_at": "2026-11-02T08:00:00Z",
}


# --- BambooHR


def test_bamboohr_termination_date_with_a_voluntary_type_starts_a_resignation(org, hris_post):
    response = hris_post("bamboohr", bamboo(org.employee_record.external_id))

    assert response.status_code == 200, response.data
    departure = Departure.objects.get()
    assert (departure.employee, departure.kind) == (org.employee_record, "resignation")
    assert departure.notice_date == datetime.date(2026, 11, 2)
    assert departure.last_working_day == datetime.date(2027, 1, 29)
    assert response.data["events"][0]["id"] == "4711:2026-11-02T08:30:00+0000"


def test_bamboohr_api_aliases_work_as_well_as_english_labels(org, hris_post):
    payload = {
        "employees": [
            {
                "id": "4711",
                "action": "Updated",
                "timestamp": "2026-11-02T08:30:00+0000",
                "changedFields": ["terminationDate"],
                "fields": {
                    "employeeNumber": org.employee_record.external_id,
                    "terminationDate": "2027-01-15",
                    "terminationType": "Termination (Involuntary)",
                },
            }
        ]
    }

    hris_post("bamboohr", payload)

    departure = Departure.objects.get()
    assert (departure.kind, departure.last_working_day) == ("termination", datetime.date(2027, 1, 15))


def test_bamboohr_a_new_termination_date_moves_the_open_departure(org, hris_post):
    hris_post("bamboohr", bamboo(org.employee_record.external_id))

    response = hris_post(
        "bamboohr",
        bamboo(
            org.employee_record.external_id,
            fields={"Termination Date": "2027-02-12"},
            timestamp="2026-11-03T08:00:00+0000",
        ),
    )

    assert response.data["events"][0]["result"] == "last_day_changed"
    assert Departure.objects.get().last_working_day == datetime.date(2027, 2, 12)


def test_bamboohr_a_cleared_termination_date_withdraws_the_departure(org, hris_post):
    hris_post("bamboohr", bamboo(org.employee_record.external_id))

    response = hris_post(
        "bamboohr",
        bamboo(
            org.employee_record.external_id,
            fields={"Termination Date": "", "Employment Status": "Active"},
            changed=["Termination Date"],
            timestamp="2026-11-04T08:00:00+0000",
        ),
    )

    assert response.data["events"][0]["result"] == "withdrawn"
    assert Departure.objects.get().state == "cancelled"


def test_bamboohr_changes_without_termination_data_are_ignored(org, hris_post):
    payload = bamboo(org.employee_record.external_id, changed=["First Name"])
    payload["employees"][0]["fields"] = {"Employee #": org.employee_record.external_id, "First Name": "Erik"}

    response = hris_post("bamboohr", payload)

    assert response.status_code == 200
    assert response.data["events"][0]["result"] == "ignored"
    assert not Departure.objects.exists()


def test_bamboohr_creates_an_unknown_employee_from_the_posted_fields(org, hris_post):
    fields = {"First Name": "Nora", "Last Name": "New", "Work Email": "nora@example.com",
              "Supervisor Employee #": org.manager_record.external_id, "Department": "Sales"}  # fmt: skip

    response = hris_post("bamboohr", bamboo("E777", fields=fields))

    assert response.status_code == 200, response.data
    nora = Employee.objects.get(external_id="E777")
    assert (nora.name, nora.manager, nora.department) == ("Nora New", org.manager_record, "Sales")


def test_bamboohr_one_request_may_carry_several_employees(org, hris_post):
    payload = bamboo(org.employee_record.external_id)
    second = bamboo(org.manager2_record.external_id)["employees"][0]
    second["id"] = "4712"
    payload["employees"].append(second)

    response = hris_post("bamboohr", payload)

    assert [e["result"] for e in response.data["events"]] == ["started", "started"]
    assert Departure.objects.count() == 2


def test_bamboohr_signed_with_the_generic_secret_gets_401(org, hris_post):
    assert hris_post("bamboohr", bamboo(org.employee_record.external_id), secret="test-secret").status_code == 401


# --- Personio


def test_personio_employment_update_with_a_quit_termination_starts_a_resignation(org, hris_post):
    response = hris_post("personio", personio(org.employee_record.external_id, termination=QUIT))

    assert response.status_code == 200, response.data
    departure = Departure.objects.get()
    assert (departure.kind, departure.notice_date, departure.last_working_day) == (
        "resignation",
        datetime.date(2026, 11, 2),
        datetime.date(2027, 1, 29),
    )
    assert response.data["events"][0]["id"] == "pe-1"


def test_personio_a_removed_termination_withdraws_the_departure(org, hris_post):
    hris_post("personio", personio(org.employee_record.external_id, termination=QUIT))

    response = hris_post(
        "personio", personio(org.employee_record.external_id, termination=None, meta={"event_id": "pe-2"})
    )

    assert response.data["events"][0]["result"] == "withdrawn"
    assert Departure.objects.get().state == "cancelled"


def test_personio_a_moved_last_working_date_moves_the_departure(org, hris_post):
    hris_post("personio", personio(org.employee_record.external_id, termination=QUIT))

    moved = {**QUIT, "last_working_date": "2027-02-26"}
    response = hris_post(
        "personio", personio(org.employee_record.external_id, termination=moved, meta={"event_id": "pe-3"})
    )

    assert response.data["events"][0]["result"] == "last_day_changed"
    assert Departure.objects.get().last_working_day == datetime.date(2027, 2, 26)


def test_personio_the_same_termination_again_changes_nothing(org, hris_post):
    hris_post("personio", personio(org.employee_record.external_id, termination=QUIT))

    response = hris_post(
        "personio", personio(org.employee_record.external_id, termination=QUIT, meta={"event_id": "pe-4"})
    )

    assert response.data["events"][0]["result"] == "unchanged"


def test_personio_other_events_are_ignored(org, hris_post):
    response = hris_post("personio", personio(org.employee_record.external_id, event_name="absence_period.created"))

    assert response.status_code == 200
    assert response.data["events"][0]["result"] == "ignored"


def test_personio_without_an_event_id_derives_one_so_a_replay_is_still_caught(org, hris_post):
    payload = personio(org.employee_record.external_id, termination=QUIT, meta={})
    hris_post("personio", payload)

    second = hris_post("personio", payload)

    assert second.data["status"] == "duplicate"
    assert second.data["events"][0]["id"] == "employment.updated:employment-9:2026-11-02T08:30:00Z"


@pytest.mark.parametrize(
    ("termination_type", "kind"),
    [
        ("QUIT", "resignation"),
        ("RETIREMENT", "retirement"),
        ("END_OF_CONTRACT", "end_of_contract"),
        ("DISMISSAL", "termination"),
    ],
)
def test_personio_termination_types_map_to_departure_kinds(termination_type, kind):
    events = mappers.map_personio(personio("E1", termination={**QUIT, "type": termination_type}))

    assert events[0].kind == kind


@pytest.mark.parametrize(
    ("termination_type", "kind"),
    [
        ("Resignation (Voluntary)", "resignation"),
        ("Termination (Involuntary)", "termination"),
        ("Retirement", "retirement"),
        ("End of contract", "end_of_contract"),
        ("", "termination"),
    ],
)
def test_bamboohr_termination_types_map_to_departure_kinds(termination_type, kind):
    events = mappers.map_bamboohr(bamboo("E1", fields={"Termination Type": termination_type, "Employment Status": ""}))

    assert events[0].kind == kind


def test_a_malformed_bamboohr_payload_gets_400(org, hris_post):
    assert hris_post("bamboohr", {"employees": "nope"}).status_code == 400


def test_a_personio_payload_without_a_person_gets_400(org, hris_post):
    payload = personio("E1", termination=QUIT)
    del payload["payload"]["person"]

    assert hris_post("personio", payload).status_code == 400
