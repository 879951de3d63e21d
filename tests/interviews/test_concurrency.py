"""Racing requests on one interview: one wins, the other gets a clear 409, never two interviews."""

import datetime
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from core import roles
from offboarding.interviews.models import ExitInterview
from offboarding.models import DepartureState
from tests.factories import DepartureFactory, EmployeeFactory, UserFactory


def _race(requests):
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def run(user, path, body):
        try:
            client = APIClient()
            client.force_authenticate(user=user)
            barrier.wait(timeout=10)
            statuses.append(client.post(path, body, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hr_people_scheduling_at_once_give_one_interview(postgres_required, org, departure):
    hr2 = UserFactory(username="hr2", groups=[roles.HR])
    path = f"/api/v1/departures/{departure.pk}/interview/"
    assert _race([(org.hr, path, {}), (hr2, path, {})]) == [201, 409]
    assert ExitInterview.objects.filter(departure=departure).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hold_and_cancel_at_once_give_one_outcome(postgres_required, org, schedule, clock):
    interview = schedule()
    clock.move_to(interview.start)
    base = f"/api/v1/interviews/{interview.pk}"
    assert _race([(org.interviewer, f"{base}/hold/", {}), (org.hr, f"{base}/cancel/", {})]) == [200, 409]
    interview.refresh_from_db()
    assert interview.state in ("held", "cancelled")
    assert interview.departure.state == {"held": "interview_done", "cancelled": "approved"}[interview.state]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bookings_for_one_interviewer_at_once_take_different_slots(postgres_required, org, departure):
    other = DepartureFactory(
        employee=EmployeeFactory(manager=org.manager2_record),
        state=DepartureState.APPROVED,
        notice_date=departure.notice_date,
        last_working_day=departure.last_working_day,
    )
    hr2 = UserFactory(username="hr2", groups=[roles.HR])
    body = {"interviewer": org.interviewer.pk}
    assert _race(
        [
            (org.hr, f"/api/v1/departures/{departure.pk}/interview/", body),
            (hr2, f"/api/v1/departures/{other.pk}/interview/", body),
        ]
    ) == [201, 201]
    starts = sorted(ExitInterview.objects.values_list("start", flat=True))
    assert starts == [
        datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC),
    ]
