"""Celery tasks of the outbox: thin wrappers around workflows.outbox.delivery.

Task messages carry action ids and nothing else: no addresses, names or content.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_shutdown

from workflows.outbox import delivery
from workflows.outbox.queue import (
    DELIVER_BATCH_TASK,
    DELIVER_TASK,
    FAN_OUT_TASK,
    SWEEP_TASK,
    batches,
    enqueue_batch_quietly,
)

SWEEP_MAX_BATCHES = 20


@shared_task(name=DELIVER_TASK)
def deliver_action(action_id: int) -> str:
    """Deliver one outbox action; idempotent, so a redelivered message is harmless."""
    return delivery.deliver(int(action_id)).status


@shared_task(name=DELIVER_BATCH_TASK)
def deliver_actions(action_ids: list[int]) -> int:
    """Deliver a batch of outbox actions (delivery.deliver_batch); idempotent like deliver_action.

    Returns how many were sent.
    """
    return sum(outcome.sent for outcome in delivery.deliver_batch([int(pk) for pk in action_ids]))


@shared_task(name=FAN_OUT_TASK)
def queue_actions(action_ids: list[int]) -> int:
    """Queue the deliveries of these ids in batches: a request publishes one message, the sweep worker spreads it.

    Stops at the first batch the broker refuses: the rows are pending in the database and the next
    sweep takes them, while this worker stays free for sweeps.
    """
    queued = 0
    for batch in batches([int(pk) for pk in action_ids]):
        if not enqueue_batch_quietly(batch):
            break
        queued += len(batch)
    return queued


@shared_task(name=SWEEP_TASK)
def sweep_due_actions() -> int:
    """Claim due actions (and claims a dead worker left behind) and enqueue their ids."""
    queued = 0
    # Batch after batch while batches come back full (a bulk import makes thousands due at once),
    # bounded so one sweep never runs into the next one.
    for _ in range(SWEEP_MAX_BATCHES):
        ids = delivery.claim_due()
        done = 0
        for batch in batches(ids):
            if not enqueue_batch_quietly(batch):
                # The broker is away: hand the rest back so the next sweep tries again at once.
                delivery.release(ids[done:])
                return queued
            done += len(batch)
            queued += len(batch)
        if len(ids) < delivery.SWEEP_BATCH:
            break
    return queued


@worker_process_shutdown.connect
def _close_mail_connection(**_kwargs) -> None:
    delivery.close_mail_connection()
