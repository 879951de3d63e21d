"""What every benchmark shares: sizes, timing rounds, the JSON line, and the services it starts."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
# 1 is the sizes; BENCH_SCALE=0.01 makes a run of well under a minute.
SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def size(full: int, *, least: int = 10) -> int:
    return max(least, int(full * SCALE))


def timed(fn: Callable[[], object], rounds: int = ROUNDS, before: Callable[[], object] | None = None) -> list[float]:
    """Seconds per round; `before` runs untimed ahead of each round (resetting the data)."""
    timings = []
    for _ in range(rounds):
        if before is not None:
            before()
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return timings


def stats(values: list[float]) -> dict:
    return {"min": round(min(values), 4), "median": round(statistics.median(values), 4)}


def figure(
    name: str,
    *,
    unit: str,
    product: tuple[str, list[float]],
    baseline: tuple[str, list[float]],
    target: str,
    higher_is_better: bool,
    **extra,
) -> str:
    """One JSON line: product and baseline (min and median of the rounds), their ratio of medians,
    the issue's target and whether this run meets it."""
    p, b = stats(product[1]), stats(baseline[1])
    ratio = round(p["median"] / b["median"], 3) if b["median"] else None
    bound = float(target.split()[-1].rstrip("x"))
    met = ratio is not None and (ratio >= bound if higher_is_better else ratio <= bound)
    line = {
        "figure": name,
        "unit": unit,
        "product": {"what": product[0], **p},
        "baseline": {"what": baseline[0], **b},
        "ratio": ratio,
        "target": target,
        "met": met,
        **extra,
    }
    return json.dumps(line)


def truncate(*tables: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def clean() -> None:
    """Empty every table a benchmark writes, so each starts from the same state; the shipped
    checklist templates (which the cascade from users empties too) are installed again."""
    from workflows.services import templates_install_defaults

    truncate(
        "auth_user",
        "offboarding_employee",
        "offboarding_departure",
        "workflows_workflow",
        "workflows_workflowtemplate",
        "outbox_scheduledaction",
    )
    templates_install_defaults()


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict:
    """The environment for a worker or web server: the bench database and this run's services."""
    settings_db = connection.settings_dict
    url = f"postgres://{settings_db['USER']}@{settings_db['HOST'] or '127.0.0.1'}:{settings_db['PORT'] or 5432}/"
    if settings_db.get("PASSWORD"):
        url = url.replace("@", f":{settings_db['PASSWORD']}@", 1)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "DATABASE_URL": url + settings_db["NAME"],
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return env


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def python_bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class Counter:
    """A count another thread raises (messages received), waited on without polling."""

    def __init__(self) -> None:
        self.value = 0
        self.changed = threading.Condition()

    def add(self, n: int = 1) -> None:
        with self.changed:
            self.value += n
            self.changed.notify_all()

    def wait_for(self, target: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.value >= target, timeout=timeout)
