"""Delivering outbox actions: claiming due rows, sending one, recording the outcome.

The database is the schedule; the broker only carries "look at action N now". So:

- sweep_due_actions() claims due pending rows (status -> sending, claimed_at = now) with
  SELECT ... FOR UPDATE SKIP LOCKED over the (status, due_at) index, so several beat/sweep runs
  never claim the same row twice; rows left in `sending` by a crashed worker are claimed again once
  their lease (CLAIM_LEASE) has run out.
- deliver() marks the attempt as started under the row lock, sends outside any transaction, then
  records the outcome; a concurrent run for the same id sees the started attempt and does
  nothing. An action already sent, cancelled, failed, or rescheduled into the future is left alone.
- A failed send is rescheduled in the database with exponential backoff (due_at moves, the row goes
  back to pending) rather than parked in the broker with a long ETA, which Redis would redeliver
  after its visibility timeout. After max_attempts the row ends `failed`, last_error kept.
"""

from __future__ import annotations

import datetime
import logging
import random
import smtplib
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.delivery import DeliveryError
from workflows.outbox.models import ActionStatus, ScheduledAction
from workflows.outbox.queue import BROKER_ETA_LIMIT, enqueue_quietly
from workflows.outbox.registry import get_renderer

logger = logging.getLogger(__name__)

# A claim older than this is taken to belong to a dead worker. Longer than the task's hard time
# limit, so a slow but live delivery is not swept a second time.
CLAIM_LEASE = datetime.timedelta(minutes=10)
# How many rows one sweep claims; the next sweep (a minute later) takes the rest.
SWEEP_BATCH = 500
# Errors that mean "try again later": every SMTP refusal (a 5xx too: a relay or mailbox
# misconfiguration is often fixed within the retry window, and max_attempts bounds the cost),
# and network trouble (refused, reset, timed out).
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class Outcome:
    """What one delivery run did, for logs and tests: status after the run and whether it sent."""

    action_id: int
    status: str
    sent: bool = False
    detail: str = ""


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the n-th failed attempt, with jitter, capped.

    Base and cap come from settings (OUTBOX_RETRY_BASE_SECONDS, default 60; OUTBOX_RETRY_MAX_SECONDS,
    default 6 h): 1, 2, 4, 8, 16 minutes ... for the default six attempts.
    """
    base = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 60)
    cap = getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)
    seconds = min(cap, base * 2 ** max(attempts - 1, 0))
    # Up to 10% jitter spreads a burst of failures (SMTP down for everyone) over time.
    return datetime.timedelta(seconds=seconds * (1 + random.random() / 10))


def _locking(queryset, *, skip_locked: bool):
    # SQLite has no row locks; there the settings' IMMEDIATE transactions serialise writers.
    if connection.features.has_select_for_update:
        if skip_locked and connection.features.has_select_for_update_skip_locked:
            return queryset.select_for_update(skip_locked=True)
        return queryset.select_for_update()
    return queryset


def claim_due(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Claim due pending actions and expired claims; return their ids (call inside no transaction).

    The claim commits before any id goes to the broker, so a worker that picks an id up sees the
    row as `sending`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = _locking(
            ScheduledAction.objects.filter(status=ActionStatus.PENDING, due_at__lte=now).order_by("due_at"),
            skip_locked=True,
        ).values_list("id", flat=True)[:limit]
        ids = list(due)
        stale = _locking(
            ScheduledAction.objects.filter(status=ActionStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE).order_by(
                "claimed_at"
            ),
            skip_locked=True,
        ).values_list("id", flat=True)[: max(limit - len(ids), 0)]
        ids += list(stale)
        if ids:
            ScheduledAction.objects.filter(pk__in=ids).update(
                status=ActionStatus.SENDING, claimed_at=now, attempt_started_at=None, updated_at=now
            )
    return ids


def release(ids: list[int]) -> int:
    """Give claimed actions back to the next sweep (used when the broker refused them)."""
    return ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.SENDING).update(
        status=ActionStatus.PENDING, claimed_at=None, updated_at=timezone.now()
    )


def deliver(action_id: int) -> Outcome:
    """Send one action if it is still due and unsent; record sent, cancelled, retry or failed.

    Safe to run any number of times, concurrently too. Three steps, none holding a transaction
    open over the network: (1) under the row lock, check the row and mark the attempt as started;
    (2) render and send; (3) record the outcome. A second run arriving during (2) sees the
    started attempt and leaves the row alone; if the worker dies during (2), the attempt's lease
    runs out and the sweep claims the row again (at-least-once: the one case that may send twice).
    """
    started = _attempt_start(action_id)
    if isinstance(started, Outcome):
        return started
    action = started
    try:
        render = get_renderer(action.handler)
    except LookupError as exc:
        return _record_failure(action, exc, retryable=False)
    try:
        message = render(action)
    except Exception as exc:
        # A renderer bug or a broken template: counted like a failed send, so the row ends
        # `failed` after its attempts instead of bouncing between sweeps forever.
        logger.exception("outbox action %s: rendering failed", action.pk)
        return _record_failure(action, exc, retryable=True)
    if message is None:
        _finish(action, status=ActionStatus.CANCELLED)
        logger.info("outbox action %s no longer applies; cancelled", action.pk)
        return Outcome(action_id, ActionStatus.CANCELLED, detail="renderer returned None")
    try:
        message.send()
    except DeliveryError as exc:
        return _record_failure(action, exc, retryable=exc.retryable)
    except RETRYABLE_ERRORS as exc:
        return _record_failure(action, exc, retryable=True)
    except Exception as exc:
        # Celery's SoftTimeLimitExceeded and anything unforeseen: kept as a retryable error
        # rather than leaving the action half-sent.
        if not isinstance(exc, SoftTimeLimitExceeded):
            logger.exception("outbox action %s: unexpected error while sending", action.pk)
        return _record_failure(action, exc, retryable=True)
    _finish(action, status=ActionStatus.SENT, sent=True)
    logger.info("outbox action %s sent (%s, attempt %s)", action.pk, action.kind, action.attempts)
    return Outcome(action_id, ActionStatus.SENT, sent=True)


def _attempt_start(action_id: int) -> ScheduledAction | Outcome:
    with transaction.atomic():
        action = _locking(ScheduledAction.objects.filter(pk=action_id), skip_locked=True).first()
        if action is None:
            # Gone, or another run holds the row lock for its few milliseconds of bookkeeping.
            return Outcome(action_id, "skipped", detail="missing or locked by another delivery")
        now = timezone.now()
        if action.status == ActionStatus.PENDING and action.due_at > now:
            return Outcome(action_id, action.status, detail="not due yet")
        if action.status not in (ActionStatus.PENDING, ActionStatus.SENDING):
            return Outcome(action_id, action.status, detail="already final")
        if action.attempt_started_at is not None and action.attempt_started_at > now - CLAIM_LEASE:
            return Outcome(action_id, action.status, detail="being sent by another delivery")
        action.status = ActionStatus.SENDING
        action.claimed_at = now
        action.attempt_started_at = now
        action.save(update_fields=["status", "claimed_at", "attempt_started_at", "updated_at"])
    return action


def _finish(action: ScheduledAction, *, status: str, sent: bool = False) -> None:
    now = timezone.now()
    action.status = status
    action.claimed_at = None
    action.attempt_started_at = None
    fields = ["status", "claimed_at", "attempt_started_at", "updated_at"]
    if sent:
        action.sent_at = now
        action.attempts += 1
        fields += ["sent_at", "attempts"]
    action.save(update_fields=fields)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
        return f"SMTPRecipientsRefused: {codes}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.__class__.__name__}: {exc.smtp_code} {text}"
    return f"{exc.__class__.__name__}: {exc}"


def _record_failure(action: ScheduledAction, exc: BaseException, *, retryable: bool) -> Outcome:
    action.attempts += 1
    # Error texts from SMTP servers and HTTP endpoints name addresses at most, never content.
    action.last_error = _describe(exc)[:2000]
    action.claimed_at = None
    action.attempt_started_at = None
    if retryable and action.attempts < action.max_attempts:
        action.status = ActionStatus.PENDING
        action.due_at = timezone.now() + retry_delay(action.attempts)
        detail = "retry scheduled"
    else:
        action.status = ActionStatus.FAILED
        detail = "failed"
    action.save(
        update_fields=["attempts", "last_error", "claimed_at", "attempt_started_at", "status", "due_at", "updated_at"]
    )
    logger.warning(
        "outbox action %s attempt %s/%s: %s (%s)",
        action.pk,
        action.attempts,
        action.max_attempts,
        action.last_error,
        detail,
    )
    if action.status == ActionStatus.PENDING:
        _enqueue_retry_soon(action)
    return Outcome(action.pk, action.status, detail=detail)


def _enqueue_retry_soon(action: ScheduledAction) -> None:
    # Short backoffs go to the broker with a countdown of at most BROKER_ETA_LIMIT; longer ones
    # wait for the sweep. A duplicate (sweep + countdown) is harmless: deliver() re-checks.
    delay = (action.due_at - timezone.now()).total_seconds()
    if delay <= BROKER_ETA_LIMIT.total_seconds():
        action_id = action.pk
        transaction.on_commit(lambda: enqueue_quietly(action_id, countdown=max(delay, 0)))
