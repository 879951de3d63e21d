"""Bulk departure start (a reorganisation lets many people go at once): validate rows, start the valid ones.

Every row is checked before anything is written; the valid ones are then created in one
transaction with a constant number of statements (bulk inserts of departures, their audit rows,
their workflows, steps and reminders, and their outbox rows), split only by batch sizes. A bad
row is reported and never leaves a half-made departure.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import errors
from offboarding.actions import checklist
from offboarding.models import (
    OPEN_STATES,
    Departure,
    DepartureHistory,
    DepartureKind,
    DepartureState,
    Employee,
    ReasonCategory,
)
from offboarding.notifications import departures as departure_notices
from offboarding.notifications import outbound
from offboarding.transitions import _actor_label
from workflows.outbox import services as outbox

BATCH_SIZE = 500


@dataclasses.dataclass
class ImportRow:
    """One input row as text, with the line it came from (for the report)."""

    line: int
    employee_external_id: str
    kind: str
    notice_date: str
    last_working_day: str
    reason: str = ""
    # Set by a reader that could not split the row (e.g. a wrong number of CSV columns).
    problem: str = ""


@dataclasses.dataclass
class RowError:
    line: int
    employee_external_id: str
    reason: str


@dataclasses.dataclass
class ImportReport:
    rows: int = 0
    created: list[Departure] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "failed": len(self.errors),
            "departures": [d.pk for d in self.created],
            "errors": [dataclasses.asdict(e) for e in self.errors],
        }


def _parse_date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _row_problems(row: ImportRow) -> tuple[list[str], datetime.date | None, datetime.date | None]:
    if row.problem:
        return [row.problem], None, None
    problems = []
    if not row.employee_external_id.strip():
        problems.append("employee_external_id is empty")
    if row.kind.strip() not in DepartureKind.values:
        problems.append(f"kind {row.kind!r} is not one of {', '.join(DepartureKind.values)}")
    notice = _parse_date(row.notice_date)
    last_day = _parse_date(row.last_working_day)
    if notice is None:
        problems.append(f"notice_date {row.notice_date!r} is not an ISO date (YYYY-MM-DD)")
    if last_day is None:
        problems.append(f"last_working_day {row.last_working_day!r} is not an ISO date (YYYY-MM-DD)")
    if notice and last_day and last_day < notice:
        problems.append("last_working_day is before notice_date")
    if row.reason.strip() and row.reason.strip() not in ReasonCategory.values:
        problems.append(f"reason {row.reason!r} is not one of {', '.join(ReasonCategory.values)}")
    return problems, notice, last_day


def departures_import(
    *,
    rows: list[ImportRow],
    actor=None,
    note: str = "Bulk import",
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then start the departures of the valid ones in bulk.

    Without `chunk_size` all valid rows go in one transaction; with it (the command line, for a
    progress bar), in transactions of that many rows. `on_progress(count)` hears how many rows were
    dealt with: the rejected ones after validation, then each chunk once it is committed.

    A row fails for: an unknown employee, a kind or reason outside the managed lists, dates that
    are not ISO or a last working day before the notice date, the same employee twice in the input
    (every occurrence fails, since the intended row is unclear), or an employee who already has an
    open departure. Raises Conflict (409, nothing written) if another departure for one of these
    employees is started concurrently.
    """
    report = ImportReport(rows=len(rows))
    ids = [row.employee_external_id.strip() for row in rows]
    counts: dict[str, int] = {}
    for external_id in ids:
        counts[external_id] = counts.get(external_id, 0) + 1
    employees = {
        e.external_id: e
        for e in Employee.objects.filter(external_id__in=[i for i in set(ids) if i]).select_related("manager")
    }
    busy = set(
        Departure.objects.filter(employee__in=list(employees.values()), state__in=OPEN_STATES).values_list(
            "employee_id", flat=True
        )
    )
    valid: list[Departure] = []
    for row, external_id in zip(rows, ids, strict=True):
        problems, notice, last_day = _row_problems(row)
        if row.problem:
            report.errors.append(RowError(line=row.line, employee_external_id=external_id, reason=row.problem))
            continue
        employee = employees.get(external_id)
        if external_id and employee is None:
            problems.insert(0, f"no employee with external id {external_id!r}")
        if external_id and counts[external_id] > 1:
            problems.append("the same employee appears on more than one row")
        if employee is not None and employee.pk in busy:
            problems.append("this employee already has an open departure")
        if problems:
            report.errors.append(RowError(line=row.line, employee_external_id=external_id, reason="; ".join(problems)))
            continue
        valid.append(
            Departure(
                employee=employee,
                kind=row.kind.strip(),
                notice_date=notice,
                last_working_day=last_day,
                reason=row.reason.strip(),
                state=DepartureState.NOTICE,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    if on_progress is not None and report.errors:
        on_progress(len(report.errors))  # rows dealt with: the rejected ones are done
    size = chunk_size or max(len(valid), 1)
    for start in range(0, len(valid), size):
        chunk = valid[start : start + size]
        report.created += _departures_create_bulk(departures=chunk, actor=actor, note=note)
        if on_progress is not None:
            on_progress(len(chunk))
    return report


def _departures_create_bulk(*, departures: list[Departure], actor, note: str) -> list[Departure]:
    with transaction.atomic():
        try:
            with transaction.atomic():
                Departure.objects.bulk_create(departures, batch_size=BATCH_SIZE)
        except IntegrityError as exc:  # the one-open-departure index, under a concurrent start
            raise errors.Conflict(
                "A departure for one of these employees was started meanwhile; this batch was not imported. Try again.",
                code=errors.ErrorCode.DEPARTURE_EXISTS,
            ) from exc
        label = _actor_label(actor)
        DepartureHistory.objects.bulk_create(
            [
                DepartureHistory(
                    departure=d,
                    transition="start",
                    from_state="",
                    to_state=d.state,
                    actor=d.created_by,
                    actor_label=label,
                    note=note,
                )
                for d in departures
            ],
            batch_size=BATCH_SIZE,
        )
        checklist.departure_checklist_start_bulk(departures=departures, actor=actor)
        _messages_started(departures)
        outbound.departures_outbound_started_bulk(departures=departures)
    return departures


def _messages_started(departures: list[Departure]) -> None:
    """The managers' approval requests, their reminders and the escalation to HR, in one insert.

    The rows come from offboarding.departure_notices.approval_actions_build, the same builder the
    one-at-a-time path uses; here the managers' logins and the HR group are read once for all rows.
    """
    managers = {
        e.pk: e
        for e in Employee.objects.filter(
            pk__in={d.employee.manager_id for d in departures if d.employee.manager_id}
        ).select_related("user")
    }
    # Asked once, for nobody's departure; the builder leaves each leaver out of their own escalation.
    hr_people = departure_notices.hr_recipients(departure=Departure(employee_id=None))
    now = timezone.now()
    actions = []
    for departure in departures:
        manager = managers.get(departure.employee.manager_id)
        if manager is not None:
            departure.employee.manager = manager  # so the builder reads it without a query
        actions.extend(departure_notices.approval_actions_build(departure=departure, now=now, hr_people=hr_people))
    if actions:
        outbox.actions_schedule_bulk(actions)
