"""Outbox rows of the feedback area: the follow-up survey emails, their timing and keys, and their
renderer (a signed link, no answers)."""

from __future__ import annotations

import datetime

from django.conf import settings

from integrations.email import render_message
from offboarding.feedback.models import FollowUpSurvey, SurveyState
from offboarding.feedback.selectors import SURVEY_LINK_MAX_AGE_DAYS, survey_token
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind
from workflows.outbox.registry import renderer
from workflows.outbox.timing import next_working_moment

FOLLOW_UP_HANDLER = "feedback.follow_up"


def _key_prefix(departure_id: int) -> str:
    return f"feedback:follow_up:{departure_id}:"


def _recipient(departure) -> str:
    # The work address usually closes after the last day.
    employee = departure.employee
    return employee.personal_email or employee.email


def follow_up_due_at(*, departure, offset_days: int) -> datetime.datetime:
    """The first working moment on or after the day `offset_days` after the last working day, in
    the employee's own time zone and working hours."""
    employee = departure.employee
    day = departure.last_working_day + datetime.timedelta(days=offset_days)
    at = datetime.datetime.combine(day, employee.work_starts, tzinfo=employee.tzinfo)
    return next_working_moment(
        at, time_zone=employee.time_zone, country=employee.country, starts=employee.work_starts, ends=employee.work_ends
    )


def follow_up_message_schedule(*, survey: FollowUpSurvey) -> None:
    """Put one survey's email in the outbox at survey.due_at; the revision in the key lets a moved
    survey be scheduled anew."""
    outbox.action_schedule(
        kind=ActionKind.FOLLOW_UP,
        handler=FOLLOW_UP_HANDLER,
        recipient=_recipient(survey.departure),
        due_at=survey.due_at,
        key=f"{_key_prefix(survey.departure_id)}{survey.offset_days}:r{survey.revision}",
        group=f"departure:{survey.departure_id}",
        payload={"survey": survey.pk},
    )


def follow_up_messages_cancel(*, departure) -> None:
    """Cancel every follow-up email of the departure still waiting in the outbox."""
    outbox.actions_cancel(key_prefix=_key_prefix(departure.pk))


@renderer(FOLLOW_UP_HANDLER)
def render_follow_up(action):
    """The survey invitation; None (no longer applies) once answered, cancelled, or the departure is cancelled."""
    survey = (
        FollowUpSurvey.objects.select_related("departure__employee").filter(pk=action.payload.get("survey")).first()
    )
    if survey is None or survey.state != SurveyState.PENDING or survey.departure.state == "cancelled":
        return None
    employee = survey.departure.employee
    link = f"{settings.SITE_URL}/survey/{survey_token(survey)}/"
    return render_message(
        template="follow_up_survey",
        context={
            "first_name": employee.first_name,
            "link": link,
            "offset_days": survey.offset_days,
            "valid_days": SURVEY_LINK_MAX_AGE_DAYS,
        },
        language=employee.language,
        to=[action.recipient],
    )
