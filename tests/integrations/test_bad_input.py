"""Bad input at the edges is a clear 4xx, never a 500: oversized CSV fields, odd HRIS event ids,
dates far outside reason, and departures backdated without saying so."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from offboarding.models import Departure
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db

HEADER = "employee_external_id,kind,notice_date,last_working_day,reason"


def test_a_csv_field_over_the_csv_modules_limit_is_a_400(org, api, frozen):
    text = f'{HEADER}\n{org.employee_record.external_id},resignation,2026-11-02,2027-01-29,"{"x" * 140_000}"\n'

    response = api(org.hr).post("/api/v1/departures/import/", data=text, content_type="text/csv")

    assert response.status_code == 400, response.content[:300]
    assert "file" in response.json()["fields"]
    assert not Departure.objects.exists()


@pytest.mark.parametrize("event_id", [{"a": 1}, [1, 2], True, None, "", "x" * 201])
def test_an_hris_event_id_that_is_not_a_string_or_number_is_refused(org, hris_post, event_id):
    payload = {
        "id": event_id,
        "type": "employee.resigned",
        "employee": {"external_id": org.employee_record.external_id},
        "notice_date": "2026-11-02",
        "last_working_day": "2027-01-29",
    }

    response = hris_post("generic", payload)

    assert response.status_code == 400, response.content
    assert not Departure.objects.exists()


def test_a_numeric_hris_event_id_is_accepted(org, hris_post):
    payload = {
        "id": 12345,
        "type": "employee.resigned",
        "employee": {"external_id": org.employee_record.external_id},
        "notice_date": "2026-11-02",
        "last_working_day": "2027-01-29",
    }
    assert hris_post("generic", payload).status_code == 200


@pytest.mark.parametrize(
    "notice, last_day",
    [
        ("0001-01-01", "2027-01-29"),
        ("2026-11-02", "9999-12-31"),
        ("1899-12-31", "2027-01-29"),
        ("2026-11-02", "2032-01-01"),
    ],
)
def test_dates_far_outside_reason_are_refused(org, api, frozen, notice, last_day):
    body = {
        "employee": org.employee_record.pk,
        "kind": "resignation",
        "notice_date": notice,
        "last_working_day": last_day,
    }

    response = api(org.hr).post("/api/v1/departures/", body, format="json")

    assert response.status_code == 400, response.content
    assert not Departure.objects.exists()


def test_a_backdated_departure_needs_the_flag_and_then_says_nothing_about_the_last_day(org, api, frozen):
    body = {
        "employee": org.employee_record.pk,
        "kind": "resignation",
        "notice_date": "2026-09-15",
        "last_working_day": "2026-10-15",
    }
    refused = api(org.hr).post("/api/v1/departures/", body, format="json")
    started = api(org.hr).post("/api/v1/departures/", {**body, "backdated": True}, format="json")
    approved = api(org.manager).post(f"/api/v1/departures/{started.json()['id']}/approve/", format="json")

    assert refused.status_code == 400 and "last_working_day" in refused.json()["fields"]
    assert started.status_code == 201, started.content
    assert approved.status_code == 200, approved.content
    # No "today is your last working day" on a day long past.
    assert not ScheduledAction.objects.filter(idempotency_key__startswith="thankyou:").exists()


def test_moving_the_last_day_into_the_past_needs_the_flag(org, api, frozen, start_departure):
    departure = start_departure(notice_date=datetime.date(2026, 10, 1), last_working_day=datetime.date(2027, 1, 29))

    moved = api(org.hr).patch(f"/api/v1/departures/{departure.pk}/", {"last_working_day": "2026-10-20"}, format="json")

    assert moved.status_code == 400
    departure.refresh_from_db()
    assert departure.last_working_day == datetime.date(2027, 1, 29)


def test_options_on_a_detail_endpoint_is_not_a_500(org, api):
    assert api(org.hr).options("/api/v1/workflow-templates/1/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/departures/"])
def test_json_nested_two_thousand_deep_is_a_400(org, api, path):
    deep = "[" * 2000 + "]" * 2000

    response = api(org.hr).post(path, data=deep, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_upload_over_the_limit_is_refused_before_it_is_read(org, api, frozen, settings):
    settings.CSV_IMPORT_MAX_BYTES = 200
    text = HEADER + "\n" + "\n".join(f"E{i:05d},resignation,2026-11-02,2027-01-29," for i in range(20)) + "\n"

    as_body = api(org.hr).post("/api/v1/departures/import/", data=text, content_type="text/csv")
    as_file = api(org.hr).post(
        "/api/v1/departures/import/", {"file": SimpleUploadedFile("d.csv", text.encode())}, format="multipart"
    )

    assert as_body.status_code == 413 and as_body.json()["code"] == "too_large"
    assert as_file.status_code == 413
    assert not Departure.objects.exists()


@pytest.mark.parametrize("moment", ["0204-08-03T08:53:46-21:08", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_an_outbox_filter_moment_out_of_range_is_a_400(org, api, moment):
    response = api(org.hr).get("/api/v1/outbox/actions/", {"due_after": moment})
    assert response.status_code == 400, response.content[:300]
