"""Delivering outbox actions: claiming due rows, sending one, recording the outcome.

The database is the schedule and its clock the only clock; the broker only carries "look at
action N now". So:

- claim_due() claims due pending rows (status -> sending, claimed_at = the database's now()) with
  SELECT ... FOR UPDATE SKIP LOCKED over the (status, due_at) index, so several sweeps never claim
  the same row twice; rows left in `sending` by a dead worker or a lost connection are claimed
  again once their lease has run out. Due times and leases are compared with now() in the query,
  never with the host's clock, so a sweeper whose clock runs ahead cannot take a live claim.
- The lease is the task's hard time limit plus a margin, renewed when a delivery starts: a claim
  older than that belongs to nobody, and the next sweep (every 30 s) takes it back.
- deliver() records the attempt (attempts + 1, a history entry) under the row lock before talking
  to the server, sends outside any transaction with a Message-ID derived from the row (the same
  on every attempt), then records the outcome. So a message resent after an unrecorded success
  shows as two attempts in the outbox, and any receiver can drop the copy by its Message-ID.
- A failed send is rescheduled in the database with exponential backoff (due_at moves, the row goes
  back to pending) rather than parked in the broker with a long ETA. After max_attempts the row
  ends `failed`, its error kept; a sent row keeps no error, its history keeps them all.
- One SMTP connection per worker process is reused across deliveries, and reopened when it fails.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import random
import smtplib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, Value
from django.db.models.functions import Now

from core.delivery import DeliveryError
from workflows.outbox.models import ActionStatus, ScheduledAction
from workflows.outbox.queue import BROKER_ETA_LIMIT, enqueue_quietly
from workflows.outbox.registry import get_renderer

logger = logging.getLogger(__name__)

# Beyond the task's hard time limit: the time between recording an attempt and the worker's
# timer starting, and between a sweep's claim and a worker picking the id up on an idle queue.
LEASE_MARGIN = datetime.timedelta(seconds=15)
# How many rows one sweep claims; the next sweep takes the rest.
SWEEP_BATCH = 500
# Errors that mean "try again later": every SMTP refusal (a 5xx too: a relay or mailbox
# misconfiguration is often fixed within the retry window, and max_attempts bounds the cost),
# and network trouble (refused, reset, timed out).
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
# The newest attempts kept in a row's history.
HISTORY_LIMIT = 20
# Recording an outcome after the message went out is retried on a fresh database connection, so
# a dropped connection does not leave a sent message looking unsent (and sent again later).
RECORD_TRIES = 4
UNKNOWN_OUTCOME = "no outcome recorded (worker or database connection lost); the message may have gone out"


def claim_lease() -> datetime.timedelta:
    """How long a claim or a started attempt holds a row: the task's hard time limit plus a margin.

    Past it the worker is dead (Celery kills a task at its time limit), so the row is free again.
    """
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 60
    return datetime.timedelta(seconds=limit) + LEASE_MARGIN


def _db_now_minus(delta: datetime.timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(Now() - Value(delta, output_field=DurationField()), output_field=DateTimeField())


def _db_now_plus(delta: datetime.timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(Now() + Value(delta, output_field=DurationField()), output_field=DateTimeField())


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


def message_id(action: ScheduledAction) -> str:
    """The Message-ID of an action's email: the same on every attempt, unique per row, under SITE_URL's domain.

    The digest of the idempotency key keeps ids of a rebuilt database from matching old ones.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    digest = hashlib.sha256(action.idempotency_key.encode()).hexdigest()[:12]
    return f"<outbox.{action.pk}.{digest}@{domain}>"


def _locking(queryset, *, skip_locked: bool):
    # SQLite has no row locks; there the settings' IMMEDIATE transactions serialise writers.
    if connection.features.has_select_for_update:
        if skip_locked and connection.features.has_select_for_update_skip_locked:
            return queryset.select_for_update(skip_locked=True)
        return queryset.select_for_update()
    return queryset


def claim_due(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Claim due pending actions and expired claims; return their ids (call inside no transaction).

    `now` defaults to the database's clock; tests that travel in time pass their own. The claim
    commits before any id goes to the broker, so a worker that picks an id up sees it `sending`.
    """
    current = Now() if now is None else Value(now, output_field=DateTimeField())
    lease = claim_lease()
    expired = _db_now_minus(lease) if now is None else Value(now - lease, output_field=DateTimeField())
    with transaction.atomic():
        due = _locking(
            ScheduledAction.objects.filter(status=ActionStatus.PENDING, due_at__lte=current).order_by("due_at"),
            skip_locked=True,
        ).values_list("id", flat=True)[:limit]
        ids = list(due)
        stale = _locking(
            ScheduledAction.objects.filter(status=ActionStatus.SENDING, claimed_at__lt=expired).order_by("claimed_at"),
            skip_locked=True,
        ).values_list("id", flat=True)[: max(limit - len(ids), 0)]
        ids += list(stale)
        if ids:
            ScheduledAction.objects.filter(pk__in=ids).update(
                status=ActionStatus.SENDING, claimed_at=current, attempt_started_at=None, updated_at=current
            )
    return ids


def release(ids: list[int]) -> int:
    """Give claimed actions back to the next sweep (used when the broker refused them)."""
    return ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.SENDING).update(
        status=ActionStatus.PENDING, claimed_at=None, updated_at=Now()
    )


def deliver(action_id: int, *, now: datetime.datetime | None = None) -> Outcome:
    """Send one action if it is still due and unsent; record sent, cancelled, retry or failed.

    `now` defaults to the database's clock (the worker never passes one); tests that travel in
    time pass theirs.

    Safe to run any number of times, concurrently too. Three steps, none holding a transaction
    open over the network: (1) under the row lock, check the row and record the attempt; (2) render
    and send; (3) record the outcome. A second run arriving during (2) sees the started attempt and
    leaves the row alone; if the worker dies during (2), the lease runs out, the sweep claims the
    row again and the history shows the attempt without an outcome (at-least-once: the one case
    that may send twice, with the same Message-ID).
    """
    started = _attempt_start(action_id, now)
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
        if isinstance(message, EmailMessage):
            message.extra_headers["Message-ID"] = message_id(action)
            send_email(message)
        else:
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
    _finish(action, status=ActionStatus.SENT)
    logger.info("outbox action %s sent (%s, attempt %s)", action.pk, action.kind, action.attempts)
    return Outcome(action_id, ActionStatus.SENT, sent=True)


def _attempt_start(action_id: int, clock: datetime.datetime | None = None) -> ScheduledAction | Outcome:
    with transaction.atomic():
        action = _locking(ScheduledAction.objects.filter(pk=action_id), skip_locked=True).annotate(db_now=Now()).first()
        if action is None:
            # Gone, or another run holds the row lock for its few milliseconds of bookkeeping.
            return Outcome(action_id, "skipped", detail="missing or locked by another delivery")
        now = action.db_now if clock is None else clock
        action.clock = clock
        if action.status == ActionStatus.PENDING and action.due_at > now:
            return Outcome(action_id, action.status, detail="not due yet")
        if action.status not in (ActionStatus.PENDING, ActionStatus.SENDING):
            return Outcome(action_id, action.status, detail="already final")
        if action.attempt_started_at is not None and action.attempt_started_at > now - claim_lease():
            return Outcome(action_id, action.status, detail="being sent by another delivery")
        history = list(action.history or [])
        if history and "outcome" not in history[-1]:
            history[-1] = {**history[-1], "outcome": "unknown", "error": UNKNOWN_OUTCOME}
        if action.attempts >= action.max_attempts:
            # Attempts that never reported back (a message that kills its worker) are bounded too.
            action.status = ActionStatus.FAILED
            action.last_error = f"Gave up after {action.attempts} attempts without a recorded outcome."
            action.claimed_at = action.attempt_started_at = None
            action.history = history[-HISTORY_LIMIT:]
            action.save(update_fields=["status", "last_error", "claimed_at", "attempt_started_at", "history"])
            return Outcome(action_id, ActionStatus.FAILED, detail="failed")
        action.attempts += 1
        history.append({"attempt": action.attempts, "started_at": now.isoformat()})
        action.history = history[-HISTORY_LIMIT:]
        action.status = ActionStatus.SENDING
        # Renews a sweep's claim: the lease now runs from the start of this attempt.
        action.claimed_at = now
        action.attempt_started_at = now
        action.save(update_fields=["status", "claimed_at", "attempt_started_at", "attempts", "history", "updated_at"])
    return action


def _now_value(action: ScheduledAction, *, plus: datetime.timedelta = datetime.timedelta(0)):
    # The database's clock, unless the caller (a test travelling in time) brought its own.
    clock = getattr(action, "clock", None)
    if clock is not None:
        return clock + plus
    return _db_now_plus(plus) if plus else Now()


def _close_history(action: ScheduledAction, outcome: str, error: str = "") -> None:
    history = list(action.history or [])
    if history and "outcome" not in history[-1]:
        entry = {**history[-1], "outcome": outcome}
        if error:
            entry["error"] = error
        history[-1] = entry
    action.history = history


def _save_outcome(action: ScheduledAction, values: dict) -> None:
    """Write the outcome of an attempt, on a fresh connection if the old one was lost.

    Only this attempt's own row state is written (guarded by attempt_started_at), so a late write
    never undoes a newer attempt's.
    """
    for tries_left in range(RECORD_TRIES - 1, -1, -1):
        try:
            ScheduledAction.objects.filter(pk=action.pk, attempt_started_at=action.attempt_started_at).update(
                **values, updated_at=Now()
            )
            return
        except (OperationalError, InterfaceError):
            if tries_left == 0 or connection.in_atomic_block:
                raise
            logger.warning("outbox action %s: database connection lost while recording; reconnecting", action.pk)
            connection.close()
            time.sleep(0.5)


def _finish(action: ScheduledAction, *, status: str) -> None:
    values = {"status": status, "claimed_at": None, "attempt_started_at": None}
    if status == ActionStatus.SENT:
        # The error of an earlier attempt is history now, not this row's state.
        _close_history(action, "sent")
        values.update(sent_at=_now_value(action), last_error="")
    else:
        # Nothing went out: the attempt is given back.
        _close_history(action, status)
        values["attempts"] = action.attempts = max(action.attempts - 1, 0)
    values["history"] = action.history
    _save_outcome(action, values)
    action.status = status
    action.claimed_at = action.attempt_started_at = None


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
    # Error texts from SMTP servers and HTTP endpoints name addresses at most, never content.
    error = _describe(exc)[:2000]
    values: dict = {"last_error": error, "claimed_at": None, "attempt_started_at": None}
    delay = None
    if retryable and action.attempts < action.max_attempts:
        delay = retry_delay(action.attempts)
        values.update(status=ActionStatus.PENDING, due_at=_now_value(action, plus=delay))
        _close_history(action, "retry", error)
        detail = "retry scheduled"
    else:
        values["status"] = ActionStatus.FAILED
        _close_history(action, "failed", error)
        detail = "failed"
    values["history"] = action.history
    try:
        _save_outcome(action, values)
    except DatabaseError:
        # Nothing went out; the lease brings the row back and the next attempt records more.
        logger.exception("outbox action %s: could not record a failed attempt", action.pk)
        raise
    action.refresh_from_db(fields=["status", "due_at", "last_error", "claimed_at", "attempt_started_at", "history"])
    logger.warning(
        "outbox action %s attempt %s/%s: %s (%s)", action.pk, action.attempts, action.max_attempts, error, detail
    )
    if delay is not None and delay <= BROKER_ETA_LIMIT:
        # Short backoffs go to the broker with a countdown; longer ones wait for the sweep. A
        # duplicate (sweep + countdown) is harmless: deliver() re-checks.
        action_id = action.pk
        transaction.on_commit(lambda: enqueue_quietly(action_id, countdown=delay.total_seconds()))
    return Outcome(action.pk, values["status"], detail=detail)


# --- one SMTP connection per worker process

_mail_connection = None
_mail_connection_key: tuple | None = None


def _mail_settings() -> tuple:
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
        )
    )


def mail_connection():
    """This process's email connection (opened on first use, kept open between deliveries)."""
    global _mail_connection, _mail_connection_key
    key = _mail_settings()
    if _mail_connection is None or _mail_connection_key != key:
        close_mail_connection()
        _mail_connection = get_connection(fail_silently=False)
        _mail_connection_key = key
    return _mail_connection


def close_mail_connection() -> None:
    global _mail_connection, _mail_connection_key
    if _mail_connection is not None:
        try:
            _mail_connection.close()
        except Exception:  # closing a broken connection may fail again; it is dropped either way
            logger.debug("closing the mail connection failed", exc_info=True)
    _mail_connection = _mail_connection_key = None


def send_email(message: EmailMessage) -> None:
    """Send over the process's open connection; a connection the server dropped is reopened once.

    A server that closed an idle connection raises SMTPServerDisconnected before accepting anything,
    so sending again on a new connection cannot duplicate. Any other failure closes the connection
    too (its state is unknown) and is reported to the caller.
    """
    backend = mail_connection()
    reused = getattr(backend, "connection", None) is not None
    try:
        backend.open()
        message.connection = backend
        sent = message.send()
    except smtplib.SMTPServerDisconnected:
        close_mail_connection()
        if not reused:
            raise
        backend = mail_connection()
        backend.open()
        message.connection = backend
        sent = message.send()
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        # The server answered (and smtplib reset the session): the connection is still good.
        raise
    except BaseException:
        close_mail_connection()
        raise
    if not sent:
        raise smtplib.SMTPException("The mail backend accepted no message.")
