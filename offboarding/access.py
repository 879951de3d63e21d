"""Who someone is to a departure: its leaver, a manager above them, HR acting on it.

The fixed roles (HR, interviewers, IT, facilities, payroll) are groups in core.roles. A manager is
anyone above the employee in the reporting line, so a second-line manager is a manager too. The
leaving employee is matched through their login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from core.roles import ALL_GROUPS, HR, employee_of, group_names, is_hr_user, is_interviewer_user

if TYPE_CHECKING:
    from offboarding.models import Departure, Employee


# After walking up for this many different employees, answer from everyone below the user instead.
LIST_AFTER = 1


def is_subject(departure: Departure, user) -> bool:
    """Is this user the person who is leaving?"""
    me = employee_of(user)
    return me is not None and me.pk == departure.employee_id


def is_manager_of(employee: Employee, user) -> bool:
    """Is this user anywhere above the employee in the reporting line?

    One query walking up from the employee, so checking one departure (rendering its approval
    request) costs the same however large the user's organisation. Asked about several people
    (a list), the set of everyone below the user is collected once and answers the rest.
    """
    me = employee_of(user)
    if me is None or me.pk == employee.pk:
        return False
    if "manager_id" not in employee.get_deferred_fields() and employee.manager_id == me.pk:
        return True  # the direct manager, known from the row already read: no walk needed
    cached = getattr(user, "_offboarding_managed", None)
    if cached is not None:
        return employee.pk in cached
    answers = user.__dict__.setdefault("_offboarding_manages", {})
    if employee.pk not in answers:
        if len(answers) >= LIST_AFTER:
            return employee.pk in managed_employee_ids(user)
        answers[employee.pk] = me.pk in managers_above(employee)
    return answers[employee.pk]


def managers_above(employee: Employee) -> frozenset[int]:
    """Everyone above the employee in the reporting line, in one recursive query (a loop in the
    data ends it: UNION drops the row seen before)."""
    table = connection.ops.quote_name(type(employee)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE chain(id, manager_id) AS ("
            f" SELECT id, manager_id FROM {table} WHERE id = %s"
            f" UNION SELECT e.id, e.manager_id FROM {table} e JOIN chain c ON e.id = c.manager_id"
            f") SELECT id FROM chain WHERE id <> %s",
            [employee.pk, employee.pk],
        )
        return frozenset(row[0] for row in cursor.fetchall())


def managed_employee_ids(user) -> frozenset[int]:
    """Everyone below this user in the reporting line, in one recursive query; cached on the user
    object for the request so permission checks over a list cost no further queries."""
    cached = getattr(user, "_offboarding_managed", None)
    if cached is not None:
        return cached
    me = employee_of(user)
    result: frozenset[int] = frozenset()
    if me is not None:
        table = connection.ops.quote_name(type(me)._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE below(id) AS ("
                f" SELECT id FROM {table} WHERE manager_id = %s"
                f" UNION SELECT e.id FROM {table} e JOIN below b ON e.manager_id = b.id"
                f") SELECT id FROM below WHERE id <> %s",
                [me.pk, me.pk],
            )
            result = frozenset(row[0] for row in cursor.fetchall())
    if getattr(user, "is_authenticated", False):
        user._offboarding_managed = result
    return result


def standing(user):
    """How the user stands to a departure's leaver, as a function of the leaver's employee id:
    (is the leaver, is above them in the reporting line).

    With the user's own roles, all that the transition permissions below read of a departure besides
    its state: a list page asks them once per (state, standing) (transitions.available_transitions_on_page).
    A permission that reads anything else of the departure must be added to this answer."""
    me = employee_of(user)
    if me is None:
        return lambda employee_id: (False, False)
    managed = managed_employee_ids(user)
    return lambda employee_id: (me.pk == employee_id, me.pk != employee_id and employee_id in managed)


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
    # The manager first: an approval request's recipient is one, and asking costs one query, not two.
    return is_manager_of(departure.employee, user) or is_hr_user(user)


def can_manage_interview(departure: Departure, user) -> bool:
    """HR runs the interview's life cycle; the interview service adds the interviewer's own rights."""
    return is_hr(departure, user) or (is_interviewer_user(user) and not is_subject(departure, user))


def can_override_completion(departure: Departure, user) -> bool:
    """HR may complete before the conditions hold; the service insists on a recorded reason."""
    return is_hr(departure, user)
