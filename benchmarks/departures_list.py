"""Benchmark: the departures list stays flat as rows grow (queries and time per page).

Measures GET /api/v1/departures/ for a manager with 50 and with 1,000 departures in their reporting
line; prints queries per request and the time ratio against the small case in the same run.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from offboarding.models import Departure, DepartureHistory, Employee


def _org(size: int) -> User:
    manager_user = User.objects.create(username=f"bench-manager-{size}")
    manager = Employee.objects.create(
        external_id=f"BM-{size}", name="Bench Manager", email=f"bm{size}@example.com", user=manager_user
    )
    people = Employee.objects.bulk_create(
        Employee(external_id=f"B{size}-{i}", name=f"Person {i}", email=f"b{size}-{i}@example.com", manager=manager)
        for i in range(size)
    )
    departures = Departure.objects.bulk_create(
        Departure(
            employee=person,
            kind="resignation",
            notice_date=datetime.date(2026, 11, 2),
            last_working_day=datetime.date(2026, 12, 18),
        )
        for person in people
    )
    DepartureHistory.objects.bulk_create(
        DepartureHistory(departure=d, transition="start", from_state="", to_state="notice") for d in departures
    )
    return manager_user


def _measure(user: User, rounds: int = 15) -> tuple[float, int]:
    timings = []
    queries = 0
    for _ in range(rounds):
        fresh = User.objects.get(pk=user.pk)  # no per-request caches carried over
        client = APIClient()
        client.force_authenticate(fresh)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/api/v1/departures/?page_size=50")
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content
        queries = len(ctx.captured_queries)
    return statistics.median(timings), queries


def run() -> list[str]:
    small_user = _org(50)
    large_user = _org(1000)
    small_time, small_queries = _measure(small_user)
    large_time, large_queries = _measure(large_user)
    return [
        "departures list (page of 50, manager scope)",
        f"  50 rows in scope:    {small_time * 1000:7.2f} ms  {small_queries} queries  (baseline)",
        f"  1,000 rows in scope: {large_time * 1000:7.2f} ms  {large_queries} queries  "
        f"ratio {large_time / small_time:.2f}x time, {large_queries / small_queries:.2f}x queries",
    ]
