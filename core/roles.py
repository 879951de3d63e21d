"""The fixed roles people hold, as Django groups: the one answer to "is this person HR?".

Relationships to a particular departure (its leaver, their managers) are the domain's business
(offboarding.access); here are only the groups and the login's own record, with no model imports.
"""

from __future__ import annotations

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
    """The user's groups, read once per request (cached on the user object)."""
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
    found = [name for name in ASSIGNEE_GROUPS if name in names]
    if is_hr_user(user):
        found.append(HR)
    return found


def employee_of(user):
    """The employee record linked to this login, or None (HR staff and service users may have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.employee
    except Exception:  # RelatedObjectDoesNotExist: a user with no employee record
        return None
