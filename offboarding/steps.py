"""Who sees which checklist step of a departure and who may act on it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_fsm import can_proceed

from core import errors, roles
from offboarding import access
from workflows.models import AssigneeRole, Step

STEP_ACTIONS = ("complete", "skip", "approve", "reject")
GROUP_ROLES = {
    AssigneeRole.HR: roles.HR,
    AssigneeRole.IT: roles.IT,
    AssigneeRole.FACILITIES: roles.FACILITIES,
    AssigneeRole.PAYROLL: roles.PAYROLL,
}


def step_list(*, user, mine: bool = False) -> QuerySet[Step]:
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
