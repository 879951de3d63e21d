"""Reads for employees and departures, already scoped to the caller."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from core import roles
from core.errors import NotFound
from offboarding import access
from offboarding.models import Departure, Employee


def departure_list(*, user) -> QuerySet[Departure]:
    """The departures this user may see: HR all; managers their reporting line; the employee their own;
    an interviewer the departures they interview. Checklist assignees work through their steps instead."""
    # The list renders the employee (id, name, department), not their manager: no second join.
    qs = Departure.objects.select_related("employee")
    if not roles.is_hr_user(user):
        visible = Q(pk__in=[])
        me = roles.employee_of(user)
        if me is not None:
            visible |= Q(employee_id=me.pk)
            managed = access.managed_employee_ids(user)
            if managed:
                visible |= Q(employee_id__in=managed)
        if roles.is_interviewer_user(user):
            # Only this clause joins a to-many relation, so only it can repeat rows.
            qs = qs.filter(visible | Q(interviews__interviewer=user)).distinct()
        else:
            qs = qs.filter(visible)
    return qs.order_by("-created_at", "-id")


def departure_get(*, user, pk: int) -> Departure:
    """One departure within the caller's scope; outside it, it does not exist (404)."""
    try:
        return departure_list(user=user).get(pk=pk)
    except Departure.DoesNotExist:
        raise NotFound("No departure with this id.") from None


def employee_list(*, user, search: str = "") -> QuerySet[Employee]:
    """Employees: HR sees everyone (the endpoint is HR-only)."""
    qs = Employee.objects.select_related("manager")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(external_id__iexact=search) | Q(email__iexact=search))
    return qs.order_by("name", "id")


def departure_of_former_employee(*, user, today=None) -> Departure | None:
    """The departure of a person whose last working day has passed, or None.

    After the last day a leaver's access narrows to their follow-up survey and reference offer."""
    me = roles.employee_of(user)
    if me is None:
        return None
    today = today or timezone.localdate()
    return (
        Departure.objects.filter(employee=me, last_working_day__lt=today)
        .exclude(state=Departure.S.CANCELLED)
        .order_by("-last_working_day")
        .first()
    )


def departure_of_leaver(*, user) -> Departure | None:
    """The person's own current (or latest) departure, when they are leaving."""
    me = roles.employee_of(user)
    if me is None:
        return None
    return (
        Departure.objects.filter(employee=me)
        .exclude(state=Departure.S.CANCELLED)
        .select_related("employee")
        .order_by("-created_at")
        .first()
    )
