"""Figure 4: the departures list (HR, 100 per page) under gunicorn with 16 concurrent clients,
against /api/v1/me/ on the same server; and its p95 latency at 1,000 and at 100,000 departures.

Sizes: 10,000 × BENCH_SCALE departures for the throughput figure; 1,000 × BENCH_SCALE and
100,000 × BENCH_SCALE for the p95 one. Targets: ≥ 0.6x /me/'s requests per second; p95 flat
(≤ 1.5x). Gunicorn runs two sync workers (one per core) with persistent database connections.
"""

from __future__ import annotations

import http.client
import statistics
import subprocess
import sys
import threading
import time

from django.contrib.auth.models import Group, User
from django.db import connection
from knox.models import AuthToken

from benchmarks._harness import ROOT, ROUNDS, analyze, child_env, figure, free_port, size, stop, truncate, wait_for_port
from core import roles

CLIENTS = 16
LIST = "/api/v1/departures/?page_size=100"
ME = "/api/v1/me/"


def _seed(total: int) -> None:
    """`total` leavers with a departure each, written by the database itself (the list reads them)."""
    truncate('"offboarding_departure"', '"offboarding_employee"')
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO offboarding_employee (external_id, name, email, personal_email, department, country,
                time_zone, language, work_starts, work_ends, created_at, updated_at)
            SELECT 'L' || i, 'Leaver ' || i, 'leaver' || i || '@example.com', '', 'Dept ' || (i %% 40), 'SE',
                'Europe/Stockholm', 'en', '09:00', '17:00', now(), now()
            FROM generate_series(1, %s) AS i
            """,
            [total],
        )
        cursor.execute(
            """
            INSERT INTO offboarding_departure (employee_id, kind, notice_date, last_working_day, reason, state,
                interview_outcome, created_at, updated_at)
            SELECT id, 'resignation', date '2031-03-03', date '2031-04-30', 'career', 'notice', '',
                now() - id * interval '1 second', now()
            FROM offboarding_employee
            """
        )
    analyze()


def _columns_ok() -> None:
    # The seed writes columns by name: fail clearly if the model grows a required one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'offboarding_employee' "
            "AND is_nullable = 'NO' AND column_default IS NULL"
        )
        required = {row[0] for row in cursor.fetchall()} - {"id"}
    known = {"external_id", "name", "email", "personal_email", "department", "country", "time_zone", "language"}
    known |= {"work_starts", "work_ends", "created_at", "updated_at"}
    missing = required - known
    if missing:
        raise RuntimeError(f"the seed does not fill offboarding_employee.{', '.join(sorted(missing))}")


def _load(port: int, token: str, path: str, seconds: float) -> tuple[float, list[float]]:
    """CLIENTS threads, each on one keep-alive connection, for `seconds`: requests/s and latencies."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}

    def client() -> None:
        mine = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def _p95(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=20)[-1]


def _server() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--log-level", "warning"],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    return process, port


def run() -> list[str]:
    _columns_ok()
    hr = User.objects.create(username="bench-hr-reader", email="hr-reader@example.com")
    hr.groups.add(Group.objects.get_or_create(name=roles.HR)[0])
    token = AuthToken.objects.create(user=hr)[1]
    seconds = max(1.0, 10 * min(1.0, size(10_000) / 10_000))
    process, port = _server()
    try:
        _load(port, token, LIST, 1)  # warm both workers and their connections
        _seed(size(10_000))
        product, baseline = [], []
        for _ in range(ROUNDS):
            baseline.append(_load(port, token, ME, seconds)[0])
            product.append(_load(port, token, LIST, seconds)[0])
        p95 = {}
        for total in (size(1_000), size(100_000)):
            _seed(total)
            _load(port, token, LIST, 1)
            p95[total] = [_p95(_load(port, token, LIST, seconds)[1]) for _ in range(ROUNDS)]
    finally:
        stop(process)
        truncate('"offboarding_departure"', '"offboarding_employee"')
    small, large = sorted(p95)
    return [
        figure(
            "departures_list",
            unit="req/s",
            product=(f"GET {LIST} as HR, {size(10_000):,} departures, {CLIENTS} clients", product),
            baseline=(f"GET {ME} on the same server, {CLIENTS} clients", baseline),
            target=">= 0.6x",
            higher_is_better=True,
        ),
        figure(
            "departures_list_p95",
            unit="s",
            product=(f"p95 of GET {LIST} with {large:,} departures", p95[large]),
            baseline=(f"p95 of the same with {small:,} departures", p95[small]),
            target="<= 1.5x",
            higher_is_better=False,
        ),
    ]
