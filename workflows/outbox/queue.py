"""Putting action ids on the broker, by task name, for the delivery and scheduling code alike.

Sending by name keeps this module free of the task module, which itself imports the delivery code.
A web request publishes once per transaction, with a short timeout: a broker that is down or hung
costs a request at most about OUTBOX_PUBLISH_TIMEOUT seconds, and the sweep delivers what it could
not queue.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# Task names are public: the beat schedule and queued messages refer to them.
DELIVER_TASK = "workflows.outbox.tasks.deliver_action"
DELIVER_BATCH_TASK = "workflows.outbox.tasks.deliver_actions"
SWEEP_TASK = "workflows.outbox.tasks.sweep_due_actions"
FAN_OUT_TASK = "workflows.outbox.tasks.queue_actions"
# The sweep and the fan-out of batches run on their own queue (and worker), never behind deliveries.
SWEEP_QUEUE = "outbox-sweep"
# The longest countdown ever handed to the broker (far below Redis's visibility timeout).
BROKER_ETA_LIMIT = datetime.timedelta(minutes=2)
# Ids carried by one message from a transaction; beyond that the sweep takes them, a minute at most later.
BATCH_LIMIT = 1000
# Ids one delivery task carries: the task's overhead and the recording of attempts are paid once
# per batch, while batches still spread over the worker's processes.
DELIVERY_BATCH = 20


def _publish_options() -> dict:
    """Transport options of a publishing connection: fail fast rather than hold a request."""
    url = str(current_app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return {}
    timeout = float(getattr(settings, "OUTBOX_PUBLISH_TIMEOUT", 1.0))
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}


def enqueue_quietly(action_id: int, *, countdown: float | None = None) -> bool:
    """Queue delivery of one action; when the broker is down, log the id and return False.

    Nothing is lost by failing here: the row is in the database and the beat sweep picks it up.
    """
    options = {"retry": False}
    if countdown:
        options["countdown"] = min(countdown, BROKER_ETA_LIMIT.total_seconds())
    try:
        current_app.send_task(DELIVER_TASK, args=[action_id], **options)
    except Exception as exc:  # kombu raises OperationalError, redis ConnectionError, OSError...
        logger.warning("outbox action %s not queued (%s); the sweep will deliver it", action_id, exc.__class__.__name__)
        return False
    return True


def enqueue_batch_quietly(action_ids: list[int]) -> bool:
    """Queue delivery of a few actions (DELIVERY_BATCH at most) in one task; False when the broker is down."""
    if len(action_ids) == 1:
        return enqueue_quietly(action_ids[0])
    try:
        current_app.send_task(DELIVER_BATCH_TASK, args=[list(action_ids)], retry=False)
    except Exception as exc:  # kombu raises OperationalError, redis ConnectionError, OSError...
        logger.warning(
            "%s outbox action(s) not queued (%s); the sweep will deliver them", len(action_ids), type(exc).__name__
        )
        return False
    return True


def batches(ids: list[int]) -> list[list[int]]:
    """The ids in delivery batches of about equal size, none over DELIVERY_BATCH."""
    if not ids:
        return []
    count = -(-len(ids) // DELIVERY_BATCH)
    size = -(-len(ids) // count)
    return [ids[n : n + size] for n in range(0, len(ids), size)]


def publish(ids: list[int]) -> bool:
    """One message for these ids on a short-timeout connection: a delivery for one id, a fan-out for more.

    Returns False (and logs) when the broker did not take it; the rows wait for the sweep.
    """
    if not ids:
        return True
    if len(ids) == 1:
        name, args = DELIVER_TASK, [ids[0]]
    else:
        name, args = FAN_OUT_TASK, [ids[:BATCH_LIMIT]]
    try:
        with current_app.connection_for_write(transport_options=_publish_options()) as conn:
            current_app.send_task(name, args=args, connection=conn, retry=False)
    except Exception as exc:  # kombu raises OperationalError, redis TimeoutError, OSError...
        logger.warning("%s outbox action(s) not queued (%s); the sweep will deliver them", len(ids), type(exc).__name__)
        return False
    return True


class _Batch:
    """The ids a transaction made due now; published once, after it commits."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def __call__(self) -> None:
        publish(self.ids)


def publish_on_commit(ids: Iterable[int]) -> None:
    """Publish these ids after the current transaction commits, together with the transaction's others."""
    ids = list(ids)
    if not ids:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        publish(ids)
        return
    # One batch per transaction: join the one already waiting for this commit, if any.
    for _savepoints, callback, _robust in conn.run_on_commit:
        if isinstance(callback, _Batch):
            callback.ids.extend(ids)
            return
    batch = _Batch()
    batch.ids.extend(ids)
    transaction.on_commit(batch)
