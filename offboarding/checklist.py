"""The departure's checklist: the glue between departures and the generic workflow engine.

Starting, moving and stopping a departure's workflow; who sees and may act on which step; the
step reminders (planner and renderer) addressed to each assignee role's people.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import zoneinfo
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_fsm import can_proceed

from core import errors, roles
from offboarding import access
from workflows import engine, hooks
from workflows import services as workflow_services
from workflows.models import AssigneeRole, Step, StepState, Workflow
from workflows.outbox.models import ActionKind, ScheduledAction
from workflows.outbox.registry import renderer
from workflows.outbox.timing import next_working_moment
from workflows.selectors import TemplateChooser

logger = logging.getLogger(__name__)

STEP_ACTIONS = ("complete", "skip", "approve", "reject")
GROUP_ROLES = {
    AssigneeRole.HR: roles.HR,
    AssigneeRole.IT: roles.IT,
    AssigneeRole.FACILITIES: roles.FACILITIES,
    AssigneeRole.PAYROLL: roles.PAYROLL,
}
REMINDER_HANDLER = "step_reminder"


def _subject(departure) -> str:
    return f"departure:{departure.pk}"


def _anchors(departure) -> dict:
    return {"notice_date": departure.notice_date, "last_working_day": departure.last_working_day}


# --- starting, moving, stopping


def departure_checklist_start(*, departure, actor=None) -> None:
    """Start the workflow of this departure's kind (template version pinned).

    The most specific active template wins: kind + country + department, then kind + country,
    then kind + department, then kind alone. Without any template for the kind, no checklist starts.
    """
    departure_checklist_start_bulk(departures=[departure], actor=actor)


def departure_checklist_start_bulk(*, departures, actor=None) -> list[Workflow]:
    """Start the checklists of many departures with a constant number of queries (pass departures
    with their employee loaded). Departures that already have a workflow are left alone."""
    departures = [d for d in departures if d.workflow_id is None]
    if not departures:
        return []
    chooser = TemplateChooser()
    starts, chosen = [], []
    for departure in departures:
        employee = departure.employee
        version = chooser.version_for(kind=departure.kind, country=employee.country, department=employee.department)
        if version is None:
            logger.warning(
                "No checklist template for departure kind %s; departure %s has no checklist.",
                departure.kind,
                departure.pk,
            )
            continue
        starts.append(
            workflow_services.WorkflowStart(
                template_version=version,
                anchors=_anchors(departure),
                country=employee.country,
                time_zone=employee.time_zone,
                subject=_subject(departure),
            )
        )
        chosen.append(departure)
    with transaction.atomic():
        workflows = workflow_services.workflows_start_bulk(starts=starts, actor=actor)
        for departure, workflow in zip(chosen, workflows, strict=True):
            departure.workflow = workflow
        if chosen:
            from offboarding.models import Departure

            Departure.objects.bulk_update(chosen, ["workflow"])
    return workflows


def departure_checklist_last_day_changed(*, departure, actor=None) -> None:
    """Recompute open steps' due dates and move their reminders; a rejected approval reopens,
    since the plan it judged has changed. Finished steps keep their dates and history."""
    if departure.workflow_id is None:
        return
    workflow = Workflow.objects.get(pk=departure.workflow_id)
    with transaction.atomic():
        workflow_services.workflow_anchors_change(workflow=workflow, anchors=_anchors(departure), actor=actor)
        workflow_services.step_reopen_rejected(workflow=workflow, actor=actor, note="The departure plan changed.")


def departure_checklist_cancel(*, departure, actor=None) -> None:
    """Stop open steps (cancelled departure): they are skipped and their reminders cancelled."""
    if departure.workflow_id is None:
        return
    workflow = Workflow.objects.get(pk=departure.workflow_id)
    workflow_services.workflow_cancel(workflow=workflow, actor=actor, note="The departure was cancelled.")


def departure_checklist_approved(*, departure, actor=None) -> None:
    """The departure was approved outside the approval step: close that step as approved."""
    if departure.workflow_id is None:
        return
    workflow = Workflow.objects.get(pk=departure.workflow_id)
    workflow_services.step_settle_approved(workflow=workflow, actor=actor, note="Departure approved directly.")


# --- who sees which step, who may act


def step_list(*, user, mine: bool = False, filters: dict | None = None) -> QuerySet[Step]:
    """Steps this user may see. HR: all. IT, facilities, payroll: their role's steps. A manager: the
    steps of departures in their reporting line. The employee: their own steps. With mine=True,
    only the steps assigned to the caller: their groups' roles, the manager steps of their direct
    reports' departures, and the employee steps of their own departure."""
    qs = Step.objects.filter(workflow__departure__isnull=False).select_related(
        "workflow__departure__employee", "workflow"
    )
    me = roles.employee_of(user)
    group_roles = [role for role, group in GROUP_ROLES.items() if group in roles.group_names(user)]
    if roles.is_hr_user(user) and AssigneeRole.HR not in group_roles:
        group_roles.append(AssigneeRole.HR)
    own = Q(workflow__departure__employee_id=me.pk, assignee_role=AssigneeRole.EMPLOYEE) if me else Q(pk__in=[])
    if mine:
        visible = Q(assignee_role__in=group_roles) | own
        if me is not None:
            visible |= Q(assignee_role=AssigneeRole.MANAGER, workflow__departure__employee__manager_id=me.pk)
        # Never your own departure's steps other than your own (HR leaving does not run their own checklist).
        if me is not None:
            visible &= ~Q(workflow__departure__employee_id=me.pk) | Q(assignee_role=AssigneeRole.EMPLOYEE)
    elif roles.is_hr_user(user):
        visible = Q()
        if me is not None:
            visible = ~Q(workflow__departure__employee_id=me.pk) | Q(assignee_role=AssigneeRole.EMPLOYEE)
    else:
        visible = Q(assignee_role__in=group_roles) | own
        managed = access.managed_employee_ids(user)
        if managed:
            visible |= Q(workflow__departure__employee_id__in=managed)
        if me is not None:
            visible &= ~Q(workflow__departure__employee_id=me.pk) | Q(assignee_role=AssigneeRole.EMPLOYEE)
    qs = qs.filter(visible)
    filters = filters or {}
    if filters.get("state"):
        qs = qs.filter(state__in=filters["state"])
    if filters.get("assignee_role"):
        qs = qs.filter(assignee_role__in=filters["assignee_role"])
    if filters.get("departure"):
        qs = qs.filter(workflow__departure__id=filters["departure"])
    if filters.get("due_before"):
        qs = qs.filter(due_date__lte=filters["due_before"])
    return qs.order_by("due_date", "workflow_id", "position", "id")


def step_get(*, user, pk: int) -> Step:
    """One step within the caller's scope; outside it the step does not exist (404)."""
    try:
        return step_list(user=user).get(pk=pk)
    except Step.DoesNotExist:
        raise errors.NotFound("No step with this id.") from None


def _is_assignee(step: Step, departure, user) -> bool:
    role = step.assignee_role
    if role == AssigneeRole.EMPLOYEE:
        return access.is_subject(departure, user)
    if access.is_subject(departure, user):
        return False
    if role == AssigneeRole.MANAGER:
        return access.is_manager_of(departure.employee, user)
    if role == AssigneeRole.HR:
        return roles.is_hr_user(user)
    return GROUP_ROLES[role] in roles.group_names(user)


def step_permitted(*, step: Step, user, action: str) -> bool:
    """May this user ever run this action on this step (whatever its state)? The assignee may act;
    HR may act on any step but its own departure's, and only HR skips a required step."""
    departure = step.workflow.departure
    hr = access.is_hr(departure, user)
    if not (hr or _is_assignee(step, departure, user)):
        return False
    if action == "skip" and step.required:
        return hr
    return True


def step_available_actions(*, step: Step, user) -> list[str]:
    """The actions this user may run on this step now."""
    names = []
    for name in STEP_ACTIONS:
        if can_proceed(getattr(step, name)) and step.workflow.cancelled_at is None:
            if step_permitted(step=step, user=user, action=name):
                names.append(name)
    return names


def step_act(*, step: Step, action: str, actor, note: str = "") -> Step:
    """Run a step action for the API: complete, skip, approve or reject.

    Approving the step that approves the departure also approves the departure (409 when the
    departure can no longer be approved, 403 when the actor may not). A rejection needs a note.
    """
    if action not in STEP_ACTIONS:
        raise errors.NotFound(f"There is no step action called {action!r}.")
    if not step_permitted(step=step, user=actor, action=action):
        if action == "skip" and step.required:
            raise errors.PermissionDenied("Only HR can skip a required step.")
        raise errors.PermissionDenied("This step is not yours to act on.")
    if action == "reject" and not note.strip():
        raise errors.InvalidInput(fields={"note": ["Say why you reject, so the plan can be changed."]})
    with transaction.atomic():
        if action == "approve" and step.approves_subject and step.is_approval:
            from offboarding import services

            departure = step.workflow.departure
            if departure.state == departure.S.NOTICE and step.state == step.S.READY:
                services.departure_approve(departure=departure, actor=actor, note=note, from_checklist=True)
        return workflow_services.step_transition(step=step, name=action, actor=actor, note=note)


def _summary_visible(step: Step, departure, user) -> bool:
    if access.is_hr(departure, user) or access.is_manager_of(departure.employee, user):
        return True
    if step.assignee_role == AssigneeRole.EMPLOYEE:
        return access.is_subject(departure, user)
    return step.assignee_role in GROUP_ROLES and GROUP_ROLES[step.assignee_role] in roles.group_names(user)


def departure_steps_summary(*, departure, user) -> list[dict]:
    """The steps of this departure the user may see, for the departure detail response."""
    if departure.workflow_id is None:
        return []
    steps = list(Step.objects.filter(workflow_id=departure.workflow_id).select_related("workflow"))
    result = []
    for step in steps:
        step.workflow.departure = departure
        if not _summary_visible(step, departure, user):
            continue
        result.append(
            {
                "id": step.pk,
                "key": step.key,
                "title": step.title,
                "kind": step.kind,
                "assignee_role": step.assignee_role,
                "state": step.state,
                "required": step.required,
                "due_date": step.due_date,
                "due_at": step.due_at,
                "available_actions": step_available_actions(step=step, user=user),
            }
        )
    return result


# --- reminders


def _recipients(steps: list[Step]) -> dict[int, list[dict]]:
    """Per step id: the people to remind, each {email, time_zone, country, starts, ends}.

    manager → the employee's direct manager; employee → their work email; hr/it/facilities/payroll
    → the users of that group (their own working hours when they have an employee record, else the
    leaving employee's country and zone with 9–17). Three queries however many steps.
    """
    from offboarding.models import Departure

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
                        "time_zone": row["employee__time_zone"] or leaver.time_zone,
                        "country": row["employee__country"] or leaver.country,
                        "starts": row["employee__work_starts"] or datetime.time(9, 0),
                        "ends": row["employee__work_ends"] or datetime.time(17, 0),
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
    from integrations.email import render_message
    from offboarding.models import Departure, Employee

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
        "steps_url": f"/api/v1/steps/{step.pk}/",
    }
    return render_message(template="step_reminder", context=context, language=language, to=[action.recipient])
