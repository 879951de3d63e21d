"""Who someone is to a departure: its leaver, a manager above them, HR acting on it.

The fixed roles (HR, interviewers, IT, facilities, payroll) are groups in core.roles. A manager is
anyone above the employee in the reporting line, so a second-line manager is a manager too. The
leaving employee is matched through their login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.roles import ALL_GROUPS, HR, employee_of, group_names, is_hr_user, is_interviewer_user

if TYPE_CHECKING:
    from offboarding.models import Departure, Employee


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
    cached = getattr(user, "_offboarding_managed", None)
    if cached is not None:
        return cached
    me = employee_of(user)
    found: set[int] = set()
    if me is not None:
        employees = type(me)._default_manager  # the Employee model, without importing the models module
        frontier = {me.pk}
        while frontier:
            below = set(employees.filter(manager_id__in=frontier).values_list("id", flat=True))
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
