"""Outbox renderers of the feedback area: the follow-up survey email (a signed link, no answers)."""

from __future__ import annotations

from django.conf import settings

from integrations.email import render_message
from offboarding.feedback.models import FollowUpSurvey, SurveyState
from offboarding.feedback.selectors import SURVEY_LINK_MAX_AGE_DAYS, survey_token
from workflows.outbox.registry import renderer


@renderer("feedback.follow_up")
def render_follow_up(action):
    """The survey invitation; None (no longer applies) once answered, cancelled, or the departure is cancelled."""
    survey = (
        FollowUpSurvey.objects.select_related("departure__employee").filter(pk=action.payload.get("survey")).first()
    )
    if survey is None or survey.state != SurveyState.PENDING or survey.departure.state == "cancelled":
        return None
    employee = survey.departure.employee
    link = f"{settings.SITE_URL}/api/v1/surveys/{survey_token(survey)}/"
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
