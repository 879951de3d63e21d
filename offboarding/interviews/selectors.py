"""Reads for exit interviews: who may see what, interviewer candidates and load, busy times, slots."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from core import errors, roles
from offboarding import access
from offboarding.interviews import slots as slot_finder
from offboarding.interviews.models import ACTIVE_STATES, AttendeeReply, CalendarFeed, ExitInterview, InterviewState

# What a caller sees of an interview: everything a participant needs, or only that it exists and its state.
FULL = "full"
STATE_ONLY = "state"


def _interviews() -> QuerySet[ExitInterview]:
    return ExitInterview.objects.select_related(
        "departure", "departure__employee", "departure__employee__manager", "interviewer", "interviewer__employee"
    )


def is_assigned_interviewer(interview: ExitInterview, user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and interview.interviewer_id == user.pk
        and not access.is_subject(interview.departure, user)
        and not access.is_manager_of(interview.departure.employee, user)
    )


def caller_roles(*, interview: ExitInterview, user) -> set[str]:
    """The caller's roles towards this interview: hr, interviewer, employee, manager."""
    found = set()
    departure = interview.departure
    if access.is_hr(departure, user):
        found.add("hr")
    if is_assigned_interviewer(interview, user):
        found.add("interviewer")
    if access.is_subject(departure, user):
        found.add("employee")
    if access.is_manager_of(departure.employee, user):
        found.add("manager")
    return found


def exit_interview_visibility(*, interview: ExitInterview, user) -> str | None:
    """FULL for HR, the assigned interviewer and the employee; STATE_ONLY for the manager line; else None."""
    found = caller_roles(interview=interview, user=user)
    if found & {"hr", "interviewer", "employee"}:
        return FULL
    if "manager" in found:
        return STATE_ONLY
    return None


def exit_interview_get(*, user, pk: int) -> tuple[ExitInterview, str]:
    """One interview and how much of it the caller sees; invisible interviews do not exist (404)."""
    interview = _interviews().filter(pk=pk).first()
    level = exit_interview_visibility(interview=interview, user=user) if interview else None
    if level is None:
        raise errors.NotFound("No interview with this id.")
    return interview, level


def exit_interview_list(*, user, state: list[str] | None = None) -> QuerySet[ExitInterview]:
    """The interviews the caller takes part in: HR all, an interviewer theirs, the employee their own.
    Managers are left out: they follow the departure, whose state says whether the interview was held."""
    qs = _interviews()
    if not roles.is_hr_user(user):
        me = roles.employee_of(user)
        mine = Q(interviewer_id=user.pk)
        if me is not None:
            mine |= Q(departure__employee_id=me.pk)
        qs = qs.filter(mine)
    if state:
        qs = qs.filter(state__in=state)
    return qs.prefetch_related("replies").order_by("start", "id")


def exit_interview_latest_for(*, departure) -> ExitInterview | None:
    return _interviews().filter(departure=departure).order_by("-created_at", "-id").first()


def interviewer_candidates() -> QuerySet:
    """Active users who may interview: the interviewer group and HR, with their active interview count and
    whether they are in the interviewer group (actions.interviews ranks them: that group first, by load)."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=[roles.INTERVIEWER, roles.HR]).distinct()
    return users.annotate(
        active_interviews=Count("exit_interviews", filter=Q(exit_interviews__state__in=ACTIVE_STATES), distinct=True),
        is_dedicated=Count("groups", filter=Q(groups__name=roles.INTERVIEWER), distinct=True),
    ).select_related("employee")


def interviewer_refusal(*, departure, user) -> str | None:
    """Why this user may not interview this employee, or None when they may."""
    employee = departure.employee
    if user is None or not getattr(user, "is_active", False):
        return "This user cannot interview."
    if employee.user_id == user.pk:
        return "The leaving employee cannot interview themself."
    chain_user_ids = {person.user_id for person in employee.management_chain() if person.user_id}
    if user.pk in chain_user_ids:
        return "The interviewer must not be the employee's manager or anyone above them."
    if not may_interview(user):
        return "Only the interviewer group, or HR allowed to read exit-interview answers, can interview."
    return None


def may_interview(user) -> bool:
    """Interviewing means reading the answers, so it takes the same standing: the interviewer group, or HR
    holding the confidential-answers permission. Being assigned alone grants nothing."""
    if not getattr(user, "is_active", False):
        return False
    return roles.is_interviewer_user(user) or (roles.is_hr_user(user) and user.has_perm(roles.READ_ANSWERS_PERMISSION))


def is_eligible_interviewer(interview: ExitInterview, user) -> bool:
    """Is this user the assigned interviewer and still allowed to be (a reorganisation or a change of
    permission may have made them ineligible since they were assigned)?"""
    return (
        getattr(user, "is_authenticated", False)
        and interview.interviewer_id == user.pk
        and interviewer_refusal(departure=interview.departure, user=user) is None
    )


def interviews_to_recheck(*, employee) -> list[ExitInterview]:
    """Interviews whose interviewer may still read answers, of this employee and everyone below them."""
    below, frontier = {employee.pk}, {employee.pk}
    employees = type(employee)._default_manager
    while frontier:
        frontier = set(employees.filter(manager_id__in=frontier).values_list("id", flat=True)) - below
        below |= frontier
    states = [*ACTIVE_STATES, InterviewState.HELD]
    return list(_interviews().filter(departure__employee_id__in=below, state__in=states).order_by("pk"))


def interviewer_busy(*, user, exclude: Iterable[int] = ()) -> list[tuple[datetime.datetime, datetime.datetime]]:
    rows = (
        ExitInterview.objects.filter(interviewer=user, state=InterviewState.SCHEDULED, start__isnull=False)
        .exclude(pk__in=list(exclude))
        .values_list("start", "end")
    )
    return list(rows)


def slots_for(
    *,
    departure,
    interviewer,
    exclude: Iterable[int] = (),
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    duration: datetime.timedelta | None = None,
    limit: int | None = 40,
    extra_busy: Iterable[tuple[datetime.datetime, datetime.datetime]] = (),
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Free slots for this departure's employee and this interviewer, in the default window unless given;
    `extra_busy` adds busy time from outside (people's own calendars)."""
    default_first, default_last = slot_finder.default_window(departure=departure)
    return slot_finder.free_slots(
        employee_hours=slot_finder.hours_of_employee(departure.employee),
        interviewer_hours=slot_finder.hours_of_user(interviewer),
        first=first or default_first,
        last=last or default_last,
        busy=interviewer_busy(user=interviewer, exclude=exclude) + list(extra_busy),
        duration=duration,
        limit=limit,
    )


def exit_interview_slots(*, interview: ExitInterview, **kwargs) -> list[tuple[datetime.datetime, datetime.datetime]]:
    return slots_for(departure=interview.departure, interviewer=interview.interviewer, exclude=[interview.pk], **kwargs)


def interviews_for_feed(*, user) -> QuerySet[ExitInterview]:
    """The interviewer's meetings for their calendar feed: anything with a time, cancelled ones included
    so subscribed calendars drop them."""
    return ExitInterview.objects.filter(interviewer=user, start__isnull=False).order_by("start", "id")


def counter_proposals(*, interview: ExitInterview) -> list:
    """Open proposals of another time for the current SEQUENCE (COUNTERs and the employee's requests).
    Reads interview.replies.all(), so a list prefetching `replies` costs no query per interview."""
    methods = {AttendeeReply.Method.COUNTER, AttendeeReply.Method.OTHER_TIME}
    found = [
        reply
        for reply in interview.replies.all()
        if reply.method in methods and reply.applied and not reply.decision and reply.sequence >= interview.sequence
    ]
    return sorted(found, key=lambda reply: (reply.received_at, reply.pk))


def attendee_declines(*, interview: ExitInterview) -> list:
    """Declines of the current invite (iTIP REPLY with PARTSTAT=DECLINED) and a decline recorded in the app."""
    found = [
        reply
        for reply in interview.replies.all()
        if reply.applied
        and reply.sequence >= interview.sequence
        and (reply.method == AttendeeReply.Method.DECLINE or (reply.method == "REPLY" and reply.partstat == "DECLINED"))
    ]
    return sorted(found, key=lambda reply: (reply.received_at, reply.pk))


def calendar_feed_active(*, user) -> bool:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).exists()
