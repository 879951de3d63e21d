"""Celery tasks of the outbox: thin wrappers around workflows.outbox.delivery.

Task messages carry an action id and nothing else: no addresses, names or content.
"""

from __future__ import annotations

from celery import shared_task

from workflows.outbox import delivery
from workflows.outbox.queue import DELIVER_TASK, SWEEP_TASK, enqueue_quietly

SWEEP_MAX_BATCHES = 20


@shared_task(name=DELIVER_TASK)
def deliver_action(action_id: int) -> str:
    """Deliver one outbox action; idempotent, so a redelivered message is harmless."""
    return delivery.deliver(int(action_id)).status


@shared_task(name=SWEEP_TASK)
def sweep_due_actions() -> int:
    """Claim due actions (and claims a dead worker left behind) and enqueue their ids."""
    queued = 0
    # Batch after batch while batches come back full (a bulk import makes thousands due at once),
    # bounded so one sweep never runs into the next minute's.
    for _ in range(SWEEP_MAX_BATCHES):
        ids = delivery.claim_due()
        refused = [action_id for action_id in ids if not enqueue_quietly(action_id)]
        queued += len(ids) - len(refused)
        if refused:
            # The broker is away: hand the rows back so the next sweep tries again at once.
            delivery.release(refused)
            break
        if len(ids) < delivery.SWEEP_BATCH:
            break
    return queued
