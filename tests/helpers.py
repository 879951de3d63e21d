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


def _usual_dates(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    # The last working day is the Friday two to three weeks ahead, the notice given 46 days before
    # it (a Monday). Taken from the real date when the suite loads, before any test moves the clock.
    last = today + datetime.timedelta(days=14)
    last += datetime.timedelta(days=(4 - last.weekday()) % 7)
    return last - datetime.timedelta(days=46), last


# The usual departure of the suite: on 1 December 2026, notice on 2 November and the last working
# day on Friday 18 December. They move with the calendar, so the suite does not expire once those
# days have passed (a start refuses a last working day in the past unless backdated).
NOTICE_DATE, LAST_WORKING_DAY = _usual_dates(datetime.date.today())

# Tests on a frozen clock before these days (workflows, outbound integrations, follow-ups) and the
# bare DepartureFactory row use fixed dates instead: their tests name the days (a reminder on
# Wednesday 16 December, a follow-up moved off a Sunday).
FIXED_NOTICE_DATE, FIXED_LAST_WORKING_DAY = datetime.date(2026, 11, 2), datetime.date(2026, 12, 18)


def on_fixed_dates(start: Callable) -> Callable:
    """The shared `start_departure` with FIXED_NOTICE_DATE and FIXED_LAST_WORKING_DAY as defaults."""

    def start_on_fixed_dates(employee=None, **overrides):
        fields = {"notice_date": FIXED_NOTICE_DATE, "last_working_day": FIXED_LAST_WORKING_DAY}
        return start(employee, **(fields | overrides))

    return start_on_fixed_dates


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


def grant_permission(user, permission: str) -> None:
    """Give a user one permission, named "app_label.codename"."""
    app_label, codename = permission.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


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


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, process=None, timeout: float = 20) -> None:
    """Wait until a server we started answers on loopback (or fail with its exit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reachable("127.0.0.1", port):
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with status {process.returncode}")
        time.sleep(0.05)
    raise AssertionError(f"nothing answered on port {port}")


DOVECOT_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = offboarding-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {uid}
# Any user name logs in with this password: each test reads its own fresh mailbox.
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotServer:
    """A private Dovecot IMAP server on a loopback port with its config, Maildirs and logs in a temporary
    folder of its own (removed by close()).

    As root, Dovecot runs its login and mail processes as the users Debian's package creates (dovenull,
    dovecot), which must reach that folder: so it is made under the system's temp dir, not pytest's private
    one. As anyone else, everything runs as that user."""

    PASSWORD = "mailbox-secret"

    def __init__(self):
        import pathlib
        import pwd
        import tempfile

        self.root = pathlib.Path(tempfile.mkdtemp(prefix="offboarding-dovecot-"))
        self.port = free_port()
        self.process = None
        if os.geteuid() == 0:
            internal = pwd.getpwnam("dovecot")
            self.names = {"internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull"}
            self.uid, self.gid = internal.pw_uid, internal.pw_gid
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            group = __import__("grp").getgrgid(os.getegid()).gr_name
            self.names = {"internal_user": me, "internal_group": group, "login_user": me}
            self.uid, self.gid = os.geteuid(), os.getegid()

    @property
    def config(self):
        return self.root / "dovecot.conf"

    def url(self, user: str, folder: str = "INBOX") -> str:
        from urllib.parse import quote

        return f"imap://{quote(user, safe='')}:{self.PASSWORD}@127.0.0.1:{self.port}/{folder}"

    def start(self) -> DovecotServer:
        import subprocess

        for sub in ("mail", "home"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
            os.chown(self.root / sub, self.uid, self.gid)
        os.chmod(self.root, 0o755)  # the login processes reach the auth socket under it
        self.config.write_text(
            DOVECOT_CONFIG.format(
                root=self.root, port=self.port, uid=self.uid, gid=self.gid, password=self.PASSWORD, **self.names
            )
        )
        # Its own process group, so kill() can take the server and every child down together.
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def close(self) -> None:
        import shutil

        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def kill(self) -> None:
        """Take the server away at once, mid-conversation: SIGKILL to its whole process group (the master and
        the login, mail and auth processes it started), so open connections drop as in a crash."""
        import signal

        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
            self.process = None
        deadline = time.monotonic() + 20
        while reachable("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message the way a mail client files one: IMAP APPEND."""
        from imapclient import IMAPClient

        with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10) as client:
            client.login(user, self.PASSWORD)
            client.append(folder, raw)

    def folder_messages(self, user: str, folder: str) -> list[tuple[int, set]]:
        """(uid, flags) of each message in a folder; [] when the folder does not exist."""
        from imapclient import IMAPClient

        with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10) as client:
            client.login(user, self.PASSWORD)
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            flags = client.get_flags(uids) if uids else {}
            # \Recent only says which session saw a message first: not a flag anyone set.
            return [(uid, set(flags[uid]) - {b"\\Recent"}) for uid in uids]


class RadicaleServer:
    """A private Radicale CalDAV server on a loopback port, its collections in `root`, with no authentication
    (any user name is accepted and owns the collections under its name)."""

    def __init__(self, root):
        import pathlib

        self.root = pathlib.Path(root)
        self.port = free_port()
        self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RadicaleServer:
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "radicale",
                "--storage-filesystem-folder", str(self.root / "collections"),
                "--server-hosts", f"127.0.0.1:{self.port}",
                "--auth-type", "none",
                "--rights-type", "owner_only",
                "--logging-level", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def _call(self, method: str, path: str, user: str, body: bytes = b"", content_type: str = "") -> int:
        import base64
        import urllib.error
        import urllib.request

        headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:x".encode()).decode()}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body or None, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def calendar(self, user: str, name: str) -> str:
        """Create a calendar collection; its URL."""
        path = f"/{user}/{name}/"
        status = self._call("MKCALENDAR", path, user)
        assert status == 201, status
        return self.base + path

    def put_event(self, user: str, calendar_url: str, uid: str, ics: str) -> None:
        path = calendar_url.removeprefix(self.base) + f"{uid}.ics"
        status = self._call("PUT", path, user, ics.encode(), "text/calendar; charset=utf-8")
        assert status in (201, 204), status
