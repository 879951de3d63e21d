"""Two deliveries of one action at the same moment send it once; concurrent sweeps claim each row once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.helpers import race
from workflows.outbox import delivery
from workflows.outbox.models import ActionStatus, ScheduledAction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.smtp]


def test_concurrent_deliveries_send_once(postgres_required, smtp, note_action):
    action = note_action("race@example.com")
    smtp.hold = threading.Event()  # the SMTP server keeps the first delivery waiting mid-send
    outcomes = {}

    def first():
        outcomes["first"] = delivery.deliver(action.pk)
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert smtp.holding.wait(timeout=10)
    outcomes["second"] = delivery.deliver(action.pk)  # meanwhile, mid-send
    smtp.hold.set()
    thread.join(timeout=20)

    assert outcomes["first"].sent and not outcomes["second"].sent
    assert outcomes["second"].detail == "being sent by another delivery"
    assert len(smtp.to("race@example.com")) == 1
    assert ScheduledAction.objects.get(pk=action.pk).status == ActionStatus.SENT


def test_concurrent_sweeps_claim_each_action_once(postgres_required, note_action):
    for n in range(30):
        note_action(f"c{n}@example.com")
    claimed: list[list[int]] = race(*[lambda: delivery.claim_due(limit=20)] * 3)

    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 30


def test_two_simultaneous_clicks_on_one_approve_link_approve_once(postgres_required, org):
    import datetime

    from django.test import Client

    from offboarding import links
    from offboarding.actions import departures as departure_actions
    from offboarding.models import DepartureHistory

    departure = departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=datetime.date(2026, 11, 2),
        last_working_day=datetime.date(2026, 12, 18),
        actor=org.hr,
    )
    url = links.link_url(action="approve", departure_id=departure.pk, user_id=org.manager.pk)
    path = url.removeprefix("http://testserver")
    statuses = race(*[lambda: Client().post(path).status_code] * 2)

    assert sorted(statuses) == [200, 409]
    assert DepartureHistory.objects.filter(departure=departure, transition="approve").count() == 1
