"""Helpers shared by tests in several folders: sentinels, signed requests, a broker switch, a race harness.

Fixtures live in conftest files; plain functions and constants live here, so no test imports a conftest.
"""

from __future__ import annotations

import datetime
import os
import socket
import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.db import connections

from core import roles
from integrations import signing
from offboarding.actions import interviews as interview_actions
from offboarding.models import Employee

NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
# Sentinels that must never leak where they may not be seen.
SECRET = "the-coffee-machine-zebra-7731"
SECRET_NOTE = "interviewer-private-note-quokka-5519"
SHARED = "please-tell-my-manager-platypus-2288"


# CI sets this: a test skipped because a service is absent then fails instead.
REQUIRE_SERVICES = os.environ.get("OFFBOARDING_REQUIRE_SERVICES", "") not in ("", "0", "false")


def service_missing(reason: str):
    """Skip for a missing service, or fail when CI requires every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (OFFBOARDING_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


def reachable(host: str, port: int) -> bool:
    """Does something answer on this TCP port (a service the test needs)?"""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate, *, timeout: float = 30, interval: float = 0.05):
    """Poll a database condition the worker changes (a row's status has no event to wait on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def race(*calls: Callable[[], object], timeout: float = 30) -> list:
    """Run the calls in threads released at the same moment, each with its own database connection
    (two real sessions racing for the same rows); their results, in finishing order."""
    barrier = threading.Barrier(len(calls))
    results: list = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            results.append(call())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def post_as(user, path: str, body: dict | None = None) -> int:
    """POST JSON as this user through a fresh API client; the status code (for races)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user=user)
    return client.post(path, body or {}, format="json").status_code


def hold_after_start(clock, interview, *, actor):
    """Record the interview as held once it has started (hold is refused before its start time)."""
    clock.move_to(interview.start + datetime.timedelta(minutes=5))
    return interview_actions.exit_interview_hold(interview=interview, actor=actor)


def grant_read_answers(user) -> None:
    """Give a user the permission to read confidential exit-interview answers."""
    app_label, codename = roles.READ_ANSWERS_PERMISSION.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def signed_headers(*, secret: str, body: bytes, timestamp: int | None = None) -> dict:
    """Django test-client keyword headers for a request signed like the HRIS and receipt webhooks."""
    ts = str(int(NOW.timestamp()) if timestamp is None else timestamp)
    return {
        "HTTP_X_OFFBOARDING_TIMESTAMP": ts,
        "HTTP_X_OFFBOARDING_SIGNATURE": signing.signature_compute(secret=secret, timestamp=ts, body=body),
    }


def point_broker(url: str) -> None:
    """Make this process's Celery app publish to `url`."""
    from config.celery import app

    app.conf.broker_url = url
    app.conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_timeout": 3,
        "socket_connect_timeout": 2,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
    # Forget the cached pools (kombu keeps one per broker URL, so switching back reuses the old one).
    app._pool = None
    app.__dict__.pop("amqp", None)


def make_employees(count: int, *, manager=None, prefix="B") -> list[Employee]:
    """`count` employees in one insert (for bulk starts)."""
    return Employee.objects.bulk_create(
        [
            Employee(
                external_id=f"{prefix}{n:05d}",
                name=f"Bulk {n}",
                email=f"{prefix.lower()}{n}@example.com",
                manager=manager,
                department="Engineering",
            )  # fmt: skip
            for n in range(count)
        ]
    )
