"""Fixtures of the outbox tests: a real SMTP server on loopback, a real Celery worker over Redis."""

from __future__ import annotations

import datetime
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.mail import EmailMessage

from tests.helpers import point_broker, reachable, service_missing
from workflows.outbox.models import ScheduledAction
from workflows.outbox.registry import renderer

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


# --- a renderer for tests that need a message without a departure behind it


@renderer("tests.outbox.note")
def render_note(action):
    if action.payload.get("gone"):
        return None
    return EmailMessage(
        subject=f"note {action.payload.get('n', action.pk)}",
        body="A test note.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[action.recipient],
    )


@pytest.fixture
def note_action(db):
    """Make a due test action: note_action(recipient=..., **fields)."""

    def make(recipient: str = "someone@example.com", **fields) -> ScheduledAction:
        from django.utils import timezone

        values = {
            "kind": "notification",
            "handler": "tests.outbox.note",
            "recipient": recipient,
            "due_at": timezone.now() - datetime.timedelta(seconds=1),
            "idempotency_key": f"test-note:{recipient}:{time.monotonic_ns()}",
            "payload": {},
        }
        values.update(fields)
        return ScheduledAction.objects.create(**values)

    return make


# --- SMTP


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        self.sink.peers.append(session.peer)
        return self.sink.receive(envelope)


@dataclass
class SmtpSink:
    """What the loopback SMTP server received, and how it answers (refuse=(recipient, reply))."""

    port: int = 0
    messages: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    # The client end (host, port) of the SMTP session of each message: one per connection.
    peers: list = field(default_factory=list)
    refuse: dict = field(default_factory=dict)
    hold: threading.Event | None = None
    # Called with each envelope the server is about to accept (in the server's thread).
    on_data: object = None
    holding: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def receive(self, envelope) -> str:
        recipients = [r.lower() for r in envelope.rcpt_tos]
        for address in recipients:
            if address in self.refuse:
                with self.changed:
                    self.refused.append(address)
                    self.changed.notify_all()
                return self.refuse[address]
        if self.on_data is not None:
            self.on_data(envelope)
        if self.hold is not None:
            self.holding.set()
            self.hold.wait(timeout=30)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.changed:
            self.messages.append(parsed)
            self.changed.notify_all()
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, predicate, timeout: float = 30) -> bool:
        """Wait until predicate(sink) is true; the SMTP thread wakes us on every message."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout=timeout)

    def reset(self) -> None:
        with self.changed:
            self.messages.clear()
            self.refused.clear()
            self.peers.clear()
            self.refuse.clear()
        self.hold = None
        self.on_data = None
        self.holding.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    sink.port = _free_port()
    controller = Controller(_Handler(sink), hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def smtp(smtp_sink, settings):
    """Django's SMTP backend in this process, pointed at the loopback server."""
    smtp_sink.reset()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield smtp_sink
    smtp_sink.reset()


# --- Redis and the Celery app of this process


def _redis_host_port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 6379


@pytest.fixture
def redis_url():
    host, port = _redis_host_port(REDIS_URL)
    if not reachable(host, port):
        service_missing(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def broker(redis_url):
    """This process publishes to the test Redis (db 12), emptied first; restored afterwards."""
    import redis

    from config.celery import app

    redis.Redis.from_url(redis_url).flushdb()
    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    point_broker(redis_url)
    yield redis_url
    point_broker(previous[0])
    app.conf.broker_transport_options = previous[1]


@pytest.fixture
def closed_port() -> int:
    return _free_port()  # nothing listens there once the probe socket is closed


# --- the worker process


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_sink):
    """A real `celery -A config worker` process on Redis db 12, the test database and the SMTP sink."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        service_missing("Worker tests need PostgreSQL (the worker process must see the test database).")
    host, port = _redis_host_port(REDIS_URL)
    if not reachable(host, port):
        service_missing(f"Redis is not reachable at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    db = settings.DATABASES["default"]
    host_part = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    database_url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{host_part}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.outbox.worker_settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-Q",
            "celery,outbox-sweep",
            "-n",
            "outbox-test@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout=60):
        process.kill()
        pytest.fail("The Celery worker did not start:\n" + "".join(lines[-40:]))
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def worker(celery_worker_process, broker, smtp):
    """A running worker, this process publishing to its Redis, the SMTP sink emptied."""
    return smtp
