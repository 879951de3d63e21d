"""Putting an action id on the broker, by task name, for the delivery and scheduling code alike.

Sending by name keeps this module free of the task module, which itself imports the delivery code.
"""

from __future__ import annotations

import datetime
import logging

from celery import current_app

logger = logging.getLogger(__name__)

# Task names are public: the beat schedule and queued messages refer to them.
DELIVER_TASK = "workflows.outbox.tasks.deliver_action"
SWEEP_TASK = "workflows.outbox.tasks.sweep_due_actions"
# The longest countdown ever handed to the broker (far below Redis's visibility timeout).
BROKER_ETA_LIMIT = datetime.timedelta(minutes=2)


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
