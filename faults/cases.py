"""The eight fault cases. Each sets its scene, injects its fault, waits (bounded) for the outbox to
drain and returns one result: due, delivered, duplicates, lost, failed, seconds to drain, and ok.

Counting is done at the SMTP server by Message-ID (each names its outbox row), so a message sent
twice counts as a duplicate whatever the outbox says about it.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import time
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from celery import current_app
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from knox.models import AuthToken

from core import roles
from faults import harness
from offboarding.actions import departures as departure_actions
from offboarding.models import Departure, Employee
from workflows.outbox.models import ActionStatus, Channel, ScheduledAction
from workflows.outbox.queue import SWEEP_TASK

OPEN = (ActionStatus.PENDING, ActionStatus.SENDING)


@dataclass
class Run:
    scale: harness.Scale
    env: dict
    smtp: harness.SmtpServer
    redis: harness.RedisServer
    web_port: int
    processes: dict = field(default_factory=dict)
    restarts: dict = field(default_factory=dict)

    # --- processes

    def start(self, *names: str) -> None:
        makers = {
            "deliverer": lambda: harness.worker("deliverer", self.env, "celery", 4),
            "sweeper": lambda: harness.worker("sweeper", self.env, "outbox-sweep", 1),
            "beat": lambda: harness.beat("beat", self.env),
            "beat2": lambda: harness.beat("beat2", self.env),
            "web": lambda: harness.web(self.env, self.web_port),
            "skewed": lambda: harness.Process(
                "skewed",
                [
                    str(harness.BIN / "python"),
                    "-m",
                    "faults.skewed",
                    "900",
                    "-Q",
                    "celery,outbox-sweep",
                    "-P",
                    "solo",
                    "-B",
                    "-s",
                    str(harness.VAR / "skewed-schedule"),
                    "-n",
                    "skewed@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                self.env,
            ),
        }
        for name in names:
            process = makers[name]().start()
            self.processes[name] = process
        for name in names:
            process = self.processes[name]
            if name in ("deliverer", "sweeper", "skewed"):
                process.wait_output(" ready.", timeout=90)
            elif name == "web":
                harness.wait_for(
                    lambda: harness.call("GET", self.url("/api/v1/schema/"))[0] == 200, timeout=60, interval=0.5
                )
            else:
                process.wait_output("beat: Starting", timeout=60)

    def supervise(self) -> None:
        """Start again a worker or beat that exited by itself, as compose's `restart: unless-stopped` does
        (a Celery worker may exit when the broker comes back); each restart is counted in the result."""
        for name, process in list(self.processes.items()):
            if name != "web" and process.popen is not None and process.popen.poll() is not None:
                process.start()
                self.restarts[name] = self.restarts.get(name, 0) + 1

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.stop()
        self.processes.clear()

    def reset(self) -> None:
        """A clean scene: no processes, an empty broker and database, a fresh SMTP count."""
        self.stop_all()
        self.restarts = {}
        self.redis.flush()
        self.smtp.reset()
        connection.close()
        call_command("flush", interactive=False, verbosity=0)
        # The shipped checklists, so approvals schedule what they do in production.
        call_command("install_default_templates", verbosity=0)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def kick_sweep(self) -> None:
        current_app.send_task(SWEEP_TASK)


# --- data


def db_now() -> datetime.datetime:
    with connection.cursor() as cursor:
        cursor.execute("select now()")
        return cursor.fetchone()[0]


def make_invites(case: str, count: int, *, due_in: float = -1, spread: float = 0) -> list[int]:
    """`count` synthetic invites due `due_in` seconds from the database's now (spread over `spread`)."""
    now = db_now()
    rows = [
        ScheduledAction(
            kind="invite",
            handler="faults.invite",
            recipient=f"attendee{n}@faults.test",
            due_at=now + datetime.timedelta(seconds=due_in + (spread * n / max(count, 1))),
            idempotency_key=f"faults:{case}:{n}",
            group=f"faults:{case}",
        )
        for n in range(count)
    ]
    ScheduledAction.objects.bulk_create(rows, batch_size=1000)
    return list(ScheduledAction.objects.filter(group=f"faults:{case}").values_list("id", flat=True))


def working_zone() -> str:
    """A time zone where it is now mid-morning to mid-afternoon on a weekday, so messages are due now."""
    now = datetime.datetime.now(datetime.UTC)
    candidates = ["Europe/Stockholm", "Asia/Tokyo", "Asia/Kolkata", "America/New_York", "Pacific/Auckland"]
    candidates += ["America/Los_Angeles", "Asia/Dubai", "Pacific/Honolulu", "America/Sao_Paulo", "Asia/Singapore"]
    for name in candidates:
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        if local.weekday() < 5 and 10 <= local.hour < 15:
            return name
    return "Europe/Stockholm"


@dataclass
class Org:
    hr_token: str
    manager: Employee
    zone: str


def make_org() -> Org:
    hr = User.objects.create_user("hr", "hr@faults.test", "faults")
    hr.groups.add(Group.objects.get_or_create(name=roles.HR)[0])
    boss = User.objects.create_user("manager", "manager@faults.test", "faults")
    zone = working_zone()
    manager = Employee.objects.create(
        external_id="M0", name="Maja Manager", email="manager@faults.test", user=boss, time_zone=zone
    )
    Employee.objects.create(external_id="H0", name="Hanna HR", email="hr@faults.test", user=hr, time_zone=zone)
    return Org(AuthToken.objects.create(user=hr)[1], manager, zone)


def make_employees(org: Org, count: int, prefix: str) -> list[Employee]:
    Employee.objects.bulk_create(
        [
            Employee(
                external_id=f"{prefix}{n:05d}",
                name=f"Person {prefix}{n}",
                email=f"{prefix.lower()}{n}@faults.test",
                manager=org.manager,
                time_zone=org.zone,
                country="SE",
            )
            for n in range(count)
        ]
    )
    return list(Employee.objects.filter(external_id__startswith=prefix).order_by("external_id"))


def make_departures(org: Org, count: int, prefix: str) -> list[Departure]:
    hr = User.objects.get(username="hr")
    today = datetime.date.today()
    return [
        departure_actions.departure_start(
            employee=employee,
            kind="resignation",
            notice_date=today,
            last_working_day=today + datetime.timedelta(days=45),
            actor=hr,
        )
        for employee in make_employees(org, count, prefix)
    ]


def approve(run: Run, org: Org, departure_id: int) -> tuple[int, float]:
    return harness.call("POST", run.url(f"/api/v1/departures/{departure_id}/approve/"), token=org.hr_token, body=b"{}")


def epoch() -> datetime.datetime:
    return datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def import_csv(run: Run, org: Org, employees: list[Employee]) -> tuple[int, float]:
    today, last = datetime.date.today(), datetime.date.today() + datetime.timedelta(days=40)
    csv = "employee_external_id,kind,notice_date,last_working_day,reason\n" + "".join(
        f"{e.external_id},resignation,{today},{last},\n" for e in employees
    )
    url = run.url("/api/v1/departures/import/")
    return harness.call("POST", url, token=org.hr_token, body=csv.encode(), content_type="text/csv")


# --- counting


def tally(run: Run, ids: list[int]) -> dict:
    counts = run.smtp.counts()
    wanted = set(ids)
    delivered = sum(1 for pk in wanted if counts.get(pk))
    duplicates = sum(counts[pk] - 1 for pk in wanted if counts.get(pk, 0) > 1)
    failed = ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.FAILED).exclude(pk__in=counts).count()
    return {
        "due": len(wanted),
        "delivered": delivered,
        "duplicates": duplicates,
        "lost": len(wanted) - delivered - failed,
        "failed": failed,
    }


def drain(run: Run, ids: list[int], *, since: float, timeout: float) -> float | None:
    """Seconds from `since` until no row of `ids` is pending or sending (and SMTP has them all); None on timeout."""

    def done() -> bool:
        run.supervise()
        if ScheduledAction.objects.filter(pk__in=ids, status__in=OPEN).exists():
            return False
        counts = run.smtp.counts()
        sent = ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.SENT).values_list("id", flat=True)
        return all(counts.get(pk) for pk in sent)

    if harness.wait_for(done, timeout=timeout, interval=0.5):
        return round(time.monotonic() - since, 1)
    return None


def due_email_rows(groups: list[str], *, created_after: datetime.datetime) -> list[int]:
    return list(
        ScheduledAction.objects.filter(
            group__in=groups, channel=Channel.EMAIL, created_at__gte=created_after, due_at__lte=db_now()
        )
        .exclude(status=ActionStatus.CANCELLED)
        .values_list("id", flat=True)
    )


# --- the cases


def case_worker_killed(run: Run) -> dict:
    """1. kill -9 of the delivering worker mid-run, then a restart."""
    run.start("deliverer", "sweeper", "beat")
    ids = make_invites("kill", run.scale.invites)
    run.kick_sweep()
    harness.wait_for(lambda: sum(run.smtp.counts().values()) >= len(ids) // 3, timeout=120, interval=0.05)
    in_flight = ScheduledAction.objects.filter(
        pk__in=ids, status=ActionStatus.SENDING, attempt_started_at__isnull=False
    ).count()
    run.processes["deliverer"].kill9()
    sent_at_kill = sum(run.smtp.counts().values())
    restarted = time.monotonic()
    run.start("deliverer")
    seconds = drain(run, ids, since=restarted, timeout=300)
    result = {"sent_at_kill": sent_at_kill, "in_flight_at_kill": in_flight, **tally(run, ids)}
    result["seconds_to_drain"] = seconds
    result["ok"] = result["lost"] == 0 and result["duplicates"] <= in_flight and seconds is not None and seconds <= 180
    return result


def _broker_outage(run: Run, *, hang: bool) -> dict:
    run.start("web", "deliverer", "sweeper", "beat")
    org = make_org()
    count = max(run.scale.outage // 2, 4)
    departures = make_departures(org, count, "R")
    starting = make_employees(org, count, "S")
    importing = make_employees(org, run.scale.import_rows, "I") if hang else []
    baseline = None
    if hang:
        # The same import with the broker healthy: what the import costs by itself.
        status, baseline = import_csv(run, org, make_employees(org, run.scale.import_rows, "J"))
        assert status == 200, status
        # Its messages go out before the fault, so the case measures only what the fault delays.
        drain(
            run,
            due_email_rows([f"departure:{d.pk}" for d in Departure.objects.all()], created_after=epoch()),
            since=0,
            timeout=300,
        )
    began = datetime.datetime.now(datetime.UTC)
    (run.redis.hang if hang else run.redis.stop)()
    out_at = time.monotonic()
    latencies, statuses = [], []
    today, last = datetime.date.today(), datetime.date.today() + datetime.timedelta(days=45)
    for n, (departure, employee) in enumerate(zip(departures, starting, strict=True)):
        # HR starts one departure (its approval request is due now) and another is approved.
        body = {
            "employee": employee.pk,
            "kind": "resignation",
            "notice_date": str(today),
            "last_working_day": str(last),
        }
        for status, seconds in (
            harness.call("POST", run.url("/api/v1/departures/"), token=org.hr_token, body=json.dumps(body).encode()),
            approve(run, org, departure.pk),
        ):
            statuses.append(status)
            latencies.append(seconds)
        # Spread the requests over the outage.
        time.sleep(max(0.0, out_at + run.scale.outage * ((n + 1) / count) - time.monotonic()))
    extra = {}
    if hang:
        status, seconds = import_csv(run, org, importing)
        extra = {
            "import_rows": len(importing),
            "import_status": status,
            "import_seconds": round(seconds, 2),
            "import_seconds_broker_healthy": round(baseline, 2),
        }
    time.sleep(max(0.0, out_at + run.scale.outage - time.monotonic()))
    (run.redis.resume if hang else run.redis.start)()
    back = time.monotonic()
    groups = [f"departure:{d.pk}" for d in Departure.objects.all()]
    ids = due_email_rows(groups, created_after=began)
    seconds = drain(run, ids, since=back, timeout=240)
    result = {
        "requests": len(statuses),
        "request_statuses": sorted(set(statuses)),
        "slowest_request_seconds": round(max(latencies), 2),
        **extra,
        **tally(run, ids),
        "seconds_to_drain": seconds,
    }
    result["ok"] = (
        set(statuses) <= {200, 201}
        and max(latencies) <= 2
        # The hung broker costs the import one publish timeout, not one per row (that would be
        # minutes); the margin covers the import's own run-to-run spread on a busy machine.
        and (not hang or (extra["import_status"] == 200 and extra["import_seconds"] <= baseline + 10))
        and result["lost"] == 0
        and result["duplicates"] == 0
        and seconds is not None
        and seconds <= 120
    )
    return result


def case_redis_stopped(run: Run) -> dict:
    """2a. Redis stopped (and started again) while departures are approved through the API."""
    return _broker_outage(run, hang=False)


def case_redis_hung(run: Run) -> dict:
    """2b. Redis hung with SIGSTOP while departures are approved and a CSV is imported."""
    return _broker_outage(run, hang=True)


def case_smtp_451(run: Run) -> dict:
    """3. The SMTP server answers 451 to every third message."""
    run.smtp.refuse_every = 3
    run.start("deliverer", "sweeper", "beat")
    started = time.monotonic()
    ids = make_invites("451", run.scale.invites)
    run.kick_sweep()
    seconds = drain(run, ids, since=started, timeout=300)
    result = {"refused": run.smtp.refused, **tally(run, ids), "seconds_to_drain": seconds}
    failed = ScheduledAction.objects.filter(pk__in=ids, status=ActionStatus.FAILED)
    failed_with_error = failed.filter(last_error__contains="451")
    result["ok"] = (
        result["lost"] == 0
        and result["duplicates"] == 0
        and failed_with_error.count() == result["failed"]
        and seconds is not None
    )
    return result


def case_database_dropped(run: Run) -> dict:
    """4. Every database connection but the harness's terminated, twice a second, during delivery."""
    run.start("deliverer", "sweeper", "beat")
    started = time.monotonic()
    ids = make_invites("dbdrop", run.scale.invites)
    run.kick_sweep()
    harness.wait_for(lambda: sum(run.smtp.counts().values()) >= len(ids) // 10, timeout=60, interval=0.05)
    name = connection.settings_dict["NAME"]
    terminated = 0
    until = time.monotonic() + run.scale.db_kill_seconds
    while time.monotonic() < until:
        with connection.cursor() as cursor:
            cursor.execute(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                " where datname = %s and pid <> pg_backend_pid()",
                [name],
            )
            terminated += cursor.fetchone()[0]
        time.sleep(0.5)
    seconds = drain(run, ids, since=started, timeout=300)
    result = {"connections_terminated": terminated, **tally(run, ids), "seconds_to_drain": seconds}
    counts = run.smtp.counts()
    twice = [pk for pk in ids if counts.get(pk, 0) > 1]
    shown = ScheduledAction.objects.filter(pk__in=twice, attempts__gt=1).count()
    result["duplicates_shown_in_outbox"] = shown
    result["ok"] = result["lost"] == 0 and shown == len(twice) and seconds is not None
    return result


def case_clock_ahead(run: Run) -> dict:
    """5. A second worker with an embedded beat whose host clock runs 15 minutes ahead."""
    run.start("deliverer", "sweeper", "beat", "skewed")
    started = time.monotonic()
    ids = make_invites("clock", run.scale.invites)
    later = make_invites("clock-later", max(run.scale.invites // 10, 10), due_in=600)
    run.kick_sweep()
    seconds = drain(run, ids, since=started, timeout=300)
    # Give the skewed sweeper more chances at the rows due in ten minutes.
    time.sleep(run.scale.sweep + 5)
    counts = run.smtp.counts()
    early = sum(1 for pk in later if counts.get(pk))
    result = {**tally(run, ids), "seconds_to_drain": seconds, "sent_ten_minutes_early": early}
    result["ok"] = result["lost"] == 0 and result["duplicates"] == 0 and early == 0 and seconds is not None
    return result


def case_concurrent_approvals(run: Run) -> dict:
    """6. Many approvals of one departure at once, then one approval each of many departures at once."""
    run.start("web", "deliverer", "sweeper", "beat")
    org = make_org()
    [one] = make_departures(org, 1, "C")
    many = make_departures(org, run.scale.approvals_many, "D")
    began = datetime.datetime.now(datetime.UTC)
    with ThreadPoolExecutor(max_workers=run.scale.approvals_one) as pool:
        same = [s for s, _ in pool.map(lambda _: approve(run, org, one.pk), range(run.scale.approvals_one))]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(many)) as pool:
        different = [s for s, _ in pool.map(lambda d: approve(run, org, d.pk), many)]
    ids = due_email_rows([f"departure:{d.pk}" for d in [one, *many]], created_after=began)
    seconds = drain(run, ids, since=started, timeout=240)
    result = {
        "one_departure": {str(s): same.count(s) for s in sorted(set(same))},
        "many_departures": {str(s): different.count(s) for s in sorted(set(different))},
        **tally(run, ids),
        "seconds_to_drain": seconds,
    }
    result["ok"] = (
        same.count(200) == 1
        and same.count(409) == len(same) - 1
        and different.count(200) == len(many)
        and result["lost"] == 0
        and result["duplicates"] == 0
    )
    return result


def case_two_beats(run: Run) -> dict:
    """7. Two beat processes at once, while rows fall due over a stretch of time."""
    run.start("deliverer", "sweeper", "beat", "beat2")
    started = time.monotonic()
    ids = make_invites("beats", run.scale.invites, due_in=0, spread=run.scale.spread)
    seconds = drain(run, ids, since=started, timeout=run.scale.spread + 240)
    result = {**tally(run, ids), "seconds_to_drain": seconds}
    result["ok"] = result["lost"] == 0 and result["duplicates"] == 0 and seconds is not None
    return result


def case_fuzzed_api(run: Run) -> dict:
    """8. The API fuzzed from its OpenAPI schema with schemathesis (bounded examples): no 5xx."""
    st = shutil.which("st", path=str(harness.BIN)) or shutil.which("st")
    if st is None:
        return {"skipped": "schemathesis is not installed (pip install schemathesis)", "ok": None}
    run.start("web", "deliverer", "sweeper", "beat")
    org = make_org()
    make_departures(org, 3, "F")
    offset = harness.access_log_size()
    started = time.monotonic()
    argv = [st, "run", run.url("/api/v1/schema/"), "--url", run.url(""), "-H", f"Authorization: Token {org.hr_token}"]
    argv += ["--max-examples", str(run.scale.examples), "--checks", "not_a_server_error", "--workers", "2"]
    argv += ["--request-timeout", "20", "--generation-deterministic", "--no-color"]
    try:
        completed = subprocess.run(argv, cwd=harness.ROOT, capture_output=True, text=True, timeout=900)
        tail = completed.stdout.strip().splitlines()[-3:]
    except subprocess.TimeoutExpired:
        tail = ["stopped after 900 s"]
    errors, requests = harness.server_errors_since(offset)
    return {
        "requests": requests,
        "server_errors": errors,
        "seconds": round(time.monotonic() - started, 1),
        "schemathesis": " / ".join(tail),
        "ok": errors == 0 and requests > 0,
    }


CASES = {
    "worker_killed": case_worker_killed,
    "redis_stopped": case_redis_stopped,
    "redis_hung": case_redis_hung,
    "smtp_451": case_smtp_451,
    "database_dropped": case_database_dropped,
    "clock_ahead": case_clock_ahead,
    "concurrent_approvals": case_concurrent_approvals,
    "two_beats": case_two_beats,
    "fuzzed_api": case_fuzzed_api,
}
