"""Two managers press approve at the same moment: one transition, one clear conflict."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from offboarding.models import Departure


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_give_one_200_and_one_409(postgres_required, org, start_departure):
    departure = start_departure()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def approve(user):
        try:
            client = APIClient()
            client.force_authenticate(user=user)
            barrier.wait(timeout=10)
            # Each thread has its own database connection: two real sessions racing for the row.
            statuses.append(client.post(f"/api/v1/departures/{departure.pk}/approve/", {}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (org.manager, org.ceo)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 409]
    departure.refresh_from_db()
    assert departure.state == "approved"
    assert list(departure.history.values_list("transition", flat=True)) == ["start", "approve"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_makes_the_second_transaction_wait_and_then_see_the_new_state(postgres_required, org, start_departure):
    """Without the row lock both would read `notice`; with it the second reads `approved`."""
    from django.db import transaction

    from core import errors
    from offboarding import transitions

    departure = start_departure()
    first_locked = threading.Event()
    release = threading.Event()
    outcome: list[str] = []

    def first():
        try:
            with transaction.atomic():
                transitions.departure_transition(departure=departure, name="approve", actor=org.manager)
                first_locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    def second():
        try:
            first_locked.wait(timeout=10)
            with transaction.atomic():
                release.set()
                transitions.departure_transition(departure=departure, name="approve", actor=org.ceo)
            outcome.append("approved twice")
        except errors.TransitionNotAllowed:
            outcome.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome == ["conflict"]
    assert Departure.objects.get(pk=departure.pk).history.filter(transition="approve").count() == 1
