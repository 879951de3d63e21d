"""Delivery in this process: claims, idempotence, retries and failure, against a real SMTP server."""

from __future__ import annotations

import datetime

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, Value
from django.db.models.functions import Now
from django.utils import timezone

from core.delivery import DeliveryError
from workflows.outbox import delivery, queue, tasks
from workflows.outbox.models import ActionStatus, ScheduledAction
from workflows.outbox.registry import renderer

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def test_deliver_sends_and_marks_sent(smtp, note_action):
    action = note_action("ada@example.com")

    outcome = delivery.deliver(action.pk)

    action.refresh_from_db()
    assert outcome.sent and action.status == ActionStatus.SENT
    assert action.attempts == 1 and action.sent_at is not None
    [message] = smtp.to("ada@example.com")
    assert message["Subject"].startswith("note")


def test_deliver_run_twice_sends_once(smtp, note_action):
    action = note_action("twice@example.com")

    delivery.deliver(action.pk)
    second = delivery.deliver(action.pk)

    assert not second.sent and second.detail == "already final"
    assert len(smtp.to("twice@example.com")) == 1


def test_sweep_run_twice_claims_once(note_action):
    action = note_action()

    first = delivery.claim_due()
    second = delivery.claim_due()

    action.refresh_from_db()
    assert first == [action.pk] and second == []
    assert action.status == ActionStatus.SENDING and action.claimed_at is not None


def test_sweep_then_two_deliveries_send_once(smtp, note_action):
    action = note_action("swept@example.com")
    [claimed] = delivery.claim_due()

    delivery.deliver(claimed)
    delivery.deliver(claimed)

    action.refresh_from_db()
    assert action.status == ActionStatus.SENT
    assert len(smtp.to("swept@example.com")) == 1


def test_action_not_yet_due_is_neither_claimed_nor_sent(smtp, note_action):
    action = note_action("later@example.com", due_at=timezone.now() + datetime.timedelta(hours=1))

    assert delivery.claim_due() == []
    outcome = delivery.deliver(action.pk)

    assert outcome.detail == "not due yet" and smtp.to("later@example.com") == []


def age_claim(action, age: datetime.timedelta) -> None:
    """Make the row's claim `age` old by the database's clock (the only clock leases are read by)."""
    ScheduledAction.objects.filter(pk=action.pk).update(
        claimed_at=ExpressionWrapper(Now() - Value(age, output_field=DurationField()), output_field=DateTimeField())
    )


def test_claim_of_a_dead_worker_is_swept_again_after_the_lease(note_action):
    action = note_action()
    delivery.claim_due()

    age_claim(action, delivery.claim_lease() - datetime.timedelta(seconds=5))
    assert delivery.claim_due() == []
    age_claim(action, delivery.claim_lease() + datetime.timedelta(seconds=5))
    assert delivery.claim_due() == [action.pk]


def test_renderer_returning_none_cancels_the_action(smtp, note_action):
    action = note_action("gone@example.com", payload={"gone": True})

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED and smtp.to("gone@example.com") == []


def test_cancelled_action_is_not_sent(smtp, note_action):
    action = note_action("cancelled@example.com", status=ActionStatus.CANCELLED)

    delivery.deliver(action.pk)

    assert smtp.to("cancelled@example.com") == []


def test_smtp_temporary_refusal_schedules_a_retry_with_backoff(smtp, note_action, django_capture_on_commit_callbacks):
    smtp.refuse["busy@example.com"] = "451 4.3.0 Try again later"
    action = note_action("busy@example.com")
    before = timezone.now()

    with django_capture_on_commit_callbacks():
        delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.PENDING and action.attempts == 1
    assert "451" in action.last_error and "Try again later" in action.last_error
    # First backoff: one minute plus up to 10% jitter, kept in the database (not a broker ETA).
    wait = (action.due_at - before).total_seconds()
    assert 60 <= wait <= 67


@pytest.mark.parametrize(("attempt", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16)])
def test_backoff_doubles_per_attempt_with_at_most_ten_percent_jitter(attempt, minutes):
    seconds = delivery.retry_delay(attempt).total_seconds()
    assert minutes * 60 <= seconds <= minutes * 66


def test_backoff_is_capped(settings):
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    assert delivery.retry_delay(20).total_seconds() <= 3960


def test_smtp_refusal_ends_failed_after_max_attempts_with_the_error(smtp, note_action):
    smtp.refuse["nobody@example.com"] = "550 5.1.1 Mailbox unavailable"
    action = note_action("nobody@example.com", max_attempts=3)

    for _ in range(3):
        # Each backoff has passed (due by the database's clock).
        ScheduledAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - datetime.timedelta(seconds=1))
        delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and action.attempts == 3
    assert "550" in action.last_error and "Mailbox unavailable" in action.last_error
    assert smtp.refused == ["nobody@example.com"] * 3


def test_smtp_server_down_is_retried(note_action, settings, closed_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", closed_port, False
    action = note_action()

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.PENDING and "ConnectionRefusedError" in action.last_error


@renderer("tests.outbox.permanent")
def _render_permanent(action):
    class Refused:
        def send(self):
            raise DeliveryError("410 Gone: the endpoint was removed", retryable=False)

    return Refused()


def test_permanent_delivery_error_fails_at_once(note_action):
    action = note_action(handler="tests.outbox.permanent")

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and action.attempts == 1
    assert "410 Gone" in action.last_error


@renderer("tests.outbox.slow")
def _render_slow(action):
    class Slow:
        def send(self):
            raise SoftTimeLimitExceeded()

    return Slow()


def test_a_soft_time_limit_is_retried_without_a_traceback(note_action, caplog):
    action = note_action(handler="tests.outbox.slow")

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.PENDING and "SoftTimeLimitExceeded" in action.last_error
    assert not [r for r in caplog.records if r.exc_info]


def test_unknown_renderer_fails_with_the_reason(note_action):
    action = note_action(handler="nobody.registered.this")

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and "nobody.registered.this" in action.last_error


def test_enqueue_with_the_broker_down_returns_false_and_keeps_the_row(note_action, closed_port):
    from config.celery import app
    from tests.helpers import point_broker

    previous = app.conf.broker_url
    point_broker(f"redis://127.0.0.1:{closed_port}/12")
    try:
        action = note_action()
        assert queue.enqueue_quietly(action.pk) is False
        assert ScheduledAction.objects.get(pk=action.pk).status == ActionStatus.PENDING
    finally:
        point_broker(previous)


def test_sweep_with_the_broker_down_hands_the_claims_back(note_action, closed_port):
    from config.celery import app
    from tests.helpers import point_broker

    previous = app.conf.broker_url
    point_broker(f"redis://127.0.0.1:{closed_port}/12")
    try:
        action = note_action()
        assert tasks.sweep_due_actions() == 0
        action.refresh_from_db()
        assert action.status == ActionStatus.PENDING and action.claimed_at is None
    finally:
        point_broker(previous)


def test_sweep_claims_through_the_due_index_in_a_bounded_number_of_queries(note_action, django_assert_max_num_queries):
    for n in range(20):
        note_action(f"n{n}@example.com")

    with django_assert_max_num_queries(6):
        ids = delivery.claim_due()

    assert len(ids) == 20


def test_delivery_started_elsewhere_is_left_alone(smtp, note_action):
    action = note_action("inflight@example.com", status=ActionStatus.SENDING, attempt_started_at=timezone.now())

    outcome = delivery.deliver(action.pk)

    assert outcome.detail == "being sent by another delivery" and smtp.to("inflight@example.com") == []


def test_attempt_of_a_dead_worker_is_retried_after_the_lease(smtp, note_action):
    long_ago = timezone.now() - delivery.claim_lease() - datetime.timedelta(minutes=1)
    action = note_action(
        "revived@example.com", status=ActionStatus.SENDING, claimed_at=long_ago, attempt_started_at=long_ago
    )

    assert delivery.claim_due() == [action.pk]
    delivery.deliver(action.pk)

    assert len(smtp.to("revived@example.com")) == 1


def test_cancel_reaches_actions_claimed_but_not_yet_being_sent(note_action):
    from workflows.outbox.services import actions_cancel

    queued = note_action(group="departure:5")
    delivery.claim_due()
    inflight = note_action(group="departure:5", status=ActionStatus.SENDING, attempt_started_at=timezone.now())

    actions_cancel(group="departure:5")

    assert ScheduledAction.objects.get(pk=queued.pk).status == ActionStatus.CANCELLED
    assert ScheduledAction.objects.get(pk=inflight.pk).status == ActionStatus.SENDING


@renderer("tests.outbox.broken")
def _render_broken(action):
    raise KeyError("template variable missing")


def test_renderer_error_counts_as_a_failed_attempt(note_action):
    action = note_action(handler="tests.outbox.broken", max_attempts=1)

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and "KeyError" in action.last_error
    assert action.attempt_started_at is None


def test_one_sweep_takes_batch_after_batch(note_action, monkeypatch):
    from config.celery import app
    from tests.helpers import point_broker

    monkeypatch.setattr(delivery, "SWEEP_BATCH", 3)
    for n in range(7):
        note_action(f"b{n}@example.com")
    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    # kombu's in-memory transport: a real broker inside this process, enough to count what is queued.
    point_broker("memory://")
    try:
        assert tasks.sweep_due_actions() == 7
    finally:
        point_broker(previous[0])
        app.conf.broker_transport_options = previous[1]
    assert ScheduledAction.objects.filter(status=ActionStatus.SENDING).count() == 7


def test_retry_after_a_temporary_refusal_delivers(smtp, note_action):
    smtp.refuse["later-ok@example.com"] = "451 4.3.0 Try again later"
    action = note_action("later-ok@example.com")
    delivery.deliver(action.pk)
    smtp.refuse.clear()

    # The backoff has passed (by the database's clock, which no test can move).
    ScheduledAction.objects.filter(pk=action.pk).update(due_at=timezone.now() - datetime.timedelta(seconds=1))
    assert delivery.claim_due() == [action.pk]
    outcome = delivery.deliver(action.pk)

    action.refresh_from_db()
    assert outcome.sent and action.status == ActionStatus.SENT and action.attempts == 2
    assert len(smtp.to("later-ok@example.com")) == 1
