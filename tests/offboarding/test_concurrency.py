"""Two managers press approve at the same moment: one transition, one clear conflict."""

import threading

import pytest
from django.db import connections

from offboarding.models import Departure
from tests.helpers import post_as, race


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_give_one_200_and_one_409(postgres_required, org, start_departure):
    departure = start_departure()
    url = f"/api/v1/departures/{departure.pk}/approve/"

    statuses = race(lambda: post_as(org.manager, url), lambda: post_as(org.ceo, url))

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
