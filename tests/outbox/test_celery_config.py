"""Celery is configured for at-least-once delivery, and no broker ETA outlives Redis's visibility timeout."""

import time

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from workflows.outbox import delivery, queue


def test_tasks_are_acknowledged_late_one_at_a_time_as_json():
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]


def test_tasks_have_time_limits_shorter_than_the_claim_lease():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < delivery.claim_lease().total_seconds()


def test_a_dead_workers_claim_is_back_within_two_minutes():
    # The lease is the time limit plus a margin; the sweep that takes the row back runs every 30 s.
    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "workflows.outbox.tasks.sweep_due_actions"
    ]
    lease = delivery.claim_lease().total_seconds()
    assert lease == app.conf.task_time_limit + delivery.LEASE_MARGIN.total_seconds()
    assert 60 <= lease + entry["schedule"] <= 120
    assert entry["options"]["expires"] < entry["schedule"]


def test_the_sweep_has_its_own_queue_and_deliveries_the_default_one():
    router = app.amqp.router

    def queue_of(name: str) -> str:
        return router.route({}, name, (), {})["queue"].name

    assert queue_of(queue.SWEEP_TASK) == queue.SWEEP_QUEUE
    assert queue_of(queue.FAN_OUT_TASK) == queue.SWEEP_QUEUE
    assert queue_of(queue.DELIVER_TASK) == app.conf.task_default_queue != queue.SWEEP_QUEUE
    assert queue_of(queue.DELIVER_BATCH_TASK) == app.conf.task_default_queue


def test_broker_countdowns_stay_far_below_the_visibility_timeout():
    # Redis redelivers an unacknowledged message after visibility_timeout (3600 s in base.py's
    # Redis branch); a countdown must never come near it.
    assert queue.BROKER_ETA_LIMIT.total_seconds() <= 300
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert queue.BROKER_ETA_LIMIT.total_seconds() * 10 < timeout


def test_task_names_are_registered():
    from workflows.outbox import tasks

    assert tasks.deliver_action.name in app.tasks and tasks.sweep_due_actions.name in app.tasks
    assert tasks.deliver_actions.name == queue.DELIVER_BATCH_TASK and queue.DELIVER_BATCH_TASK in app.tasks


def _run_task_signals(task) -> None:
    """What a worker does around one task: Celery's Django fixup, then the receivers of config.celery."""
    from celery.fixups.django import DjangoWorkerFixup
    from celery.signals import task_postrun, task_prerun

    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    fixup.on_task_postrun(sender=task)
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_worker_keeps_its_database_connection_between_tasks_until_conn_max_age(postgres_required):
    from workflows.outbox import tasks

    connection.ensure_connection()
    session = connection.connection
    connection.close_at = time.monotonic() + 300  # CONN_MAX_AGE=300, as in production

    for _ in range(3):
        _run_task_signals(tasks.deliver_actions)
    assert connection.connection is session

    connection.close_at = time.monotonic() - 1  # past its age: closed after the task, as after a request
    _run_task_signals(tasks.deliver_actions)
    assert connection.connection is None
