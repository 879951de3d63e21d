"""Celery tasks of the outbox: thin wrappers around workflows.outbox.delivery.

Task messages carry action ids and nothing else: no addresses, names or content.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_shutdown

from workflows.outbox import delivery
from workflows.outbox.queue import DELIVER_TASK, FAN_OUT_TASK, SWEEP_TASK, enqueue_quietly

SWEEP_MAX_BATCHES = 20


@shared_task(name=DELIVER_TASK)
def deliver_action(action_id: int) -> str:
    """Deliver one outbox action; idempotent, so a redelivered message is harmless."""
    return delivery.deliver(int(action_id)).status


@shared_task(name=FAN_OUT_TASK)
def queue_actions(action_ids: list[int]) -> int:
    """Queue one delivery per id: a request publishes one message, the sweep worker spreads it.

    Stops at the first id the broker refuses: the rows are pending in the database and the next
    sweep takes them, while this worker stays free for sweeps.
    """
    queued = 0
    for action_id in action_ids:
        if not enqueue_quietly(int(action_id)):
            break
        queued += 1
    return queued


@shared_task(name=SWEEP_TASK)
def sweep_due_actions() -> int:
    """Claim due actions (and claims a dead worker left behind) and enqueue their ids."""
    queued = 0
    # Batch after batch while batches come back full (a bulk import makes thousands due at once),
    # bounded so one sweep never runs into the next one.
    for _ in range(SWEEP_MAX_BATCHES):
        ids = delivery.claim_due()
        for n, action_id in enumerate(ids):
            if not enqueue_quietly(action_id):
                # The broker is away: hand the rest back so the next sweep tries again at once.
                delivery.release(ids[n:])
                return queued
            queued += 1
        if len(ids) < delivery.SWEEP_BATCH:
            break
    return queued


@worker_process_shutdown.connect
def _close_mail_connection(**_kwargs) -> None:
    delivery.close_mail_connection()
