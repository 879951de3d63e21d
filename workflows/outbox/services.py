"""Writing to the outbox. Call these inside the transaction of the state change that causes them."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from core import bulk, errors
from workflows.outbox.models import ActionStatus, Channel, ScheduledAction
from workflows.outbox.queue import publish_on_commit

# Actions due within this window are also pushed to the broker on commit, for low latency;
# everything later waits for the beat sweep (no long broker ETAs).
IMMEDIATE_WINDOW = datetime.timedelta(minutes=1)


def action_schedule(
    *,
    kind: str,
    handler: str,
    recipient: str,
    due_at: datetime.datetime,
    key: str,
    group: str = "",
    payload: dict | None = None,
    channel: str = Channel.EMAIL,
    max_attempts: int = 6,
) -> ScheduledAction:
    """Record one action. The same key twice returns the existing row: scheduling is idempotent."""
    action, created = ScheduledAction.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "kind": kind,
            "handler": handler,
            "recipient": recipient,
            "due_at": due_at,
            "group": group,
            "payload": payload or {},
            "channel": channel,
            "max_attempts": max_attempts,
        },
    )
    if created and due_at <= timezone.now() + IMMEDIATE_WINDOW:
        _enqueue_on_commit([action.pk])
    return action


@dataclasses.dataclass(slots=True)
class PlannedAction:
    """An outbox row to be written, with ScheduledAction's field names: what the builders return.

    A plain object rather than an unsaved model instance, because a reorganisation plans hundreds
    of thousands of them at once and a model instance costs more to build than to write."""

    kind: str
    handler: str
    recipient: str
    due_at: datetime.datetime
    idempotency_key: str
    group: str = ""
    payload: dict = dataclasses.field(default_factory=dict)
    channel: str = Channel.EMAIL
    max_attempts: int = 6


# The columns actions_schedule_bulk writes (a new row's defaults included).
_NEW_ROW_FIELDS = ("kind", "handler", "channel", "recipient", "due_at", "idempotency_key", "group", "payload")
_NEW_ROW_FIELDS += ("max_attempts", "status", "attempts", "last_error", "created_at", "updated_at", "history")


_NO_HISTORY: list = []  # one object for every new row: insert_rows encodes it once


def _plain(value):
    # A choices member (ActionKind.REMINDER) is written as its value; COPY would take its name.
    return value.value if isinstance(value, enum.Enum) else value


def actions_schedule_bulk(actions: Iterable[PlannedAction | ScheduledAction]) -> list:
    """Insert many actions (COPY on PostgreSQL, core.bulk); rows whose key exists are skipped.

    Takes PlannedAction rows (or unsaved ScheduledAction instances, which have the same fields)."""
    rows = list(actions)
    now = timezone.now()
    pending = ActionStatus.PENDING.value
    bulk.insert_rows(
        ScheduledAction,
        _NEW_ROW_FIELDS,
        [
            (
                _plain(row.kind),
                row.handler,
                _plain(row.channel),
                row.recipient,
                row.due_at,
                row.idempotency_key,
                row.group,
                row.payload,
                row.max_attempts,
                pending,
                0,
                "",
                now,
                now,
                _NO_HISTORY,
            )
            for row in rows
        ],
    )
    soon = now + IMMEDIATE_WINDOW
    keys = [row.idempotency_key for row in rows if row.due_at <= soon]
    if keys:
        ids = list(
            ScheduledAction.objects.filter(idempotency_key__in=keys, status=ActionStatus.PENDING).values_list(
                "id", flat=True
            )
        )
        _enqueue_on_commit(ids)
    return rows


def actions_cancel(
    *,
    group: str | None = None,
    key_prefix: str | None = None,
    kinds: Iterable[str] = (),
    groups: Iterable[str] | None = None,
) -> int:
    """Cancel pending actions of a group or of several (optionally only some kinds, or keys with a
    prefix). One UPDATE; a group is an equality match on its index, a key prefix a range scan."""
    if group is None and key_prefix is None and groups is None:
        raise ValueError("Say which actions to cancel: a group or a key prefix.")
    # Claimed by a sweep but not yet being sent counts as pending: it is only waiting in the queue.
    qs = ScheduledAction.objects.filter(
        Q(status=ActionStatus.PENDING) | Q(status=ActionStatus.SENDING, attempt_started_at__isnull=True)
    )
    if group is not None:
        qs = qs.filter(group=group)
    if groups is not None:
        qs = qs.filter(group__in=list(groups))
    if key_prefix is not None:
        qs = qs.filter(idempotency_key__startswith=key_prefix)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    return qs.update(status=ActionStatus.CANCELLED, claimed_at=None, updated_at=timezone.now())


def _enqueue_on_commit(ids: list[int]) -> None:
    # One message per transaction, published after it commits (see outbox.queue).
    publish_on_commit(ids)


def action_retry(*, action: ScheduledAction, actor=None) -> ScheduledAction:
    """Put a failed action back in line now, with one more attempt allowed; queued on commit.

    Only failed actions can be retried: a pending one is already in line, and a sent or cancelled
    one must not go out (again) by accident.
    """
    with transaction.atomic():
        locked = ScheduledAction.objects.select_for_update().get(pk=action.pk)
        if locked.status != ActionStatus.FAILED:
            raise errors.TransitionNotAllowed(f"Only a failed action can be retried; this one is {locked.status}.")
        locked.status = ActionStatus.PENDING
        # Due by the database's clock, the one the sweep compares with.
        locked.due_at = Now()
        locked.claimed_at = None
        locked.max_attempts = max(locked.max_attempts, locked.attempts + 1)
        locked.save(update_fields=["status", "due_at", "claimed_at", "max_attempts", "updated_at"])
        locked.refresh_from_db(fields=["due_at"])
        _enqueue_on_commit([locked.pk])
    return locked
