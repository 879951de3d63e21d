"""Outbox rows for the exit interview (invites and cancellations as iTIP email, reminders, change requests,
the questionnaire offer) and their renderers. Nothing confidential goes into any of these messages.

Each renderer reloads what the payload's ids point at and returns None when the message no longer
applies (an invite for a SEQUENCE that was superseded, a reminder for a cancelled interview).
"""

from __future__ import annotations

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations import calendar
from integrations.email import render_message
from offboarding.feedback.selectors import guide_current
from offboarding.interviews.models import AttendeeReply, ExitInterview, InterviewState, PersonalCalendar
from offboarding.interviews.slots import WorkingHours, hours_of_employee, hours_of_user
from offboarding.notifications import departures as departure_notices
from offboarding.people import display_name, user_email, user_language
from workflows.business_time import is_business_day
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction
from workflows.outbox.registry import renderer

SUMMARY = {"en": "Exit interview", "sv": "Exitsamtal"}
REMINDER_HOURS = (24, 1)
# A reminder moved into working hours goes out no later than this before the working day ends.
LAST_SENDING_SLOT = datetime.timedelta(minutes=30)
# Two reminders to one person never share an instant: a later one moves this far on.
REMINDER_SPACING = datetime.timedelta(minutes=1)


# --- row builders, called by offboarding.actions.interviews in the action's transaction


def interview_group(interview: ExitInterview) -> str:
    """The outbox group of every message about this interview."""
    return f"interview:{interview.pk}"


def interview_recipients(interview: ExitInterview) -> list[tuple[str, str]]:
    """(who, address) of both attendees: the employee and the interviewer."""
    return [("employee", interview.departure.employee.email), ("interviewer", user_email(interview.interviewer))]


def interview_invites_schedule(*, interview: ExitInterview) -> None:
    """METHOD:REQUEST at the current SEQUENCE to both attendees, due now."""
    now = timezone.now()
    for to, address in interview_recipients(interview):
        outbox.action_schedule(
            kind=ActionKind.INVITE,
            handler="interview_invite",
            recipient=address,
            due_at=now,
            key=f"{interview_group(interview)}:s{interview.sequence}:invite:{to}",
            group=interview_group(interview),
            payload={"interview": interview.pk, "sequence": interview.sequence, "to": to},
        )


def interview_cancels_schedule(*, interview: ExitInterview, former_interviewer=None) -> None:
    """METHOD:CANCEL at the current (already bumped) SEQUENCE, to both attendees or to one former one."""
    now = timezone.now()
    user = former_interviewer
    targets = (
        [(f"user{user.pk}", user_email(user), {"user": user.pk})]
        if user is not None
        else [(to, address, {}) for to, address in interview_recipients(interview)]
    )
    for to, address, extra in targets:
        outbox.action_schedule(
            kind=ActionKind.CANCEL,
            handler="interview_cancel",
            recipient=address,
            due_at=now,
            key=f"{interview_group(interview)}:s{interview.sequence}:cancel:{to}",
            group=interview_group(interview),
            payload={"interview": interview.pk, "sequence": interview.sequence, "to": to, **extra},
        )


def interview_reminder_due(start: datetime.datetime, hours: int, hours_of: WorkingHours) -> datetime.datetime:
    """`hours` before the start, or, when that falls outside the recipient's working hours or on a day off,
    the latest working moment before it (so a meeting at 09:00 gets its "1 hour" reminder the afternoon
    before, and nobody is mailed at night or on a weekend)."""
    wished = (start - datetime.timedelta(hours=hours)).astimezone(hours_of.tzinfo)
    day = wished.date()
    for _ in range(60):
        if is_business_day(day, hours_of.country):
            opens = datetime.datetime.combine(day, hours_of.starts, tzinfo=hours_of.tzinfo)
            closes = datetime.datetime.combine(day, hours_of.ends, tzinfo=hours_of.tzinfo)
            if opens <= wished < closes:
                return wished.astimezone(datetime.UTC)
            if wished >= closes:
                return max(opens, closes - LAST_SENDING_SLOT).astimezone(datetime.UTC)
        day -= datetime.timedelta(days=1)
        wished = datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=hours_of.tzinfo)
    return (start - datetime.timedelta(hours=hours)).astimezone(datetime.UTC)


def interview_reminders_schedule(*, interview: ExitInterview) -> None:
    """Our own reminder emails (not VALARMs) 24 h and 1 h before, in each attendee's working hours."""
    now = timezone.now()
    hours_of = {
        "employee": hours_of_employee(interview.departure.employee),
        "interviewer": hours_of_user(interview.interviewer),
    }
    for to, address in interview_recipients(interview):
        due_already: set[datetime.datetime] = set()
        # The person's reminders for their other interviews (an interviewer with two on one Monday).
        taken = set(
            ScheduledAction.objects.filter(recipient=address, kind=ActionKind.REMINDER, status=ActionStatus.PENDING)
            .exclude(group=interview_group(interview))
            .values_list("due_at", flat=True)
        )
        for hours in REMINDER_HOURS:
            due = interview_reminder_due(interview.start, hours, hours_of[to])
            # Both reminders moved to the same working moment (a Monday 09:00 meeting: Friday afternoon):
            # one email says it, two at the same instant would only be noise.
            if due <= now or due in due_already:
                continue
            due_already.add(due)
            while due in taken:
                due += REMINDER_SPACING  # another interview's reminder is due then: one after the other
            taken.add(due)
            outbox.action_schedule(
                kind=ActionKind.REMINDER,
                handler="interview_reminder",
                recipient=address,
                due_at=due,
                key=f"{interview_group(interview)}:s{interview.sequence}:reminder{hours}h:{to}",
                group=interview_group(interview),
                payload={"interview": interview.pk, "sequence": interview.sequence, "to": to, "hours": hours},
            )


def interview_pending_messages_cancel(*, interview: ExitInterview) -> None:
    """Drop invites and reminders not yet sent: they belong to a time that no longer holds."""
    outbox.actions_cancel(group=interview_group(interview), kinds=[ActionKind.INVITE, ActionKind.REMINDER])


def interview_change_request_notices_schedule(*, interview: ExitInterview, reply: AttendeeReply) -> None:
    """Tell the interviewer and the HR person who scheduled that another time was asked for."""
    targets = {interview.interviewer.pk: interview.interviewer}
    if interview.created_by_id and interview.created_by_id != interview.interviewer_id:
        targets[interview.created_by_id] = interview.created_by
    for user in targets.values():
        if reply.attendee_email and user_email(user).lower() == reply.attendee_email.lower():
            continue
        outbox.action_schedule(
            kind=ActionKind.NOTIFICATION,
            handler="interview_change_requested",
            recipient=user_email(user),
            due_at=timezone.now(),
            key=f"{interview_group(interview)}:reply{reply.pk}:notify:user{user.pk}",
            group=interview_group(interview),
            payload={"interview": interview.pk, "reply": reply.pk, "user": user.pk},
        )


def _hr_and_interviewer(interview: ExitInterview, *, skip_email: str = "") -> list[tuple[str, str, dict]]:
    """(key part, address, payload extra) of the interviewer and the HR person who scheduled, or the HR
    address (HR_REPLY_TO_EMAIL) when nobody in HR scheduled it; never the attendee who answered."""
    targets = [
        (f"user{interview.interviewer_id}", user_email(interview.interviewer), {"user": interview.interviewer_id})
    ]
    if interview.created_by_id and interview.created_by_id != interview.interviewer_id:
        targets.append(
            (f"user{interview.created_by_id}", user_email(interview.created_by), {"user": interview.created_by_id})
        )
    elif settings.HR_REPLY_TO_EMAIL:
        targets.append(("hr", parseaddr(settings.HR_REPLY_TO_EMAIL)[1], {}))
    return [t for t in targets if t[1] and t[1].lower() != skip_email.lower()]


def interview_attendee_declined_notices_schedule(*, interview: ExitInterview, reply: AttendeeReply) -> None:
    """An attendee declined the invite from their calendar: tell the interviewer and HR (the comment stays in
    the app). The interview itself stays scheduled until HR reschedules, cancels or records the decline."""
    for to, address, extra in _hr_and_interviewer(interview, skip_email=reply.attendee_email):
        outbox.action_schedule(
            kind=ActionKind.NOTIFICATION,
            handler="interview_attendee_declined",
            recipient=address,
            due_at=timezone.now(),
            key=f"{interview_group(interview)}:reply{reply.pk}:declined:{to}",
            group=interview_group(interview),
            payload={"interview": interview.pk, "reply": reply.pk, **extra},
        )


def interview_declinecounter_schedule(*, interview: ExitInterview, reply: AttendeeReply) -> None:
    """METHOD:DECLINECOUNTER to the attendee whose proposed time was refused."""
    outbox.action_schedule(
        kind=ActionKind.NOTIFICATION,
        handler="interview_declinecounter",
        recipient=reply.attendee_email,
        due_at=timezone.now(),
        key=f"{interview_group(interview)}:reply{reply.pk}:declinecounter",
        group=interview_group(interview),
        payload={"interview": interview.pk, "reply": reply.pk, "sequence": interview.sequence},
    )


def interview_interviewer_removed_notices_schedule(
    *, interview: ExitInterview, former_interviewer, reassigned: bool
) -> None:
    """Tell HR that a change of reporting line put the interviewer in the leaver's management chain (or
    out of the interviewer role): they no longer see the interview, and it was reassigned or needs HR."""
    for hr in departure_notices.hr_recipients(departure=interview.departure):
        outbox.action_schedule(
            kind=ActionKind.NOTIFICATION,
            handler="interview_interviewer_removed",
            recipient=hr.email,
            due_at=timezone.now(),
            key=f"{interview_group(interview)}:s{interview.sequence}:removed{former_interviewer.pk}:hr{hr.user_id}",
            group=interview_group(interview),
            payload={
                "interview": interview.pk,
                "user": hr.user_id,
                "former": former_interviewer.pk,
                "reassigned": reassigned,
            },
        )


def interview_questionnaire_offer_schedule(*, interview: ExitInterview) -> None:
    """After a decline, offer the employee the written questionnaire instead."""
    outbox.action_schedule(
        kind=ActionKind.NOTIFICATION,
        handler="interview_questionnaire_offer",
        recipient=interview.departure.employee.email,
        due_at=timezone.now(),
        key=f"{interview_group(interview)}:questionnaire",
        group=interview_group(interview),
        payload={"interview": interview.pk},
    )


# --- renderers


def organizer() -> tuple[str, str]:
    """The mailbox that sends invites and receives replies (forwarded to the replies webhook)."""
    configured = getattr(settings, "CALENDAR_ORGANIZER_EMAIL", "")
    name, address = parseaddr(configured or settings.DEFAULT_FROM_EMAIL)
    return address, name or "Offboarding"


def interview_meeting(
    interview: ExitInterview,
    *,
    language: str,
    sequence: int | None = None,
    cancelled: bool = False,
    attendees: tuple[calendar.Attendee, ...] | None = None,
) -> calendar.Meeting:
    """The interview as a calendar meeting; no reasons, answers or notes, only time, place and people."""
    employee = interview.departure.employee
    if attendees is None:
        attendees = (
            calendar.Attendee(employee.email, employee.name, partstat=interview.employee_partstat),
            calendar.Attendee(
                user_email(interview.interviewer),
                display_name(interview.interviewer),
                partstat=interview.interviewer_partstat,
            ),
        )
    email, name = organizer()
    place = interview_place(interview)
    return calendar.Meeting(
        uid=interview.uid,
        sequence=interview.sequence if sequence is None else sequence,
        start=interview.start,
        end=interview.end,
        summary=SUMMARY.get(language, SUMMARY["en"]),
        organizer_email=email,
        organizer_name=name,
        attendees=attendees,
        location=place,
        # A room in LOCATION leaves the video link (if any) to the description, so it is never lost.
        description=interview_agenda(interview)
        + (f"\n\n{interview.video_link}" if interview.video_link and place != interview.video_link else ""),
        url=f"{settings.SITE_URL}/",
        cancelled=cancelled,
    )


def interview_place(interview: ExitInterview) -> str:
    """Where the conversation happens: the interview's room or video link, else the interviewer's default."""
    if interview.location or interview.video_link:
        return interview.location or interview.video_link
    default = PersonalCalendar.objects.filter(user_id=interview.interviewer_id).values_list(
        "default_location", flat=True
    )
    return default.first() or ""


AGENDA_INTRO = {
    "en": "The conversation follows this outline (voluntary and confidential):",
    "sv": "Samtalet följer den här planen (frivilligt och konfidentiellt):",
}


def interview_agenda_titles(interview: ExitInterview) -> list[str]:
    """The guide's section titles in the leaver's language: titles only, never questions or answers; the
    guide version already pinned to the interview's answers when there is one."""
    language = interview.departure.employee.language
    response = getattr(interview, "response", None)
    guide = response.guide if response is not None else guide_current()
    return [section["title"].get(language) or section["title"]["en"] for section in guide.content["sections"]]


def interview_agenda(interview: ExitInterview) -> str:
    """The invite's DESCRIPTION: a line of context and the numbered agenda, in the leaver's language."""
    language = interview.departure.employee.language
    titles = interview_agenda_titles(interview)
    lines = [AGENDA_INTRO.get(language, AGENDA_INTRO["en"])]
    lines += [f"{n}. {title}" for n, title in enumerate(titles, start=1)]
    return "\n".join(lines)


def interview_ics(interview: ExitInterview, *, language: str) -> tuple[bytes, str]:
    """The current calendar object for the interview: REQUEST while it stands, CANCEL once called off."""
    if interview.state in (InterviewState.CANCELLED, InterviewState.DECLINED):
        return calendar.build_cancel(interview_meeting(interview, language=language, cancelled=True)), "CANCEL"
    return calendar.build_request(interview_meeting(interview, language=language)), "REQUEST"


def _interview(action) -> ExitInterview | None:
    return (
        ExitInterview.objects.select_related("departure__employee", "interviewer")
        .filter(pk=action.payload.get("interview"))
        .first()
    )


def _recipient(interview: ExitInterview, to: str, payload: dict):
    """(language, name, working hours) of who the message is for."""
    if to == "employee":
        employee = interview.departure.employee
        return employee.language, employee.name, hours_of_employee(employee)
    user = interview.interviewer if to == "interviewer" else get_user_model().objects.get(pk=payload["user"])
    return user_language(user), display_name(user), hours_of_user(user)


def _local(moment: datetime.datetime, hours) -> str:
    return f"{moment.astimezone(hours.tzinfo):%Y-%m-%d %H:%M} ({hours.time_zone})"


def _interview_context(interview: ExitInterview, to: str, payload: dict) -> tuple[str, dict]:
    language, name, hours = _recipient(interview, to, payload)
    other = display_name(interview.interviewer) if to == "employee" else interview.departure.employee.name
    context = {
        "name": name,
        "other_name": other,
        "is_employee": to == "employee",
        "start_local": _local(interview.start, hours) if interview.start else "",
        "end_local": _local(interview.end, hours) if interview.end else "",
        "location": interview.location or (interview_place(interview) if not interview.video_link else ""),
        "video_link": interview.video_link,
        "leaver_page_url": f"{settings.SITE_URL}/me/",
        # The leaver answers on their page; the interviewer opens the guide.
        "interview_url": f"{settings.SITE_URL}/me/"
        if to == "employee"
        else f"{settings.SITE_URL}/interviews/{interview.pk}/guide/",
        "slots_url": f"{settings.SITE_URL}/me/",
    }
    return language, context


@renderer("interview_invite")
def render_invite(action):
    interview = _interview(action)
    payload = action.payload
    if interview is None or interview.sequence != payload["sequence"] or interview.state != InterviewState.SCHEDULED:
        return None
    language, context = _interview_context(interview, payload["to"], payload)
    ics = calendar.build_request(interview_meeting(interview, language=language))
    context["is_update"] = interview.sequence > 0
    context["agenda"] = interview_agenda_titles(interview)
    return render_message(
        template="interview_invite",
        context=context,
        language=language,
        to=[action.recipient],
        calendar=ics,
        method="REQUEST",
    )


@renderer("interview_cancel")
def render_cancel(action):
    interview = _interview(action)
    if interview is None:
        return None
    payload = action.payload
    language, context = _interview_context(interview, payload["to"], payload)
    attendees = None
    if payload["to"].startswith("user"):
        # A former interviewer: their copy of the meeting is cancelled, the meeting itself goes on.
        user = get_user_model().objects.get(pk=payload["user"])
        attendees = (calendar.Attendee(user_email(user), display_name(user)),)
    meeting = interview_meeting(
        interview, language=language, sequence=payload["sequence"], cancelled=True, attendees=attendees
    )
    return render_message(
        template="interview_cancel",
        context=context,
        language=language,
        to=[action.recipient],
        calendar=calendar.build_cancel(meeting),
        method="CANCEL",
    )


@renderer("interview_reminder")
def render_reminder(action):
    interview = _interview(action)
    payload = action.payload
    if interview is None or interview.sequence != payload["sequence"] or interview.state != InterviewState.SCHEDULED:
        return None
    language, context = _interview_context(interview, payload["to"], payload)
    context["hours"] = payload.get("hours")
    return render_message(template="interview_reminder", context=context, language=language, to=[action.recipient])


@renderer("interview_change_requested")
def render_change_requested(action):
    interview = _interview(action)
    if interview is None or interview.state not in (InterviewState.SCHEDULED, InterviewState.NO_SHOW):
        return None
    payload = action.payload
    reply = interview.replies.filter(pk=payload["reply"]).first()
    if reply is None or reply.sequence < interview.sequence:
        return None  # already rescheduled since
    user_payload = {"user": payload["user"]}
    language, context = _interview_context(interview, f"user{payload['user']}", user_payload)
    _, _, hours = _recipient(interview, "user", user_payload)
    context["proposed_start_local"] = _local(reply.proposed_start, hours) if reply.proposed_start else ""
    context["proposed_end_local"] = _local(reply.proposed_end, hours) if reply.proposed_end else ""
    return render_message(
        template="interview_change_requested", context=context, language=language, to=[action.recipient]
    )


@renderer("interview_interviewer_removed")
def render_interviewer_removed(action):
    interview = _interview(action)
    if interview is None:
        return None
    payload = action.payload
    language, context = _interview_context(interview, "user", {"user": payload["user"]})
    former = get_user_model().objects.filter(pk=payload["former"]).first()
    context["former_name"] = display_name(former) if former else ""
    context["new_name"] = display_name(interview.interviewer) if payload["reassigned"] else ""
    return render_message(
        template="interview_interviewer_removed", context=context, language=language, to=[action.recipient]
    )


@renderer("interview_questionnaire_offer")
def render_questionnaire_offer(action):
    interview = _interview(action)
    if interview is None or interview.state != InterviewState.DECLINED:
        return None
    language, context = _interview_context(interview, "employee", action.payload)
    context["questionnaire_url"] = f"{settings.SITE_URL}/interviews/{interview.pk}/questionnaire/"
    return render_message(
        template="interview_questionnaire_offer", context=context, language=language, to=[action.recipient]
    )


@renderer("interview_attendee_declined")
def render_attendee_declined(action):
    interview = _interview(action)
    if interview is None or interview.state != InterviewState.SCHEDULED:
        return None
    payload = action.payload
    reply = interview.replies.filter(pk=payload["reply"]).first()
    if reply is None or reply.sequence < interview.sequence:
        return None  # rescheduled since: the decline was for a time that no longer holds
    if "user" in payload:
        language, context = _interview_context(interview, f"user{payload['user']}", payload)
    else:
        language, context = _interview_context(interview, "employee", payload)
        language, context["name"] = settings.LANGUAGE_CODE[:2], ""
    context["decliner"] = (
        interview.departure.employee.name
        if reply.attendee_email.lower() != user_email(interview.interviewer).lower()
        else display_name(interview.interviewer)
    )
    return render_message(
        template="interview_attendee_declined", context=context, language=language, to=[action.recipient]
    )


@renderer("interview_declinecounter")
def render_declinecounter(action):
    interview = _interview(action)
    if interview is None or interview.sequence != action.payload["sequence"]:
        return None
    if interview.state != InterviewState.SCHEDULED:
        return None
    reply = interview.replies.filter(pk=action.payload["reply"]).first()
    if reply is None:
        return None
    to = "interviewer" if reply.attendee_email.lower() == user_email(interview.interviewer).lower() else "employee"
    language, context = _interview_context(interview, to, action.payload)
    context["proposed_start_local"] = _local(reply.proposed_start, _recipient(interview, to, {})[2])
    ics = calendar.build_declinecounter(
        interview_meeting(interview, language=language), attendee_email=reply.attendee_email
    )
    return render_message(
        template="interview_declinecounter",
        context=context,
        language=language,
        to=[action.recipient],
        calendar=ics,
        method="DECLINECOUNTER",
    )
