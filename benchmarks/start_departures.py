"""Figure 1: starting N departures with `import_departures` against a plain COPY of the departures,
workflows and steps that import wrote (the least any start could write), plus rows per departure.

Sizes: N = 10,000 × BENCH_SCALE. Target: ≤ 3x; ≤ 20 outbox rows per departure.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection, transaction

from benchmarks._harness import analyze, figure, size, timed, truncate
from core import roles
from offboarding.models import Employee

COPIED = ("workflows_workflow", "offboarding_departure", "workflows_step")


def _people(n: int) -> None:
    """N leavers under managers with logins (ten each), and one member in each assignee group."""
    for name in (roles.HR, roles.IT, roles.FACILITIES, roles.PAYROLL):
        user = User.objects.create(username=f"bench-{name}", email=f"bench-{name}@example.com")
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    managers = []
    for i in range(max(1, n // 10)):
        user = User.objects.create(username=f"bench-manager-{i}", email=f"manager{i}@example.com")
        managers.append(Employee(external_id=f"M{i}", name=f"Manager {i}", email=f"manager{i}@example.com", user=user))
    Employee.objects.bulk_create(managers, batch_size=2000)
    Employee.objects.bulk_create(
        (
            Employee(external_id=f"L{i}", name=f"Leaver {i}", email=f"leaver{i}@example.com", manager=managers[i // 10])
            for i in range(n)
        ),
        batch_size=2000,
    )


def _csv(n: int, folder: Path) -> Path:
    path = folder / "departures.csv"
    lines = ["employee_external_id,kind,notice_date,last_working_day,reason"]
    lines += [f"L{i},resignation,2031-03-03,2031-04-30,career" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _dump() -> dict[str, bytes]:
    dumped = {}
    with connection.cursor() as cursor:
        for table in COPIED:
            buffer = io.BytesIO()
            with cursor.cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                for block in copy:
                    buffer.write(block)
            dumped[table] = buffer.getvalue()
    return dumped


def _load(dumped: dict[str, bytes]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for table in COPIED:
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(dumped[table])


def run() -> list[str]:
    n = size(10_000)
    _people(n)
    analyze()
    before = _counts()
    written: list[str] = []

    def reset() -> None:
        if written:
            truncate(*(f'"{t}"' for t in written))

    with tempfile.TemporaryDirectory() as folder:
        path = _csv(n, Path(folder))

        def start() -> None:
            call_command("import_departures", str(path), "--no-progress", stdout=io.StringIO())
            if not written:
                written.extend(t for t, c in _counts().items() if c != before[t])

        product = timed(start, before=reset)
    after = _counts()
    per_departure = {t: round((after[t] - before[t]) / n, 2) for t in written}
    dumped = _dump()
    truncate(*(f'"{t}"' for t in written))
    baseline = timed(lambda: _load(dumped), before=lambda: truncate(*(f'"{t}"' for t in COPIED)))
    truncate(*(f'"{t}"' for t in written))
    outbox_rows = per_departure.get("outbox_scheduledaction", 0)
    return [
        figure(
            "start_departures",
            unit="s",
            product=(f"import_departures of {n:,} departures (CSV)", product),
            baseline=(f"COPY of the same departures, workflows and steps ({', '.join(COPIED)})", baseline),
            target="<= 3x",
            higher_is_better=False,
            n=n,
        ),
        json.dumps(
            {
                "figure": "rows_per_departure",
                "n": n,
                "tables": per_departure,
                "outbox_rows_per_departure": outbox_rows,
                "target": "outbox <= 20",
                "met": outbox_rows <= 20,
            }
        ),
    ]
