"""Celery is configured for at-least-once delivery, and no broker ETA outlives Redis's visibility timeout."""

from django.conf import settings

from config.celery import app
from workflows.outbox import delivery, queue


def test_tasks_are_acknowledged_late_one_at_a_time_as_json():
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]


def test_tasks_have_time_limits_shorter_than_the_claim_lease():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < delivery.CLAIM_LEASE.total_seconds()


def test_the_sweep_runs_every_minute():
    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "workflows.outbox.tasks.sweep_due_actions"
    ]
    assert entry["schedule"] == 60


def test_broker_countdowns_stay_far_below_the_visibility_timeout():
    # Redis redelivers an unacknowledged message after visibility_timeout (3600 s in base.py's
    # Redis branch); a countdown must never come near it.
    assert queue.BROKER_ETA_LIMIT.total_seconds() <= 300
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert queue.BROKER_ETA_LIMIT.total_seconds() * 10 < timeout


def test_task_names_are_registered():
    from workflows.outbox import tasks

    assert tasks.deliver_action.name in app.tasks and tasks.sweep_due_actions.name in app.tasks
