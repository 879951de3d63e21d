"""Step reminders, computed rather than pre-written: each open step holds only its next reminder.

One outbox row per step and assignee: the employee or the manager by address, a group (HR, IT,
facilities, payroll) as "group:<name>", whose members are looked up when the reminder is sent
and get one message together. A group's reminder is due when the earliest member's working day
starts. Sending (or finding the step still waiting) schedules the reminder after it; finishing the
step cancels it, a date change or a reopening replaces it with the first one of the new plan.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import zoneinfo
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.email import render_message
from offboarding.models import Departure, Employee
from offboarding.steps import GROUP_ROLES
from workflows import engine, hooks
from workflows import services as workflow_services
from workflows.models import AssigneeRole, Step, StepState
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind
from workflows.outbox.registry import renderer
from workflows.outbox.timing import DEFAULT_COUNTRY, DEFAULT_WORK_ENDS, DEFAULT_WORK_STARTS, next_working_moment

REMINDER_HANDLER = "step_reminder"
GROUP_PREFIX = "group:"


@dataclasses.dataclass
class _Target:
    """Who one step's reminders go to: an address, or a group resolved when sending."""

    recipient: str
    # The people whose working hours decide when (for a group: every current member).
    people: list[dict]
    # What a bulk start asks again for each of its thousands of steps: answered once per target.
    _firsts: dict = dataclasses.field(default_factory=dict, repr=False)
    _digest: str = dataclasses.field(default="", repr=False)

    def moment(self, day: datetime.date) -> datetime.datetime:
        return min(_moment(day, person) for person in self.people)

    @property
    def digest(self) -> str:
        if not self._digest:
            self._digest = hashlib.sha256(self.recipient.lower().encode()).hexdigest()[:16]
        return self._digest

    def first_reminder(self, due_date, country: str, now: datetime.datetime, after: str | None):
        """(label, moment) of the first reminder of the plan for this due date not in the past."""
        asked = (due_date, country, now, after)
        if asked not in self._firsts:
            self._firsts[asked] = _first_reminder(self, due_date, country, now, after)
        return self._firsts[asked]


def _first_reminder(target: _Target, due_date, country: str, now: datetime.datetime, after: str | None):
    days = engine.reminder_days(due_date, country)
    if after is not None:
        labels = [label for label, _ in days]
        days = days[labels.index(after) + 1 :] if after in labels else []
    for label, day in days:
        at = target.moment(day)
        if at >= now:
            return label, at
    return None


def _moment(day: datetime.date, person: dict) -> datetime.datetime:
    return _working_start(day, person["time_zone"], person["country"], person["starts"], person["ends"])


@functools.lru_cache(maxsize=16384)
def _working_start(day, time_zone, country, starts, ends) -> datetime.datetime:
    """The start of the working day on `day` (or the next working moment): the same few answers
    for thousands of steps started together, so computed once each."""
    at = datetime.datetime.combine(day, starts, tzinfo=zoneinfo.ZoneInfo(time_zone))
    return next_working_moment(at, time_zone=time_zone, country=country, starts=starts, ends=ends)


def _departure_id(step: Step) -> int:
    # The subject, not Departure.workflow: while a checklist starts, that link is not saved yet.
    return int(step.workflow.subject.split(":", 1)[1])


def _group_members(groups: set[str], *, with_language: bool = False) -> dict[str, list[dict]]:
    """Active members with an address, per group name, with their working hours: one query."""
    members: dict[str, list[dict]] = defaultdict(list)
    if not groups:
        return members
    fields = [
        "email",
        "groups__name",
        "employee__time_zone",
        "employee__country",
        "employee__work_starts",
        "employee__work_ends",
    ]
    if with_language:
        fields.append("employee__language")
    rows = (
        get_user_model()
        .objects.filter(groups__name__in=groups, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values(*fields)
    )
    for row in rows:
        members[row["groups__name"]].append(
            {
                "email": row["email"],
                # No employee record: the one default for such people (workflows.outbox.timing).
                "time_zone": row["employee__time_zone"] or settings.TIME_ZONE,
                "country": row["employee__country"] or DEFAULT_COUNTRY,
                "starts": row["employee__work_starts"] or DEFAULT_WORK_STARTS,
                "ends": row["employee__work_ends"] or DEFAULT_WORK_ENDS,
                "language": row.get("employee__language") or "en",
            }
        )
    return members


_PERSON_FIELDS = ("email", "time_zone", "country", "work_starts", "work_ends", "language")


def _targets(steps: list[Step]) -> dict[int, list[_Target]]:
    """Per step id: whom to remind. manager → the employee's direct manager; employee → their work
    email; a group role → that group (never counting the leaver). Two queries however many steps,
    reading values rather than model instances (a reorganisation plans for thousands at once)."""
    columns = ["pk", *(f"employee__{f}" for f in _PERSON_FIELDS), "employee__manager_id"]
    columns += [f"employee__manager__{f}" for f in _PERSON_FIELDS]
    width = len(_PERSON_FIELDS)
    people: dict[int, tuple[_Target, _Target | None]] = {}
    by_person: dict[tuple, _Target] = {}

    def target_of(values: tuple) -> _Target:
        # One target per distinct person, so its answers are shared by every step it is asked for.
        if values not in by_person:
            person = dict(zip(("email", "time_zone", "country", "starts", "ends", "language"), values, strict=True))
            by_person[values] = _Target(person["email"], [person])
        return by_person[values]

    for row in Departure.objects.filter(pk__in={_departure_id(s) for s in steps}).values_list(*columns):
        leaver = target_of(row[1 : 1 + width])
        manager = target_of(row[2 + width :]) if row[1 + width] is not None else None
        people[row[0]] = (leaver, manager)
    members = _group_members({GROUP_ROLES[s.assignee_role] for s in steps if s.assignee_role in GROUP_ROLES})
    groups: dict[tuple[str, str], _Target | None] = {}
    result: dict[int, list[_Target]] = {}
    for step in steps:
        found = people.get(_departure_id(step))
        targets: list[_Target] = []
        if found is not None:
            leaver, manager = found
            if step.assignee_role == AssigneeRole.EMPLOYEE:
                targets.append(leaver)
            elif step.assignee_role == AssigneeRole.MANAGER:
                if manager is not None:
                    targets.append(manager)
            elif step.assignee_role in GROUP_ROLES:
                group = GROUP_ROLES[step.assignee_role]
                key = (group, leaver.recipient.lower())
                if key not in groups:
                    # The leaver is never reminded of their own HR/IT steps.
                    others = [p for p in members.get(group, []) if p["email"].lower() != key[1]]
                    groups[key] = _Target(f"{GROUP_PREFIX}{group}", others) if others else None
                if groups[key] is not None:
                    targets.append(groups[key])
        result[step.pk] = targets
    return result


def _person(employee: Employee) -> dict:
    return {
        "email": employee.email,
        "time_zone": employee.time_zone,
        "country": employee.country,
        "starts": employee.work_starts,
        "ends": employee.work_ends,
        "language": employee.language,
    }


def _next_reminder(step: Step, target: _Target, *, now: datetime.datetime, after: str | None = None):
    """The first reminder of the step's plan (after the label `after`) not yet in the past, or None.

    The plan is engine.reminder_days: two business days before the due date, on it, and each
    business day while overdue (bounded), at the start of the working day. Keys hold the step, the
    reminder round, the due date, the label and the recipient, so a moved date never collides.
    """
    first = target.first_reminder(step.due_date, step.workflow.country, now, after)
    if first is None:
        return None
    label, at = first
    due_date = step.due_date.isoformat()
    return outbox.PlannedAction(
        kind=ActionKind.REMINDER,
        handler=REMINDER_HANDLER,
        recipient=target.recipient,
        due_at=at,
        idempotency_key=(
            f"{workflow_services.step_reminder_key_prefix(step)}r{step.reminder_round}:"
            f"{due_date}:{label}:{target.digest}"
        ),
        group=workflow_services.step_reminder_group(step),
        payload={"step": step.pk, "due_date": due_date, "label": label},
    )


@hooks.reminder_planner("departure")
def plan_step_reminders(*, steps: list[Step]) -> list[outbox.PlannedAction]:
    """The next reminder of each step and assignee (one row each); the rest follow as they are sent."""
    now = timezone.now()
    targets = _targets(steps)
    actions = []
    for step in steps:
        for target in targets.get(step.pk, []):
            action = _next_reminder(step, target, now=now)
            if action is not None:
                actions.append(action)
    return actions


@renderer(REMINDER_HANDLER)
def render_step_reminder(action):
    """The reminder email, or None when it does not apply now (step not ready, date moved, departure
    closed). While the step is open on the same date, the next reminder is scheduled first."""
    step = Step.objects.select_related("workflow").filter(pk=action.payload.get("step")).first()
    if step is None or not step.is_open or step.state == StepState.REJECTED or step.workflow.cancelled_at is not None:
        return None
    if step.due_date is None or step.due_date.isoformat() != action.payload.get("due_date"):
        return None
    departure = (
        Departure.objects.select_related("employee", "employee__manager").filter(workflow_id=step.workflow_id).first()
    )
    if departure is None or not departure.is_open:
        return None
    label = action.payload.get("label", "due")
    people = _people_now(action.recipient, departure)
    if people:
        following = _next_reminder(step, _Target(action.recipient, people), now=timezone.now(), after=label)
        if following is not None:
            outbox.actions_schedule_bulk([following])
    # Only a ready step is worth a reminder: a pending one waits for someone else (whose own reminders
    # run), a finished one is done. The later daily reminders still go out once it becomes ready.
    if step.state != StepState.READY or not people:
        return None
    languages = Counter(p["language"] for p in people)
    language = languages.most_common(1)[0][0] if len(languages) == 1 else settings.LANGUAGE_CODE.split("-")[0]
    context = {
        "step_title": step.title,
        "step_description": step.description,
        "due_date": step.due_date,
        "label": "overdue" if label.startswith("overdue") else label,
        "for_employee": step.assignee_role == AssigneeRole.EMPLOYEE,
        "employee_name": departure.employee.name,
        "last_working_day": departure.last_working_day,
        "steps_url": "/",  # each person lands on their own steps
    }
    return render_message(template="step_reminder", context=context, language=language, to=[p["email"] for p in people])


def _people_now(recipient: str, departure: Departure) -> list[dict]:
    """The people a reminder row addresses, as they are now: a group's current members (not the
    leaver), or the one addressee with their working hours when they have an employee record."""
    if recipient.startswith(GROUP_PREFIX):
        members = _group_members({recipient[len(GROUP_PREFIX) :]}, with_language=True)
        leaver = departure.employee.email.lower()
        return [p for p in members.get(recipient[len(GROUP_PREFIX) :], []) if p["email"].lower() != leaver]
    for employee in (departure.employee, departure.employee.manager):
        if employee is not None and employee.email.lower() == recipient.lower():
            return [_person(employee)]
    employee = Employee.objects.filter(email__iexact=recipient).first()
    if employee is not None:
        return [_person(employee)]
    return [{**_default_person(), "email": recipient}]


def _default_person() -> dict:
    return {
        "time_zone": settings.TIME_ZONE,
        "country": DEFAULT_COUNTRY,
        "starts": DEFAULT_WORK_STARTS,
        "ends": DEFAULT_WORK_ENDS,
        "language": "en",
    }
