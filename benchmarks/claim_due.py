"""Figure 2: the outbox sweep claiming 500 due actions among 1,000,000 pending against among 10,000.

Sizes: 1,000,000 × BENCH_SCALE pending (at least ten times the baseline's 10,000 × BENCH_SCALE).
Target: ≤ 1.2x. Each round claims and releases the 500 ten times.
"""

from __future__ import annotations

import time

from django.db import connection

from benchmarks._harness import ROUNDS, analyze, figure, size, truncate
from workflows.outbox import delivery
from workflows.outbox.models import ActionStatus, ScheduledAction

DUE = 500
CLAIMS_PER_ROUND = 10


def _fill(pending: int) -> None:
    """`pending` rows due in the future (spread over a year, half of them already sent rows'
    neighbours in the index), plus DUE rows due now; written by the database itself."""
    truncate("outbox_scheduledaction")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO outbox_scheduledaction (kind, handler, channel, recipient, due_at, idempotency_key,
                "group", payload, status, attempts, max_attempts, last_error, created_at, updated_at, history)
            SELECT 'reminder', 'step_reminder', 'email', 'group:it',
                now() + (i %% 525600) * interval '1 minute' + interval '1 hour', 'bench:' || i,
                'step:' || (i / 7), '{}'::jsonb, 'pending', 0, 6, '', now(), now(), '[]'::jsonb
            FROM generate_series(1, %s) AS i
            UNION ALL
            SELECT 'reminder', 'step_reminder', 'email', 'group:it', now() - i * interval '1 second',
                'bench:due:' || i, 'due', '{}'::jsonb, 'pending', 0, 6, '', now(), now(), '[]'::jsonb
            FROM generate_series(1, %s) AS i
            """,
            [pending, DUE],
        )
    analyze()


def _claims() -> list[float]:
    """Seconds per round of CLAIMS_PER_ROUND claims; handing the rows back is not timed."""
    rounds = []
    for _ in range(ROUNDS):
        spent = 0.0
        for _ in range(CLAIMS_PER_ROUND):
            started = time.perf_counter()
            ids = delivery.claim_due(limit=DUE)
            spent += time.perf_counter() - started
            assert len(ids) == DUE, len(ids)
            ScheduledAction.objects.filter(pk__in=ids).update(status=ActionStatus.PENDING, claimed_at=None)
        rounds.append(spent)
    return rounds


def run() -> list[str]:
    small = size(10_000, least=2_000)
    large = max(size(1_000_000), small * 10)
    _fill(small)
    baseline = _claims()
    _fill(large)
    product = _claims()
    truncate("outbox_scheduledaction")
    return [
        figure(
            "claim_due",
            unit="s",
            product=(f"{CLAIMS_PER_ROUND} claims of {DUE} due among {large:,} pending", product),
            baseline=(f"{CLAIMS_PER_ROUND} claims of {DUE} due among {small:,} pending", baseline),
            target="<= 1.2x",
            higher_is_better=False,
        )
    ]
