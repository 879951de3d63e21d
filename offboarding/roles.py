"""Who someone is to a departure. Groups name the fixed roles; managers come from the reporting line.

HR, interviewers and the checklist assignees (IT, facilities, payroll) are Django groups. A manager
is anyone above the employee in the reporting line, so a second-line manager is a manager too. The
leaving employee is matched through their login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from offboarding.models import Departure, Employee

HR = "hr"
INTERVIEWER = "interviewer"
IT = "it"
FACILITIES = "facilities"
PAYROLL = "payroll"
ASSIGNEE_GROUPS = (IT, FACILITIES, PAYROLL)
ALL_GROUPS = (HR, INTERVIEWER, *ASSIGNEE_GROUPS)
# Reading confidential exit-interview answers needs this permission on top of the HR group.
READ_ANSWERS_PERMISSION = "feedback.view_confidential_answers"


def group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_offboarding_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._offboarding_groups = cached
    return cached


def is_hr_user(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or HR in group_names(user)


def is_interviewer_user(user) -> bool:
    return INTERVIEWER in group_names(user)


def assignee_roles(user) -> list[str]:
    """The checklist roles this user works in (it, facilities, payroll, hr)."""
    names = group_names(user)
    roles = [name for name in ASSIGNEE_GROUPS if name in names]
    if is_hr_user(user):
        roles.append(HR)
    return roles


def employee_of(user) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.employee
    except Exception:  # RelatedObjectDoesNotExist: a user with no employee record
        return None


def is_subject(departure: Departure, user) -> bool:
    """Is this user the person who is leaving?"""
    me = employee_of(user)
    return me is not None and me.pk == departure.employee_id


def is_manager_of(employee: Employee, user) -> bool:
    """Is this user anywhere above the employee in the reporting line?"""
    me = employee_of(user)
    if me is None or me.pk == employee.pk:
        return False
    return employee.pk in managed_employee_ids(user)


def managed_employee_ids(user) -> frozenset[int]:
    """Everyone below this user in the reporting line: one query per level of depth, cached on the
    user object for the request so permission checks over a list cost no further queries."""
    from offboarding.models import Employee

    cached = getattr(user, "_offboarding_managed", None)
    if cached is not None:
        return cached
    me = employee_of(user)
    found: set[int] = set()
    if me is not None:
        frontier = {me.pk}
        while frontier:
            below = set(Employee.objects.filter(manager_id__in=frontier).values_list("id", flat=True))
            frontier = below - found - {me.pk}
            found |= frontier
    result = frozenset(found)
    if getattr(user, "is_authenticated", False):
        user._offboarding_managed = result
    return result


def role_names(user) -> list[str]:
    """The caller's roles as /me/ lists them: groups, then manager and employee when they apply."""
    result = [name for name in ALL_GROUPS if name in group_names(user)]
    if getattr(user, "is_superuser", False) and HR not in result:
        result.insert(0, HR)
    if employee_of(user) is not None:
        if managed_employee_ids(user):
            result.append("manager")
        result.append("employee")
    return result


# --- permission callables for django-fsm transitions: (departure, user) -> bool


def is_hr(departure: Departure, user) -> bool:
    return is_hr_user(user) and not is_subject(departure, user)


def can_approve_departure(departure: Departure, user) -> bool:
    if is_subject(departure, user):
        return False
    return is_hr_user(user) or is_manager_of(departure.employee, user)


def can_manage_interview(departure: Departure, user) -> bool:
    """HR runs the interview's life cycle; the interview service adds the interviewer's own rights."""
    return is_hr(departure, user) or (is_interviewer_user(user) and not is_subject(departure, user))


def can_override_completion(departure: Departure, user) -> bool:
    """HR may complete before the conditions hold; the service insists on a recorded reason."""
    return is_hr(departure, user)
