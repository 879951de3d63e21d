"""Figure 3: delivering approval requests through a real Celery worker to an SMTP server on loopback,
against a task that sends one pre-rendered message to the same server.

Sizes: 1,000 × BENCH_SCALE messages per round, for 1,000 × BENCH_SCALE departures whose managers
sit under directors under a chief executive. Target: ≥ 0.5x the pre-rendered send's messages per
second. The worker runs with the default concurrency of docker-compose (2 processes).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from benchmarks import start_departures
from benchmarks._harness import ROOT, Counter, analyze, child_env, figure, free_port, size, stop, timed
from benchmarks.tasks import PRERENDERED_TASK
from config.celery import app
from offboarding.actions import departures as departure_actions
from offboarding.models import Departure, Employee
from offboarding.notifications.departures import REQUEST_HANDLER
from workflows.outbox import tasks
from workflows.outbox.models import ActionStatus, ScheduledAction

WAIT = 120  # seconds: far beyond any round, only so that a broken worker ends the run


class _Sink:
    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        self.counter.add()
        return "250 Message accepted"


def _organisation(n: int) -> None:
    """N leavers, ten per manager; managers under directors (ten each) under one chief executive."""
    start_departures._people(n)
    top = Employee.objects.create(external_id="CEO", name="Chief Executive", email="ceo@example.com")
    managers = list(Employee.objects.filter(external_id__startswith="M").order_by("pk"))
    for i in range(0, len(managers), 10):
        director = Employee.objects.create(
            external_id=f"D{i}", name=f"Director {i}", email=f"director{i}@example.com", manager=top
        )
        Employee.objects.filter(pk__in=[m.pk for m in managers[i : i + 10]]).update(manager=director)
    leavers = Employee.objects.filter(external_id__startswith="L").select_related("manager")
    departure_actions.departures_start(
        departures=[
            Departure(
                employee=e,
                kind="resignation",
                notice_date=timezone.localdate(),
                last_working_day=timezone.localdate() + datetime.timedelta(days=60),
            )
            for e in leavers
        ]
    )


def _requests():
    return ScheduledAction.objects.filter(handler=REQUEST_HANDLER, payload__round=0)


def _make_due() -> None:
    _requests().update(
        status=ActionStatus.PENDING,
        due_at=timezone.now() - datetime.timedelta(seconds=1),
        sent_at=None,
        attempts=0,
        claimed_at=None,
        attempt_started_at=None,
    )


def _worker(smtp_port: int) -> subprocess.Popen:
    env = child_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}", CELERY_BROKER_URL=settings.CELERY_BROKER_URL)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-I", "benchmarks.tasks"]
        + ["--concurrency=2", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        + ["--loglevel=WARNING", "-n", f"bench-{smtp_port}@%h"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
    )
    return process


def run() -> list[str]:
    import redis

    n = size(1_000)
    _organisation(n)
    analyze()
    expected = _requests().count()
    assert expected == n, expected
    app.conf.broker_url = settings.CELERY_BROKER_URL
    # Only the default queue: anything else in the broker's database is not ours to drop.
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(app.conf.task_default_queue or "celery")
    received = Counter()
    smtp_port = free_port()
    controller = Controller(_Sink(received), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    worker = _worker(smtp_port)
    try:
        # Warm both worker processes (imports, first connections) before any timing.
        for _ in range(4):
            app.send_task(PRERENDERED_TASK)
        if not received.wait_for(4, WAIT):
            raise RuntimeError("the worker sent nothing")

        def deliver_all() -> None:
            # Done when every row is recorded final (the sink may count a message a moment earlier).
            # The rows are asked about once the sink has every message, not after each one: the
            # question scans the outbox, and asking it a thousand times a round loaded the database
            # the worker shares with it (the baseline, rightly, waits on the sink alone).
            target = received.value + expected
            tasks.sweep_due_actions()
            deadline = time.monotonic() + WAIT
            received.wait_for(target, WAIT)
            while _requests().filter(status__in=[ActionStatus.PENDING, ActionStatus.SENDING]).exists():
                if time.monotonic() > deadline:
                    outcome = dict(_requests().values_list("status").annotate(n=Count("id")))
                    raise RuntimeError(f"approval requests not delivered in time: {outcome}")
                received.wait_for(received.value + 1, 0.005)

        def send_prerendered() -> None:
            target = received.value + expected
            for _ in range(expected):
                app.send_task(PRERENDERED_TASK)
            if not received.wait_for(target, WAIT):
                raise RuntimeError("the pre-rendered messages did not all arrive")

        baseline = timed(send_prerendered)
        product = timed(deliver_all, before=_make_due)
        sent = _requests().filter(status=ActionStatus.SENT).count()
    finally:
        stop(worker)
        controller.stop()
    return [
        figure(
            "deliver_emails",
            unit="msg/s",
            product=(
                f"{expected:,} approval requests: sweep, worker renders and sends over SMTP",
                [expected / t for t in product],
            ),
            baseline=(f"{expected:,} tasks sending one pre-rendered message", [expected / t for t in baseline]),
            target=">= 0.5x",
            higher_is_better=True,
            recorded_sent=sent,
        )
    ]
