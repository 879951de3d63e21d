"""Celery tasks of the outbox: thin wrappers around workflows.outbox.delivery.

Task messages carry an action id and nothing else: no addresses, names or content.
"""

from __future__ import annotations

import logging

from celery import shared_task

from workflows.outbox import delivery

logger = logging.getLogger(__name__)
SWEEP_MAX_BATCHES = 20


@shared_task(name="workflows.outbox.tasks.deliver_action")
def deliver_action(action_id: int) -> str:
    """Deliver one outbox action; idempotent, so a redelivered message is harmless."""
    return delivery.deliver(int(action_id)).status


@shared_task(name="workflows.outbox.tasks.sweep_due_actions")
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


def enqueue_quietly(action_id: int, *, countdown: float | None = None) -> bool:
    """Queue deliver_action(action_id); when the broker is down, log the id and return False.

    Nothing is lost by failing here: the row is in the database and the beat sweep picks it up.
    """
    options = {"retry": False}
    if countdown:
        options["countdown"] = min(countdown, delivery.BROKER_ETA_LIMIT.total_seconds())
    try:
        deliver_action.apply_async(args=[action_id], **options)
    except Exception as exc:  # kombu raises OperationalError, redis ConnectionError, OSError...
        logger.warning("outbox action %s not queued (%s); the sweep will deliver it", action_id, exc.__class__.__name__)
        return False
    return True
