"""Delivery in batches: one task carries a few ids, each message is sent once and recorded on its
own, and a failure of the way out stops the batch, giving the untried rows back uncounted."""

from __future__ import annotations

import datetime

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import point_broker
from workflows.outbox import delivery, queue, tasks
from workflows.outbox.models import ActionStatus, ScheduledAction
from workflows.outbox.registry import renderer

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


@renderer("tests.outbox.unreachable")
def _render_unreachable(action):
    class Unreachable:
        def send(self):
            raise ConnectionResetError("connection reset by peer")

    return Unreachable()


@renderer("tests.outbox.out_of_time")
def _render_out_of_time(action):
    raise SoftTimeLimitExceeded()


def _rows(actions) -> list[ScheduledAction]:
    return [ScheduledAction.objects.get(pk=a.pk) for a in actions]


def test_a_batch_sends_each_message_once_and_records_each(smtp, note_action):
    actions = [note_action(f"batch{n}@example.com") for n in range(5)]

    outcomes = delivery.deliver_batch([a.pk for a in actions])

    assert [o.action_id for o in outcomes] == [a.pk for a in actions] and all(o.sent for o in outcomes)
    for n, row in enumerate(_rows(actions)):
        assert len(smtp.to(f"batch{n}@example.com")) == 1
        assert row.status == ActionStatus.SENT and row.attempts == 1 and row.sent_at is not None
        assert row.claimed_at is None and row.attempt_started_at is None
        [entry] = row.history
        assert entry["attempt"] == 1 and entry["outcome"] == "sent"
        assert smtp.to(f"batch{n}@example.com")[0]["Message-ID"] == delivery.message_id(row)


def test_a_network_failure_mid_batch_retries_that_one_and_gives_the_rest_back_uncounted(smtp, note_action):
    before = [note_action(f"early{n}@example.com") for n in range(2)]
    broken = note_action("broken@example.com", handler="tests.outbox.unreachable")
    after = [note_action(f"late{n}@example.com") for n in range(2)]

    outcomes = delivery.deliver_batch([a.pk for a in [*before, broken, *after]])

    assert [o.sent for o in outcomes] == [True, True, False, False, False]
    for n, row in enumerate(_rows(before)):
        assert row.status == ActionStatus.SENT and len(smtp.to(f"early{n}@example.com")) == 1
    failed = ScheduledAction.objects.get(pk=broken.pk)
    assert failed.status == ActionStatus.PENDING and failed.attempts == 1
    assert "ConnectionResetError" in failed.last_error and failed.history[-1]["outcome"] == "retry"
    for n, row in enumerate(_rows(after)):
        # Never tried: back in line for the next sweep, as if the batch had not reached them.
        assert row.status == ActionStatus.PENDING and row.attempts == 0 and row.history == []
        assert row.claimed_at is None and row.attempt_started_at is None and row.last_error == ""
        assert smtp.to(f"late{n}@example.com") == []

    # The next sweep takes the given-back rows (the failed one waits for its backoff) and sends them once.
    assert sorted(delivery.claim_due()) == sorted(a.pk for a in after)
    assert all(o.sent for o in delivery.deliver_batch([a.pk for a in after]))
    for n, row in enumerate(_rows(after)):
        assert row.status == ActionStatus.SENT and row.attempts == 1 and len(smtp.to(f"late{n}@example.com")) == 1
    for n in range(2):
        assert len(smtp.to(f"early{n}@example.com")) == 1


def test_a_refusal_of_one_message_does_not_stop_the_batch(smtp, note_action):
    smtp.refuse["refused@example.com"] = "451 4.3.0 Try again later"
    actions = [note_action("first@example.com"), note_action("refused@example.com"), note_action("third@example.com")]

    outcomes = delivery.deliver_batch([a.pk for a in actions])

    assert [o.sent for o in outcomes] == [True, False, True]
    first, refused, third = _rows(actions)
    assert first.status == third.status == ActionStatus.SENT
    assert refused.status == ActionStatus.PENDING and refused.attempts == 1 and "451" in refused.last_error


def test_running_out_of_time_mid_batch_gives_the_rest_back(smtp, note_action):
    sent = note_action("in-time@example.com")
    slow = note_action("slow@example.com", handler="tests.outbox.out_of_time")
    rest = note_action("rest@example.com")

    delivery.deliver_batch([sent.pk, slow.pk, rest.pk])

    sent, slow, rest = _rows([sent, slow, rest])
    assert sent.status == ActionStatus.SENT
    assert slow.status == ActionStatus.PENDING and slow.attempts == 1 and "SoftTimeLimitExceeded" in slow.last_error
    assert rest.status == ActionStatus.PENDING and rest.attempts == 0 and smtp.to("rest@example.com") == []


def test_a_batch_past_its_time_budget_starts_no_new_message(smtp, note_action, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH_TIME_SHARE", 0)
    actions = [note_action(f"budget{n}@example.com") for n in range(3)]

    outcomes = delivery.deliver_batch([a.pk for a in actions])

    # The first message always goes; the budget is checked before each further one.
    assert [o.sent for o in outcomes] == [True, False, False]
    assert [row.status for row in _rows(actions)] == [ActionStatus.SENT, ActionStatus.PENDING, ActionStatus.PENDING]
    assert [row.attempts for row in _rows(actions)] == [1, 0, 0]


def test_a_batch_leaves_final_unripe_and_in_flight_rows_alone(smtp, note_action):
    from django.utils import timezone

    due = note_action("due@example.com")
    done = note_action("done@example.com", status=ActionStatus.SENT)
    later = note_action("later@example.com", due_at=timezone.now() + datetime.timedelta(hours=1))
    in_flight = note_action("flight@example.com", status=ActionStatus.SENDING, attempt_started_at=timezone.now())

    outcomes = delivery.deliver_batch([due.pk, done.pk, later.pk, in_flight.pk, due.pk])

    assert [o.detail for o in outcomes[1:4]] == ["already final", "not due yet", "being sent by another delivery"]
    assert outcomes[0].sent and outcomes[4] == outcomes[0]
    assert len(smtp.to("due@example.com")) == 1
    assert smtp.to("done@example.com") == smtp.to("later@example.com") == smtp.to("flight@example.com") == []


def test_a_batch_records_its_attempts_in_one_statement(smtp, note_action):
    actions = [note_action(f"count{n}@example.com") for n in range(10)]

    with CaptureQueriesContext(connection) as captured:
        delivery.deliver_batch([a.pk for a in actions])

    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    # One update starts the ten attempts; each outcome is recorded on its own, right after its send.
    assert len(writes) == 11 and "'sending'" in writes[0]
    assert len(captured.captured_queries) <= 10 + 11 + 4


def test_the_sweep_queues_batches_and_the_batch_task_delivers_them(smtp, note_action):
    from celery.signals import before_task_publish

    from config.celery import app

    actions = [note_action(f"swept{n}@example.com") for n in range(queue.DELIVERY_BATCH + 5)]
    published = []

    def record(sender=None, body=None, **_kwargs):
        published.append((sender, body[0]))

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    point_broker("memory://")
    before_task_publish.connect(record, weak=False)
    try:
        assert tasks.sweep_due_actions() == len(actions)
    finally:
        before_task_publish.disconnect(record)
        point_broker(previous[0])
        app.conf.broker_transport_options = previous[1]

    # Two batches of about equal size, every claimed id in exactly one.
    assert [name for name, _ in published] == [queue.DELIVER_BATCH_TASK] * 2
    batches = [args[0] for _, args in published]
    assert sorted(pk for batch in batches for pk in batch) == sorted(a.pk for a in actions)
    assert abs(len(batches[0]) - len(batches[1])) <= 1

    assert sum(tasks.deliver_actions(batch) for batch in batches) == len(actions)
    assert ScheduledAction.objects.filter(status=ActionStatus.SENT).count() == len(actions)


def test_the_per_id_task_still_delivers_messages_queued_before_batches(smtp, note_action):
    action = note_action("queued-earlier@example.com")

    assert tasks.deliver_action(action.pk) == ActionStatus.SENT
    assert len(smtp.to("queued-earlier@example.com")) == 1


@pytest.mark.parametrize(("count", "sizes"), [(1, [1]), (20, [20]), (21, [11, 10]), (45, [15, 15, 15])])
def test_batches_are_of_about_equal_size_and_never_over_the_limit(count, sizes):
    ids = list(range(count))
    batches = queue.batches(ids)
    assert [len(b) for b in batches] == sizes and [pk for b in batches for pk in b] == ids
