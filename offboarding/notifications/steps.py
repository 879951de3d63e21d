"""Step reminders: planned for each assignee of a step, rendered at delivery while the step is open."""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.email import render_message
from offboarding.models import Departure, Employee
from offboarding.steps import GROUP_ROLES
from workflows import engine, hooks
from workflows import services as workflow_services
from workflows.models import AssigneeRole, Step, StepState
from workflows.outbox.models import ActionKind, ScheduledAction
from workflows.outbox.registry import renderer
from workflows.outbox.timing import DEFAULT_COUNTRY, DEFAULT_WORK_ENDS, DEFAULT_WORK_STARTS, next_working_moment

REMINDER_HANDLER = "step_reminder"


def _recipients(steps: list[Step]) -> dict[int, list[dict]]:
    """Per step id: the people to remind, each {email, time_zone, country, starts, ends}.

    manager → the employee's direct manager; employee → their work email; hr/it/facilities/payroll
    → the users of that group (their own working hours when they have an employee record, else the
    installation's default hours, workflows.outbox.timing). Three queries however many steps.
    """

    def departure_id(step: Step) -> int:
        # The subject, not Departure.workflow: while a checklist starts, that link is not saved yet.
        return int(step.workflow.subject.split(":", 1)[1])

    departures = Departure.objects.select_related("employee", "employee__manager").in_bulk(
        {departure_id(s) for s in steps}
    )
    wanted_groups = {GROUP_ROLES[s.assignee_role] for s in steps if s.assignee_role in GROUP_ROLES}
    members: dict[str, list[dict]] = defaultdict(list)
    if wanted_groups:
        rows = (
            get_user_model()
            .objects.filter(groups__name__in=wanted_groups, is_active=True)
            .exclude(email="")
            .values(
                "email",
                "groups__name",
                "employee__time_zone",
                "employee__country",
                "employee__work_starts",
                "employee__work_ends",
            )
        )
        for row in rows:
            members[row["groups__name"]].append(row)
    result: dict[int, list[dict]] = {}
    for step in steps:
        departure = departures.get(departure_id(step))
        if departure is None:
            result[step.pk] = []
            continue
        leaver = departure.employee
        people: list[dict] = []
        if step.assignee_role == AssigneeRole.EMPLOYEE:
            people.append(_person(leaver.email, leaver))
        elif step.assignee_role == AssigneeRole.MANAGER:
            if leaver.manager is not None:
                people.append(_person(leaver.manager.email, leaver.manager))
        else:
            for row in members.get(GROUP_ROLES[step.assignee_role], []):
                if row["email"].lower() == leaver.email.lower():
                    continue  # the leaver is never reminded of their own HR/IT steps
                people.append(
                    {
                        "email": row["email"],
                        # No employee record: the one default for such people (workflows.outbox.timing).
                        "time_zone": row["employee__time_zone"] or settings.TIME_ZONE,
                        "country": row["employee__country"] or DEFAULT_COUNTRY,
                        "starts": row["employee__work_starts"] or DEFAULT_WORK_STARTS,
                        "ends": row["employee__work_ends"] or DEFAULT_WORK_ENDS,
                    }
                )
        result[step.pk] = people
    return result


def _person(email: str, employee) -> dict:
    return {
        "email": email,
        "time_zone": employee.time_zone,
        "country": employee.country,
        "starts": employee.work_starts,
        "ends": employee.work_ends,
    }


@hooks.reminder_planner("departure")
def plan_step_reminders(*, steps: list[Step]) -> list[ScheduledAction]:
    """Reminders two business days before the due date, on it, and each business day while overdue
    (bounded), at the start of the recipient's working hours in their time zone. Keys hold the
    step, the reminder round, the due date and the recipient, so a moved date never collides."""
    now = timezone.now()
    recipients = _recipients(steps)
    actions = []
    for step in steps:
        for person in recipients.get(step.pk, []):
            tz = zoneinfo.ZoneInfo(person["time_zone"])
            digest = hashlib.sha256(person["email"].lower().encode()).hexdigest()[:16]
            for label, day in engine.reminder_days(step.due_date, step.workflow.country):
                at = datetime.datetime.combine(day, person["starts"], tzinfo=tz)
                at = next_working_moment(
                    at,
                    time_zone=person["time_zone"],
                    country=person["country"],
                    starts=person["starts"],
                    ends=person["ends"],
                )
                if at < now:
                    continue
                actions.append(
                    ScheduledAction(
                        kind=ActionKind.REMINDER,
                        handler=REMINDER_HANDLER,
                        recipient=person["email"],
                        due_at=at,
                        idempotency_key=(
                            f"{workflow_services.step_reminder_key_prefix(step)}r{step.reminder_round}:"
                            f"{step.due_date.isoformat()}:{label}:{digest}"
                        ),
                        group=workflow_services.step_reminder_group(step),
                        payload={"step": step.pk, "due_date": step.due_date.isoformat(), "label": label},
                    )
                )
    return actions


@renderer(REMINDER_HANDLER)
def render_step_reminder(action):
    """The reminder email, or None when it does not apply now (step not ready, date moved, departure closed)."""
    step = Step.objects.select_related("workflow").filter(pk=action.payload.get("step")).first()
    # Only a ready step is worth a reminder: a pending one waits for someone else (whose own reminders
    # run), a finished one is done. The later daily reminders still go out once it becomes ready.
    if step is None or step.state != StepState.READY or step.workflow.cancelled_at is not None:
        return None
    if step.due_date is None or step.due_date.isoformat() != action.payload.get("due_date"):
        return None
    departure = Departure.objects.select_related("employee").filter(workflow_id=step.workflow_id).first()
    if departure is None or not departure.is_open:
        return None
    recipient = Employee.objects.filter(email__iexact=action.recipient).only("language").first()
    language = recipient.language if recipient else "en"
    label = action.payload.get("label", "due")
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
    return render_message(template="step_reminder", context=context, language=language, to=[action.recipient])
