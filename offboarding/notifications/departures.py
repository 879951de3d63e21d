"""What the departure itself sends: the manager's approval request with its reminders and the
escalation to HR, HR's notice of a rejected plan, and the thank-you on the last working day.

The departure actions call the builders below inside their transactions, so the outbox rows commit
with the state change. Rows hold ids only; the renderers read the current state at delivery and
return None when the message no longer applies (the departure was approved or cancelled, the
last day moved). Every email goes out inside the recipient's working hours in their time zone
(workflows.outbox.timing). Interviews, steps and follow-up surveys send their own messages.

Keys: "approval:departure:<id>:..." for the approval cycle and "thankyou:departure:<id>:v<n>" for
the last-day email; all rows are in the group "departure:<id>".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from core import roles
from integrations.email import render_message
from offboarding import access
from offboarding.links import LINK_MAX_AGE, link_urls
from offboarding.models import Departure, DepartureState, Employee
from offboarding.people import user_language
from workflows.business_time import add_business_days
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction
from workflows.outbox.registry import renderer
from workflows.outbox.timing import DEFAULT_COUNTRY, DEFAULT_WORK_ENDS, DEFAULT_WORK_STARTS, next_working_moment

REQUEST_HANDLER = "departure_approval_request"
ESCALATION_HANDLER = "departure_approval_escalation"
REJECTED_HANDLER = "departure_approval_rejected"
THANK_YOU_HANDLER = "departure_thank_you"
# Reminders every REMINDER_INTERVAL business days; HR hears of it one interval after the last one.
REMINDER_INTERVAL = 2
REMINDER_COUNT = 3


@dataclass(frozen=True)
class Recipient:
    """Someone an email goes to, with what timing and language need."""

    user_id: int | None
    email: str
    language: str
    time_zone: str
    country: str
    starts: datetime.time
    ends: datetime.time

    def working_moment(self, at: datetime.datetime) -> datetime.datetime:
        return next_working_moment(
            at, time_zone=self.time_zone, country=self.country, starts=self.starts, ends=self.ends
        )

    def local_date(self, at: datetime.datetime) -> datetime.date:
        from zoneinfo import ZoneInfo

        return at.astimezone(ZoneInfo(self.time_zone)).date()

    def start_of(self, day: datetime.date) -> datetime.datetime:
        from zoneinfo import ZoneInfo

        return datetime.datetime.combine(day, self.starts, tzinfo=ZoneInfo(self.time_zone))


def _recipient(*, user, employee) -> Recipient:
    if employee is not None:
        return Recipient(
            user_id=getattr(user, "pk", None),
            email=employee.email,
            language=employee.language,
            time_zone=employee.time_zone,
            country=employee.country,
            starts=employee.work_starts,
            ends=employee.work_ends,
        )
    # No employee record (e.g. HR staff): the one default for such people (workflows.outbox.timing).
    return Recipient(
        user_id=user.pk,
        email=user.email,
        language=settings.LANGUAGE_CODE[:2],
        time_zone=settings.TIME_ZONE,
        country=DEFAULT_COUNTRY,
        starts=DEFAULT_WORK_STARTS,
        ends=DEFAULT_WORK_ENDS,
    )


def hr_recipients(*, departure: Departure) -> list[Recipient]:
    """Active members of the HR group with an address, never the leaving person themself."""
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.HR, is_active=True)
        .select_related("employee")
        .order_by("pk")
        .distinct()
    )
    result = []
    for user in users:
        employee = roles.employee_of(user)
        if employee is not None and employee.pk == departure.employee_id:
            continue
        recipient = _recipient(user=user, employee=employee)
        if recipient.email:
            result.append(recipient)
    return result


def manager_approver(*, departure: Departure) -> Recipient | None:
    """The direct manager, when they can act (an active login and an address)."""
    manager = departure.employee.manager
    if manager is not None and manager.user_id is not None and manager.user.is_active and manager.email:
        return _recipient(user=manager.user, employee=manager)
    return None


def approvers(*, departure: Departure) -> tuple[list[Recipient], bool]:
    """Who is asked to approve: the direct manager (with a login), else the HR group.

    Returns (recipients, is_manager).
    """
    manager = manager_approver(departure=departure)
    if manager is not None:
        return [manager], True
    return hr_recipients(departure=departure), False


def _group(departure: Departure) -> str:
    return _group_of(departure.pk)


def _group_of(departure_id: int) -> str:
    return f"departure:{departure_id}"


def _approval_prefix(departure: Departure) -> str:
    return _approval_prefix_of(departure.pk)


def _approval_prefix_of(departure_id: int) -> str:
    return f"approval:departure:{departure_id}:"


def _thank_you_prefix(departure: Departure) -> str:
    return f"thankyou:departure:{departure.pk}:"


# --- builders called by offboarding.actions.departures


def approval_requests_schedule(*, departures: list[Departure]) -> None:
    """The managers' approval requests, their reminders and the escalation to HR, in one insert.

    The rows come from offboarding.approval_actions_build, the same builder the
    one-at-a-time path uses; here the managers' logins and the HR group are read once for all rows.
    """
    managers = {
        e.pk: e
        for e in Employee.objects.filter(
            pk__in={d.employee.manager_id for d in departures if d.employee.manager_id}
        ).select_related("user")
    }
    # Asked once, for nobody's departure; the builder leaves each leaver out of their own escalation.
    hr_people = hr_recipients(departure=Departure(employee_id=None))
    now = timezone.now()
    actions = []
    for departure in departures:
        manager = managers.get(departure.employee.manager_id)
        if manager is not None:
            departure.employee.manager = manager  # so the builder reads it without a query
        actions.extend(approval_actions_build(departure=departure, now=now, hr_people=hr_people))
    if actions:
        outbox.actions_schedule_bulk(actions)


def approval_actions_build(
    *, departure: Departure, now: datetime.datetime | None = None, hr_people: list[Recipient] | None = None
) -> list[outbox.PlannedAction]:
    """The approval cycle's first rows, unsaved: the request now, in each approver's working hours.

    The rest of the cycle (a reminder every REMINDER_INTERVAL business days, REMINDER_COUNT times,
    then the escalation to HR when the approver is the manager) is written one row at a time as it
    goes (approval_cycle_next), so a reorganisation's start writes one row per departure, not five.
    A bulk start (CSV import) may pass `hr_people` (hr_recipients, asked once) and `now`."""
    now = now or timezone.now()
    manager = manager_approver(departure=departure)
    if manager is not None:
        people, escalate = [manager], True
    else:
        if hr_people is None:
            hr_people = hr_recipients(departure=departure)
        else:
            leaver = departure.employee.user_id
            hr_people = [p for p in hr_people if leaver is None or p.user_id != leaver]
        people, escalate = hr_people, False
    rows = []
    for person in people:
        first = person.working_moment(now)
        rows.append(_cycle_row(departure.pk, person, round_=0, due_at=first, start_day=person.local_date(first),
                               escalate=escalate))  # fmt: skip
    return rows


def _cycle_row(
    departure_id: int,
    person: Recipient,
    *,
    round_: int,
    due_at: datetime.datetime,
    start_day: datetime.date,
    escalate: bool,
) -> outbox.PlannedAction:
    # `from` (the request's day in the approver's calendar) dates every later reminder; `escalate`
    # says whether HR hears of it after the last one (a manager's cycle, not HR's own).
    return outbox.PlannedAction(
        kind=ActionKind.APPROVAL_REQUEST if round_ == 0 else ActionKind.REMINDER,
        handler=REQUEST_HANDLER,
        recipient=person.email,
        due_at=due_at,
        idempotency_key=f"{_approval_prefix_of(departure_id)}u{person.user_id}:r{round_}",
        group=_group_of(departure_id),
        payload={
            "departure": departure_id,
            "user": person.user_id,
            "round": round_,
            "from": start_day.isoformat(),
            "escalate": escalate,
        },
    )


def approval_cycle_next(action, departure: Departure, user) -> None:
    """After the cycle's row `action` (round r) comes due while the departure still awaits approval:
    write the reminder r+1, or after the last reminder the escalation to HR. The times are those
    the whole cycle had when written up front: counted in business days from the request's day."""
    if "from" not in action.payload:
        return  # written up front, before the cycle was chained: its later rows exist already
    round_ = int(action.payload.get("round", 0))
    start_day = datetime.date.fromisoformat(action.payload["from"])
    person = _recipient(user=user, employee=roles.employee_of(user))
    rows: list[outbox.PlannedAction] = []
    if round_ < REMINDER_COUNT:
        day = add_business_days(start_day, REMINDER_INTERVAL * (round_ + 1), person.country)
        due_at = person.working_moment(person.start_of(day))
        rows.append(_cycle_row(departure.pk, person, round_=round_ + 1, due_at=due_at, start_day=start_day,
                               escalate=bool(action.payload.get("escalate"))))  # fmt: skip
    elif action.payload.get("escalate"):
        day = add_business_days(start_day, REMINDER_INTERVAL * (REMINDER_COUNT + 1), person.country)
        escalate_from = person.start_of(day)
        for hr in hr_recipients(departure=departure):
            rows.append(
                outbox.PlannedAction(
                    kind=ActionKind.ESCALATION,
                    handler=ESCALATION_HANDLER,
                    recipient=hr.email,
                    due_at=hr.working_moment(escalate_from),
                    idempotency_key=f"{_approval_prefix(departure)}escalation:u{hr.user_id}",
                    group=_group(departure),
                    payload={"departure": departure.pk, "user": hr.user_id},
                )
            )
    if rows:
        outbox.actions_schedule_bulk(rows)


def departure_messages_approved(*, departure) -> None:
    """Stop approval reminders; schedule the last-day thank-you (follow-ups: notifications.feedback)."""
    outbox.actions_cancel(group=_group(departure), key_prefix=_approval_prefix(departure))
    _schedule_thank_you(departure, version=0)


def departure_messages_last_day_changed(*, departure) -> None:
    """Move everything anchored on the last working day."""
    if departure.state in (DepartureState.NOTICE, DepartureState.CANCELLED, DepartureState.COMPLETED):
        return  # the approval emails read the current date when sent; nothing is anchored yet
    outbox.actions_cancel(group=_group(departure), key_prefix=_thank_you_prefix(departure))
    # Each change gets its own key, so moving the date back to an earlier value schedules anew.
    version = departure.history.filter(transition="change_last_working_day").count()
    _schedule_thank_you(departure, version=version)


def departure_messages_cancelled(*, departure) -> None:
    """Cancel everything pending for this departure."""
    outbox.actions_cancel(group=_group(departure))


def departure_messages_rejected(*, departure, actor) -> None:
    """The approver rejected the plan: their reminders stop and HR is told, in working hours."""
    prefix = _approval_prefix(departure)
    outbox.actions_cancel(group=_group(departure), key_prefix=prefix)
    now = timezone.now()
    stamp = int(now.timestamp())
    for hr in hr_recipients(departure=departure):
        outbox.action_schedule(
            kind=ActionKind.NOTIFICATION,
            handler=REJECTED_HANDLER,
            recipient=hr.email,
            due_at=hr.working_moment(now),
            key=f"{prefix}rejected:{stamp}:u{hr.user_id}",
            group=_group(departure),
            payload={"departure": departure.pk, "user": hr.user_id, "by": getattr(actor, "pk", None)},
        )


def _schedule_thank_you(departure: Departure, *, version: int) -> None:
    employee = departure.employee
    person = _recipient(user=employee.user, employee=employee)
    if departure.last_working_day < person.local_date(timezone.now()):
        return  # a backdated departure: "today is your last day" would be false, so nothing is said
    # At the start of the last day (the person works that day, whatever the holiday calendar says);
    # approved after that moment, it goes at the next working moment instead.
    at = person.start_of(departure.last_working_day)
    now = timezone.now()
    if at < now:
        at = person.working_moment(now)
    outbox.action_schedule(
        kind=ActionKind.THANK_YOU,
        handler=THANK_YOU_HANDLER,
        recipient=employee.email,
        due_at=at,
        key=f"{_thank_you_prefix(departure)}v{version}",
        group=_group(departure),
        payload={"departure": departure.pk, "last_working_day": departure.last_working_day.isoformat()},
    )


# --- renderers (run by the outbox worker at delivery time)


def _load(action, *, manager_login: bool = False) -> Departure | None:
    related = (
        ("employee", "employee__manager", "employee__manager__user")
        if manager_login
        else ("employee", "employee__manager")
    )
    # By primary key: no ordering to compile or sort.
    found = list(Departure.objects.select_related(*related).filter(pk=action.payload.get("departure")).order_by()[:1])
    return found[0] if found else None


def _user(action, departure: Departure | None = None):
    user_id = action.payload.get("user")
    if user_id is None:
        return None
    manager = departure.employee.manager if departure is not None else None
    if manager is not None and manager.user_id == user_id:
        # The approval request's recipient is the direct manager, loaded with the departure (and
        # the login's employee record with it): no second query.
        return manager.user if manager.user.is_active else None
    found = list(get_user_model().objects.select_related("employee").filter(pk=user_id, is_active=True).order_by()[:1])
    return found[0] if found else None


def _departure_context(departure: Departure) -> dict:
    # Names and dates only: never the reason, rehire eligibility or anything from the interview.
    return {
        "employee_name": departure.employee.name,
        "department": departure.employee.department,
        "kind": departure.kind,
        "notice_date": departure.notice_date,
        "last_working_day": departure.last_working_day,
        "departure_url": f"{settings.SITE_URL}/departures/{departure.pk}/",
    }


def _links(departure: Departure, user) -> dict:
    return {"links": link_urls(departure_id=departure.pk, user_id=user.pk), "link_days": LINK_MAX_AGE.days}


def _awaiting_approval(action) -> tuple[Departure | None, object]:
    """The departure and recipient of an approval-cycle message, or (None, None) once it is moot."""
    departure = _load(action, manager_login=True)
    user = _user(action, departure)
    if departure is None or user is None or departure.state != DepartureState.NOTICE:
        return None, None
    return departure, user


@renderer(REQUEST_HANDLER)
def render_approval_request(action):
    """The approval request (round 0) or reminder (rounds 1-3), while the departure awaits approval."""
    departure, user = _awaiting_approval(action)
    if departure is None:
        return None
    # The next reminder (or the escalation) is written first, whether or not this one goes out.
    approval_cycle_next(action, departure, user)
    if not access.can_approve_departure(departure, user):
        return None  # e.g. the manager changed: the new one got no row, HR's escalation covers it
    round_ = int(action.payload.get("round", 0))
    waiting_days = REMINDER_INTERVAL * round_
    return render_message(
        template="approval_request",
        context={
            **_departure_context(departure),
            **_links(departure, user),
            "round": round_,
            "reminder_count": REMINDER_COUNT,
            "waiting_days": waiting_days,
        },
        language=user_language(user),
        to=[action.recipient],
    )


@renderer(ESCALATION_HANDLER)
def render_approval_escalation(action):
    """To HR: the manager has not answered the request nor three reminders."""
    departure, user = _awaiting_approval(action)
    if departure is None:
        return None
    manager = departure.employee.manager
    return render_message(
        template="escalation_approval",
        context={
            **_departure_context(departure),
            **_links(departure, user),
            "manager_name": manager.name if manager else "",
            "waiting_days": REMINDER_INTERVAL * (REMINDER_COUNT + 1),
        },
        language=user_language(user),
        to=[action.recipient],
    )


@renderer(REJECTED_HANDLER)
def render_approval_rejected(action):
    """To HR: the plan was rejected (the note stays in the departure's history, not in the email)."""
    departure, user = _awaiting_approval(action)
    if departure is None:
        return None
    by = get_user_model().objects.filter(pk=action.payload.get("by")).select_related("employee").first()
    by_employee = roles.employee_of(by) if by else None
    return render_message(
        template="approval_rejected",
        context={
            **_departure_context(departure),
            **_links(departure, user),
            "rejected_by": by_employee.name if by_employee else getattr(by, "username", ""),
        },
        language=user_language(user),
        to=[action.recipient],
    )


@renderer(THANK_YOU_HANDLER)
def render_thank_you(action):
    """To the leaving employee on the last day: thanks, and what happens next."""
    departure = _load(action)
    if departure is None or departure.state == DepartureState.CANCELLED:
        return None
    if departure.last_working_day.isoformat() != action.payload.get("last_working_day"):
        return None
    employee = departure.employee
    access_ends = datetime.datetime.combine(departure.last_working_day, employee.work_ends)
    return render_message(
        template="thank_you_last_day",
        context={
            **_departure_context(departure),
            "first_name": employee.first_name,
            "access_ends": access_ends,
            "time_zone": employee.time_zone,
            "personal_email": bool(employee.personal_email),
            "follow_up_days": list(settings.FOLLOW_UP_DAYS),
        },
        language=employee.language,
        to=[action.recipient],
    )


def pending_approval_actions(*, departure: Departure):
    """The approval cycle's rows still to be sent (for tests and the admin)."""
    return ScheduledAction.objects.filter(
        idempotency_key__startswith=_approval_prefix(departure), status=ActionStatus.PENDING
    )
