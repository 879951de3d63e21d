"""Benchmark: the outbox sweep's claim stays flat as the table grows (the (status, due_at) index).

Fills the outbox with 1,000 and then 100,000 rows (half sent in the past, half pending in the
future) plus 100 due now, and times claim_due() taking those 100; prints the ratio of the large
table against the small one, and whether the database plans the claim through the index.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.db import connection
from django.utils import timezone

from workflows.outbox import delivery
from workflows.outbox.models import ActionStatus, ScheduledAction

DUE_NOW = 100
ROUNDS = 15


def _fill(total: int) -> None:
    ScheduledAction.objects.all().delete()
    now = timezone.now()
    rows = []
    for i in range(total):
        sent = i % 2 == 0
        rows.append(
            ScheduledAction(
                kind="reminder",
                handler="bench",
                recipient=f"r{i}@example.com",
                due_at=now - datetime.timedelta(days=30, minutes=i)
                if sent
                else now + datetime.timedelta(minutes=i + 5),
                idempotency_key=f"bench:{total}:{i}",
                group=f"departure:{i // 10}",
                status=ActionStatus.SENT if sent else ActionStatus.PENDING,
                sent_at=now if sent else None,
            )
        )
    rows += [
        ScheduledAction(
            kind="reminder",
            handler="bench",
            recipient=f"due{i}@example.com",
            due_at=now - datetime.timedelta(seconds=i + 1),
            idempotency_key=f"bench:{total}:due:{i}",
        )
        for i in range(DUE_NOW)
    ]
    ScheduledAction.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE {ScheduledAction._meta.db_table}")


def _measure() -> float:
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        ids = delivery.claim_due()
        timings.append(time.perf_counter() - start)
        assert len(ids) == DUE_NOW, len(ids)
        ScheduledAction.objects.filter(pk__in=ids).update(status=ActionStatus.PENDING, claimed_at=None)
    return statistics.median(timings)


def _plan_uses_index() -> bool:
    query = (
        ScheduledAction.objects.filter(status=ActionStatus.PENDING, due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("id", flat=True)[:500]
    )
    plan = query.explain()
    return "outbox_due_idx" in plan


def run() -> list[str]:
    _fill(1_000)
    small = _measure()
    _fill(100_000)
    large = _measure()
    uses_index = _plan_uses_index()
    ScheduledAction.objects.all().delete()
    return [
        f"outbox sweep: claim {DUE_NOW} due actions ({connection.vendor})",
        f"  1,000 rows:   {small * 1000:7.2f} ms  (baseline)",
        f"  100,000 rows: {large * 1000:7.2f} ms  ratio {large / small:.2f}x  "
        f"(plan uses outbox_due_idx: {'yes' if uses_index else 'NO'})",
    ]
