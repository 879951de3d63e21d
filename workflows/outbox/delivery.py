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
- deliver_batch() does the same for a few ids at once (the sweep queues them DELIVERY_BATCH to a
  task): the attempts of all of them are recorded in one statement (rows locked by another run
  are skipped, SKIP LOCKED), then each is rendered, sent and its outcome recorded in turn. A
  failure of the way out (connection lost, server away, the time budget spent) stops the batch:
  that message is retried with backoff, the ones not yet tried are given back (pending, the
  attempt not counted) for the next sweep; a refusal of one message by the server does not.
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
from django.db.models import Case, DateTimeField, DurationField, ExpressionWrapper, F, JSONField, Value, When
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
# A batch starts no new message after this share of the task's soft time limit is spent, so the
# one being sent (EMAIL_TIMEOUT at most per exchange) still ends before the limit.
BATCH_TIME_SHARE = 0.5
# Failures in which the server answered about this one message: the connection is fine and the
# rest of a batch goes on (any other failure of a send stops the batch).
ANSWERED_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


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
    [outcome] = deliver_batch([action_id], now=now)
    return outcome


def deliver_batch(action_ids: list[int], *, now: datetime.datetime | None = None) -> list[Outcome]:
    """Deliver several actions in one run, as deliver() does one; returns their outcomes in order.

    The attempts are recorded together (one locking read, one update); then each action is
    rendered, sent over the process's one SMTP connection and its outcome recorded before the next
    starts, so a worker dying mid-batch leaves the ones before recorded. A failure of the way out
    stops the batch: the actions not yet tried are given back without counting an attempt, and the
    next sweep takes them. So does the time budget, which keeps a slow server from running the
    task into its time limit.
    """
    ids = [int(pk) for pk in action_ids]
    started, outcomes = _attempts_start(ids, now)
    waiting = list(started)
    deadline = time.monotonic() + _batch_seconds()
    try:
        while waiting:
            if len(waiting) < len(started) and time.monotonic() > deadline:
                break
            action = waiting.pop(0)
            outcome, stop = _deliver_started(action)
            outcomes[action.pk] = outcome
            if stop:
                break
    finally:
        # Also on an exception (the soft time limit, a lost database): what was not tried goes back.
        if waiting:
            _give_back(waiting)
            for action in waiting:
                outcomes[action.pk] = Outcome(action.pk, ActionStatus.PENDING, detail="given back untried")
    return [outcomes[pk] for pk in ids]


def _batch_seconds() -> float:
    limit = getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None) or 45
    return limit * BATCH_TIME_SHARE


def _deliver_started(action: ScheduledAction) -> tuple[Outcome, bool]:
    """Render and send one action whose attempt is recorded; record the outcome.

    Returns the outcome and whether the rest of a batch should stop (the way out failed).
    """
    try:
        render = get_renderer(action.handler)
    except LookupError as exc:
        return _record_failure(action, exc, retryable=False), False
    try:
        message = render(action)
    except Exception as exc:
        # A renderer bug or a broken template: counted like a failed send, so the row ends
        # `failed` after its attempts instead of bouncing between sweeps forever.
        timed_out = isinstance(exc, SoftTimeLimitExceeded)
        if not timed_out:
            logger.exception("outbox action %s: rendering failed", action.pk)
        return _record_failure(action, exc, retryable=True), timed_out
    if message is None:
        _finish(action, status=ActionStatus.CANCELLED)
        logger.info("outbox action %s no longer applies; cancelled", action.pk)
        return Outcome(action.pk, ActionStatus.CANCELLED, detail="renderer returned None"), False
    try:
        if isinstance(message, EmailMessage):
            message.extra_headers["Message-ID"] = message_id(action)
            send_email(message)
        else:
            message.send()
    except DeliveryError as exc:
        return _record_failure(action, exc, retryable=exc.retryable), exc.retryable
    except RETRYABLE_ERRORS as exc:
        return _record_failure(action, exc, retryable=True), not isinstance(exc, ANSWERED_ERRORS)
    except Exception as exc:
        # Celery's SoftTimeLimitExceeded and anything unforeseen: kept as a retryable error
        # rather than leaving the action half-sent.
        if not isinstance(exc, SoftTimeLimitExceeded):
            logger.exception("outbox action %s: unexpected error while sending", action.pk)
        return _record_failure(action, exc, retryable=True), True
    _finish(action, status=ActionStatus.SENT)
    logger.info("outbox action %s sent (%s, attempt %s)", action.pk, action.kind, action.attempts)
    return Outcome(action.pk, ActionStatus.SENT, sent=True), False


def _attempts_start(
    action_ids: list[int], clock: datetime.datetime | None = None
) -> tuple[list[ScheduledAction], dict[int, Outcome]]:
    """Check the rows under their locks and record an attempt on each that may be sent now.

    Returns the started actions (in the order asked) and the outcomes of the others.
    """
    outcomes: dict[int, Outcome] = {}
    started: list[ScheduledAction] = []
    with transaction.atomic():
        rows = {
            action.pk: action
            for action in _locking(ScheduledAction.objects.filter(pk__in=action_ids), skip_locked=True).annotate(
                db_now=Now()
            )
        }
        for action_id in dict.fromkeys(action_ids):
            action = rows.get(action_id)
            if action is None:
                # Gone, or another run holds the row lock for its few milliseconds of bookkeeping.
                outcomes[action_id] = Outcome(action_id, "skipped", detail="missing or locked by another delivery")
                continue
            now = action.db_now if clock is None else clock
            action.clock = clock
            if action.status == ActionStatus.PENDING and action.due_at > now:
                outcomes[action_id] = Outcome(action_id, action.status, detail="not due yet")
                continue
            if action.status not in (ActionStatus.PENDING, ActionStatus.SENDING):
                outcomes[action_id] = Outcome(action_id, action.status, detail="already final")
                continue
            if action.attempt_started_at is not None and action.attempt_started_at > now - claim_lease():
                outcomes[action_id] = Outcome(action_id, action.status, detail="being sent by another delivery")
                continue
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
                outcomes[action_id] = Outcome(action_id, ActionStatus.FAILED, detail="failed")
                continue
            # What a batch gives back if it never gets to this one: the attempt was not made.
            action.history_before = history[-HISTORY_LIMIT:]
            action.attempts += 1
            history.append({"attempt": action.attempts, "started_at": now.isoformat()})
            action.history = history[-HISTORY_LIMIT:]
            action.status = ActionStatus.SENDING
            # Renews a sweep's claim: the lease now runs from the start of this attempt.
            action.claimed_at = now
            action.attempt_started_at = now
            started.append(action)
        if started:
            # One statement for the batch; the rows are locked, so attempts + 1 is what was read + 1.
            first = started[0]
            ScheduledAction.objects.filter(pk__in=[a.pk for a in started]).update(
                status=ActionStatus.SENDING,
                claimed_at=first.claimed_at,
                attempt_started_at=first.attempt_started_at,
                attempts=F("attempts") + 1,
                history=_per_row(started, lambda a: a.history),
                updated_at=Now(),
            )
    return started, outcomes


def _per_row(actions: list[ScheduledAction], value) -> Case:
    return Case(
        *[When(pk=a.pk, then=Value(value(a), output_field=JSONField())) for a in actions],
        output_field=JSONField(),
    )


def _give_back(actions: list[ScheduledAction]) -> None:
    """Hand started but untried actions back to the sweep: pending again, the attempt not counted.

    Guarded by attempt_started_at like any outcome. If this cannot be written, the lease brings the
    rows back and their history shows an attempt without an outcome.
    """
    try:
        for started_at in {a.attempt_started_at for a in actions}:
            group = [a for a in actions if a.attempt_started_at == started_at]
            ScheduledAction.objects.filter(pk__in=[a.pk for a in group], attempt_started_at=started_at).update(
                status=ActionStatus.PENDING,
                claimed_at=None,
                attempt_started_at=None,
                attempts=F("attempts") - 1,
                history=_per_row(group, lambda a: a.history_before),
                updated_at=Now(),
            )
    except DatabaseError:
        logger.exception("outbox actions %s: could not give back untried actions", [a.pk for a in actions])
        return
    for action in actions:
        action.status = ActionStatus.PENDING
        action.attempts -= 1
        action.history = action.history_before
        action.claimed_at = action.attempt_started_at = None
    logger.info("outbox actions %s given back untried", [a.pk for a in actions])


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
