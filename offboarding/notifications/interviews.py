"""Outbox renderers for the exit interview and references: invites and cancellations (iTIP email),
reminders, change requests, the questionnaire offer, and the reference offer, request and delivery.

Each renderer reloads what the payload's ids point at and returns None when the message no longer
applies (an invite for a SEQUENCE that was superseded, a reminder for a cancelled interview).
Nothing confidential goes into any of these messages.
"""

from __future__ import annotations

import datetime
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model

from integrations import calendar
from integrations.email import render_message
from offboarding.actions.interviews import user_email, user_language
from offboarding.interviews import references
from offboarding.interviews.models import ExitInterview, InterviewState, ReferenceOffer, ReferenceState
from offboarding.interviews.slots import hours_of_employee, hours_of_user
from offboarding.models import DepartureState
from workflows.outbox.registry import renderer

SUMMARY = {"en": "Exit interview", "sv": "Exitsamtal"}


def organizer() -> tuple[str, str]:
    """The mailbox that sends invites and receives replies (forwarded to the replies webhook)."""
    configured = getattr(settings, "CALENDAR_ORGANIZER_EMAIL", "")
    name, address = parseaddr(configured or settings.DEFAULT_FROM_EMAIL)
    return address, name or "Offboarding"


def display_name(user) -> str:
    """A user's name as colleagues know it: their employee record's, else the login's."""
    employee = getattr(user, "employee", None)
    if employee is not None:
        return employee.name
    return user.get_full_name() or user.username


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
    description = interview.video_link or ""
    return calendar.Meeting(
        uid=interview.uid,
        sequence=interview.sequence if sequence is None else sequence,
        start=interview.start,
        end=interview.end,
        summary=SUMMARY.get(language, SUMMARY["en"]),
        organizer_email=email,
        organizer_name=name,
        attendees=attendees,
        location=interview.location or interview.video_link,
        description=description,
        url=interview.video_link,
        cancelled=cancelled,
    )


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
        "location": interview.location,
        "video_link": interview.video_link,
        "interview_url": f"{settings.SITE_URL}/api/v1/interviews/{interview.pk}/",
        "slots_url": f"{settings.SITE_URL}/api/v1/interviews/{interview.pk}/slots/",
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


@renderer("interview_questionnaire_offer")
def render_questionnaire_offer(action):
    interview = _interview(action)
    if interview is None or interview.state != InterviewState.DECLINED:
        return None
    language, context = _interview_context(interview, "employee", action.payload)
    context["questionnaire_url"] = f"{settings.SITE_URL}/api/v1/interviews/{interview.pk}/responses/"
    return render_message(
        template="interview_questionnaire_offer", context=context, language=language, to=[action.recipient]
    )


def _offer(action) -> ReferenceOffer | None:
    return (
        ReferenceOffer.objects.select_related("departure__employee__manager", "step")
        .filter(pk=action.payload.get("reference"))
        .first()
    )


@renderer("reference_offer")
def render_reference_offer(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.OFFERED or offer.departure.state == DepartureState.CANCELLED:
        return None
    employee = offer.departure.employee
    context = {
        "name": employee.name,
        "accept_url": f"{settings.SITE_URL}/api/v1/references/accept/{references.accept_token(offer)}/",
        "api_url": f"{settings.SITE_URL}/api/v1/references/{offer.pk}/accept/",
        "valid_days": references.LINK_MAX_AGE.days,
    }
    return render_message(
        template="reference_offer", context=context, language=employee.language, to=[action.recipient]
    )


@renderer("reference_request")
def render_reference_request(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.ACCEPTED or offer.departure.state == DepartureState.CANCELLED:
        return None
    employee = offer.departure.employee
    manager = employee.manager
    context = {
        "name": manager.name if manager else "",
        "employee_name": employee.name,
        "due_date": offer.step.due_date if offer.step_id else None,
        "submit_url": f"{settings.SITE_URL}/api/v1/references/{offer.pk}/submit/",
    }
    language = manager.language if manager else settings.LANGUAGE_CODE
    return render_message(template="reference_request", context=context, language=language, to=[action.recipient])


@renderer("reference_delivery")
def render_reference_delivery(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.DELIVERED:
        return None
    employee = offer.departure.employee
    writer = offer.written_by
    context = {
        "name": employee.name,
        "writer_name": display_name(writer) if writer else "",
        "reference_text": offer.text,
    }
    return render_message(
        template="reference_delivery", context=context, language=employee.language, to=[action.recipient]
    )
