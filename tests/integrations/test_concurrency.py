"""The same HRIS event arriving twice at the same moment is processed once (needs PostgreSQL's row locks)."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from offboarding.models import Departure
from tests.helpers import race, signed_headers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_deliveries_of_one_event_at_once_start_one_departure(postgres_required, org, frozen):
    body = json.dumps(
        {
            "id": "evt-race",
            "type": "employee.resigned",
            "employee": {"external_id": org.employee_record.external_id},
            "notice_date": "2026-11-02",
            "last_working_day": "2027-01-29",
        }
    ).encode()
    headers = signed_headers(secret="test-secret", body=body)

    def deliver():
        response = APIClient().post(
            "/api/v1/integrations/hris/generic/events/", data=body, content_type="application/json", **headers
        )
        return response.status_code, response.data["status"]

    answers = race(deliver, deliver)

    assert sorted(answers) == [(200, "duplicate"), (200, "processed")]
    assert Departure.objects.count() == 1
