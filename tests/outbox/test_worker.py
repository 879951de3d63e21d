"""A real Celery worker process over Redis, delivering to a real SMTP server on loopback.

The worker runs on the wall clock and cannot be time-travelled, so where a message would be due
later (the next working morning, the last working day) the test moves the row's due time to now
instead of moving the clock.

Departures here are started on a coming Saturday night (only the starting is time-travelled): the
approval request then waits for Monday and nothing is queued when the start commits. Started in the
approver's working hours it would go straight to the worker, racing the sweep a test drives.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db.models.functions import Now
from django.utils import timezone

from offboarding.actions import departures as departure_actions
from tests.helpers import point_broker, wait_until
from workflows.outbox import delivery, queue, tasks
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.smtp,
    pytest.mark.worker,
]


def saturday_night() -> datetime.datetime:
    """03:00 UTC on the Saturday after next: outside working hours in every approver's zone."""
    today = timezone.now().date()
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 + 7)
    return datetime.datetime.combine(saturday, datetime.time(3), tzinfo=datetime.UTC)


@pytest.fixture
def departure(org):
    with time_machine.travel(saturday_night(), tick=False):
        return departure_actions.departure_start(
            employee=org.employee_record,
            kind="resignation",
            notice_date=timezone.localdate(),
            last_working_day=timezone.localdate() + datetime.timedelta(days=30),
            actor=org.hr,
        )


def request_row(departure) -> ScheduledAction:
    return ScheduledAction.objects.get(
        idempotency_key__startswith=f"approval:departure:{departure.pk}:", kind=ActionKind.APPROVAL_REQUEST
    )


def make_due(action: ScheduledAction) -> None:
    ScheduledAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - datetime.timedelta(seconds=1))


def approval_mails(sink, address: str) -> list:
    return [m for m in sink.to(address) if "offboarding plan" in str(m["Subject"])]


def test_worker_delivers_the_approval_request_over_smtp(worker, departure, org):
    make_due(request_row(departure))

    tasks.sweep_due_actions()

    manager = org.manager_record.email
    assert worker.wait_for(lambda s: approval_mails(s, manager))
    [message] = approval_mails(worker, manager)
    assert message["Subject"] == f"Please approve the offboarding plan for {org.employee_record.name}"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.count("/links/") == 3 and html.count("/links/") == 3
    row = wait_until(lambda: ScheduledAction.objects.filter(pk=request_row(departure).pk, status="sent").first())
    assert row.attempts == 1 and row.sent_at is not None


def test_task_queued_twice_sends_once(worker, departure, org):
    action = request_row(departure)
    make_due(action)

    queue.enqueue_quietly(action.pk)
    queue.enqueue_quietly(action.pk)
    # Approving before the worker has taken the request would cancel it (a race, not the point here).
    wait_until(lambda: ScheduledAction.objects.filter(pk=action.pk, status=ActionStatus.SENT).exists())
    # A later message through the same single worker: once it arrives, both copies were handled.
    departure_actions.departure_approve(departure=departure, actor=org.manager)
    thanks = ScheduledAction.objects.get(kind=ActionKind.THANK_YOU, group=f"departure:{departure.pk}")
    make_due(thanks)
    queue.enqueue_quietly(thanks.pk)

    assert worker.wait_for(lambda s: [m for m in s.to(org.employee_record.email) if "Thank you" in str(m["Subject"])])
    assert len(approval_mails(worker, org.manager_record.email)) == 1


def test_sweep_run_twice_sends_once(worker, departure, org):
    make_due(request_row(departure))

    first = tasks.sweep_due_actions()
    second = tasks.sweep_due_actions()
    assert worker.wait_for(lambda s: approval_mails(s, org.manager_record.email))
    wait_until(lambda: ScheduledAction.objects.filter(pk=request_row(departure).pk, status="sent").exists())
    # Sent and no longer claimable: a third sweep finds nothing of it either.
    third = tasks.sweep_due_actions()

    assert first >= 1 and second == 0 and third == 0
    assert len(approval_mails(worker, org.manager_record.email)) == 1


def test_redis_down_at_approval_loses_nothing(worker, departure, org, closed_port, broker):
    point_broker(f"redis://127.0.0.1:{closed_port}/12")

    departure_actions.departure_approve(departure=departure, actor=org.manager)  # on commit: enqueue fails quietly

    thanks = ScheduledAction.objects.get(kind=ActionKind.THANK_YOU, group=f"departure:{departure.pk}")
    assert thanks.status == ActionStatus.PENDING
    make_due(thanks)  # the last working day has come
    assert tasks.sweep_due_actions() == 0  # Redis still down: nothing queued, nothing lost
    assert ScheduledAction.objects.get(pk=thanks.pk).status == ActionStatus.PENDING

    point_broker(broker)  # Redis is back
    assert tasks.sweep_due_actions() >= 1

    employee = org.employee_record.email
    assert worker.wait_for(lambda s: [m for m in s.to(employee) if "Thank you" in str(m["Subject"])])
    wait_until(lambda: ScheduledAction.objects.filter(pk=thanks.pk, status=ActionStatus.SENT).exists())


def test_smtp_refusal_is_retried_then_fails_with_the_error(worker, departure, org):
    worker.refuse[org.manager_record.email.lower()] = "451 4.7.1 Greylisted, try later"
    action = request_row(departure)
    ScheduledAction.objects.filter(pk=action.pk).update(max_attempts=3)
    make_due(action)

    tasks.sweep_due_actions()

    failed = wait_until(lambda: ScheduledAction.objects.filter(pk=action.pk, status=ActionStatus.FAILED).first())
    assert failed.attempts == 3 and "451" in failed.last_error and "Greylisted" in failed.last_error
    assert worker.refused.count(org.manager_record.email.lower()) == 3


def test_the_worker_delivers_a_swept_batch_each_message_once(worker, departure, org):
    from offboarding.models import Departure
    from tests.factories import EmployeeFactory

    others = [
        Departure(employee=EmployeeFactory(manager=org.manager_record), kind="resignation",
                  notice_date=departure.notice_date, last_working_day=departure.last_working_day)
        for _ in range(3)
    ]  # fmt: skip
    with time_machine.travel(saturday_night(), tick=False):
        departure_actions.departures_start(departures=others, actor=org.hr)
    cycle = ScheduledAction.objects.filter(group__startswith="departure:", status=ActionStatus.PENDING)
    ids = list(cycle.values_list("pk", flat=True))
    assert len(ids) == 4  # four approval requests, none sent yet
    cycle.update(due_at=Now())  # the database's clock, the one the sweep compares with

    assert tasks.sweep_due_actions() == len(ids)  # in one batch task

    assert worker.wait_for(lambda s: len(s.messages) >= len(ids))
    sent = ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.SENT)
    wait_until(lambda: sent.count() == len(ids))
    assert all(row.attempts == 1 for row in sent)
    received = [m["Message-ID"] for m in worker.messages]
    assert sorted(received) == sorted(delivery.message_id(row) for row in sent)
