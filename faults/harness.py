"""The processes and servers of a fault run: a private Redis, an SMTP server on loopback, Celery
workers and beats, gunicorn, and the database the harness creates for the run."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "faults"
BIN = Path(sys.executable).parent
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<outbox\.(\d+)\.", re.IGNORECASE | re.MULTILINE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclass
class Scale:
    """How big a run is: `small` fits CI, `full` is the issue's figures."""

    invites: int
    outage: int
    approvals_one: int
    approvals_many: int
    import_rows: int
    db_kill_seconds: int
    spread: int
    sweep: int
    time_limit: int
    examples: int
    retry_base: float

    @classmethod
    def named(cls, name: str) -> Scale:
        if name == "full":
            # The sizes, with the production lease (time limit 60 s + 15 s) and sweep (30 s).
            return cls(2000, 60, 50, 200, 1000, 20, 60, 30, 60, 25, 2)
        # Sized for CI: the same faults, a shorter lease (10 s + 15 s) and sweep period (5 s).
        return cls(100, 6, 20, 50, 200, 5, 10, 5, 10, 3, 0.5)


# --- SMTP


class SmtpServer:
    """aiosmtpd on loopback, in this process: counts messages per outbox row (by Message-ID)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: Counter[int] = Counter()
        self.refused = 0
        self.refuse_every = 0  # answer 451 to every n-th message (0: never)
        self._seen = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self._seen += 1
            if self.refuse_every and self._seen % self.refuse_every == 0:
                self.refused += 1
                return "451 4.3.0 Try again later (fault injection)"
            match = MESSAGE_ID.search(envelope.content)
            self.received[int(match.group(1)) if match else 0] += 1
        return "250 Message accepted"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.refused = self._seen = 0
            self.refuse_every = 0

    def counts(self) -> Counter[int]:
        with self.lock:
            return Counter(self.received)


# --- processes


class Process:
    """A child process in its own session (so kill -9 takes its pool children too), logging to var/faults."""

    def __init__(self, name: str, argv: list[str], env: dict) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.popen: subprocess.Popen | None = None
        self.log = VAR / "logs" / f"{name}.log"

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.offset = self.log.stat().st_size if self.log.exists() else 0
        handle = open(self.log, "ab")  # noqa: SIM115 (the child keeps it)
        self.popen = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        return self

    def output(self) -> str:
        return self.log.read_bytes()[self.offset :].decode(errors="replace") if self.log.exists() else ""

    def wait_output(self, text: str, timeout: float = 60) -> None:
        if not wait_for(lambda: text in self.output() or self.popen.poll() is not None, timeout=timeout):
            raise RuntimeError(f"{self.name} did not say {text!r} within {timeout} s; see {self.log}")
        if text not in self.output():
            raise RuntimeError(f"{self.name} exited; see {self.log}")

    def signal(self, sig: int) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self, timeout: float = 20) -> None:
        if not self.popen or self.popen.poll() is not None:
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()


class RedisServer:
    """A private redis-server with an append-only file, as compose runs it: stop, start, hang, resume."""

    def __init__(self, env: dict) -> None:
        self.port = free_port()
        self.dir = VAR / "redis"
        self.env = env
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.dir)]
        self.process = Process("redis", argv, self.env).start()
        self.process.wait_output("Ready to accept connections", timeout=30)

    def stop(self) -> None:
        self.process.stop()

    def hang(self) -> None:
        self.process.signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.signal(signal.SIGCONT)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(64)


def celery(name: str, env: dict, *args: str) -> Process:
    return Process(name, [str(BIN / "celery"), "-A", "config", *args], env)


def worker(name: str, env: dict, queues: str, concurrency: int) -> Process:
    return celery(
        name,
        env,
        "worker",
        "-Q",
        queues,
        "-n",
        f"{name}@%h",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    )


def beat(name: str, env: dict) -> Process:
    schedule = VAR / f"{name}-schedule"
    for stale in VAR.glob(f"{name}-schedule*"):
        stale.unlink()
    return celery(name, env, "beat", "--loglevel=INFO", "-s", str(schedule))


def web(env: dict, port: int) -> Process:
    argv = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", "2", "--threads", "8", "--worker-class", "gthread", "--timeout", "30"]
    argv += ["--access-logfile", str(VAR / "logs" / "access.log"), "--access-logformat", "%(s)s %(m)s %(U)s %(L)s"]
    return Process("web", argv, env)


# --- HTTP


def call(method: str, url: str, *, token: str = "", body: bytes | None = None, content_type: str = "application/json"):
    """(status, seconds) of one request; status 0 when it did not complete within 30 s."""
    request = urllib.request.Request(url, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Token {token}")
    if body is not None:
        request.add_header("Content-Type", content_type)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


def server_errors_since(offset: int) -> tuple[int, int]:
    """(5xx responses, requests) in the access log after byte `offset`."""
    log = VAR / "logs" / "access.log"
    if not log.exists():
        return 0, 0
    lines = log.read_bytes()[offset:].decode(errors="replace").splitlines()
    return sum(1 for line in lines if line[:1] == "5"), len(lines)


def access_log_size() -> int:
    log = VAR / "logs" / "access.log"
    return log.stat().st_size if log.exists() else 0


# --- the database


def database_recreate(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", [name])
        conn.execute(f'drop database if exists "{name}"')
        conn.execute(f'create database "{name}"')


def emit(result: dict) -> None:
    line = json.dumps(result, sort_keys=False)
    print(line, flush=True)
    with open(VAR / "latest.jsonl", "a") as handle:
        handle.write(line + "\n")
