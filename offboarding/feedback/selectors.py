"""Reads of confidential answers, already checked against the caller; every read of text is logged."""

from __future__ import annotations

import datetime

from django.db import transaction

from core import errors, links, roles
from offboarding import access
from offboarding.feedback import crypto
from offboarding.feedback.guide import guide_install_default
from offboarding.feedback.models import RATING_NAMES, ConfidentialAccess, FollowUpSurvey, Guide, InterviewResponse
from offboarding.interviews import selectors as interview_selectors
from offboarding.interviews.models import ExitInterview

# Who reads what: the assigned interviewer and HR with the permission see notes; the employee
# sees their own answers but not the interviewer's notes (the notes are the interviewer's working
# record, shown to HR when needed; the employee can ask HR for them under data-access rules).
NOTE_READERS = ("interviewer", "hr")
SURVEY_SALT = "offboarding.feedback.follow_up"
SURVEY_LINK_MAX_AGE_DAYS = 30


def guide_current() -> Guide:
    """The newest guide version. The shipped guide is always there: when no version exists (a fresh
    database whose tables were emptied after migrate), it is installed first, idempotently."""
    guide = Guide.objects.order_by("-version").first()
    if guide is None:
        guide, _ = guide_install_default()
    return guide


def guide_list():
    return Guide.objects.order_by("-version")


def interview_for_answers(*, pk: int) -> ExitInterview:
    try:
        return ExitInterview.objects.select_related("departure__employee", "interviewer").get(pk=pk)
    except ExitInterview.DoesNotExist:
        raise errors.NotFound("No interview with this id.") from None


def can_read_confidential(user) -> bool:
    return roles.is_hr_user(user) and user.has_perm(roles.READ_ANSWERS_PERMISSION)


def answers_role(*, interview, user) -> str:
    """The caller's standing to the answers: "employee", "interviewer" or "hr".

    The API's rule: whoever may see the interview (HR, the employee's managers) but not its answers gets
    403 (HR without the permission, and managers, who only ever see what the employee shares); anyone
    who may not see the interview at all gets 404, as for the interview itself."""
    departure = interview.departure
    if access.is_subject(departure, user):
        return "employee"
    if interview_selectors.is_eligible_interviewer(interview, user):
        return "interviewer"
    if access.is_manager_of(departure.employee, user):
        # Managers never read the answers, even when they also work in HR with the permission.
        raise errors.PermissionDenied("Managers see only the answers the employee shares (shared/).")
    if roles.is_hr_user(user):
        if can_read_confidential(user):
            return "hr"
        raise errors.PermissionDenied("Reading exit-interview answers needs the confidential-answers permission.")
    raise errors.NotFound("No interview with this id.")


def access_record(*, user, purpose: str, interview=None, survey=None) -> None:
    """Log one read of confidential text: who, when, which interview, why. Never what was read."""
    ConfidentialAccess.objects.create(
        user=user if getattr(user, "pk", None) else None,
        user_label=getattr(user, "username", "") or "anonymous",
        interview=interview,
        interview_ref=getattr(interview, "pk", None),
        survey=survey,
        purpose=purpose,
    )


def _text(value: dict, language: str) -> str:
    return value.get(language) or value.get("en") or ""


def guide_render(guide: Guide, *, language: str) -> list[dict]:
    return [
        {
            "key": section["key"],
            "title": _text(section["title"], language),
            "guidance": _text(section.get("guidance") or {}, language),
            "questions": [{"key": q["key"], "text": _text(q["text"], language)} for q in section["questions"]],
        }
        for section in guide.content["sections"]
    ]


def interview_response_read(*, interview, user, purpose: str, language: str | None = None) -> dict:
    """The guide's questions and the answers so far, for someone answers_role admits; logs the read."""
    role = answers_role(interview=interview, user=user)
    response = (
        InterviewResponse.objects.select_related("guide")
        .prefetch_related("answers")
        .filter(interview=interview)
        .first()
    )
    guide = response.guide if response is not None else guide_current()
    language = language or interview.departure.employee.language or "en"
    answers = []
    notes = None
    surveys = list(FollowUpSurvey.objects.filter(departure_id=interview.departure_id).exclude(state="cancelled"))
    follow_ups = []
    if response is not None or any(s.addition for s in surveys):
        with transaction.atomic():
            access_record(user=user, purpose=purpose, interview=interview)
            follow_ups = [_follow_up_data(s) for s in surveys]
            answers = [
                {
                    "question": a.question,
                    "text": crypto.unseal(a, "text"),
                    "share_with_manager": a.share_with_manager,
                    "updated_at": a.updated_at,
                }
                for a in (response.answers.all() if response is not None else [])
            ]
            if role in NOTE_READERS and response is not None:
                notes = crypto.unseal(response, "notes")
    data = {
        "interview": interview.pk,
        "interview_state": interview.state,
        "role": role,
        "guide": {"version": guide.version, "name": guide.content.get("name", "")},
        "language": language,
        "sections": guide_render(guide, language=language),
        "answers": answers,
        "reasons": {
            "primary": response.primary_reason if response else "",
            "secondary": response.secondary_reason if response else "",
        },
        "ratings": response.ratings() if response else dict.fromkeys(RATING_NAMES),
        "would_recommend": response.would_recommend if response else None,
        "would_return": response.would_return if response else None,
        "text_purged": bool(response and response.text_purged_at),
        "employee_submitted_at": response.employee_submitted_at if response else None,
        "follow_ups": follow_ups,
    }
    if role in NOTE_READERS:
        data["notes"] = notes or ""
    return data


def _follow_up_data(survey: FollowUpSurvey) -> dict:
    return {
        "offset_days": survey.offset_days,
        "state": survey.state,
        "answered_at": survey.answered_at,
        "reasons": {"primary": survey.primary_reason, "secondary": survey.secondary_reason},
        "ratings": survey.ratings(),
        "would_recommend": survey.would_recommend,
        "would_return": survey.would_return,
        "addition": crypto.unseal(survey, "addition"),
    }


def interview_shared_read(*, interview, user, language: str | None = None) -> dict:
    """The answers the employee consented to share with their manager, attributed to them.

    Readable by the employee's managers (anyone above them) and by those who may read all answers."""
    departure = interview.departure
    if not access.is_manager_of(departure.employee, user):
        answers_role(interview=interview, user=user)  # raises 403/404 for everyone else
    language = language or departure.employee.language or "en"
    response = InterviewResponse.objects.select_related("guide").filter(interview=interview).first()
    shared = []
    if response is not None:
        questions = {
            q["key"]: _text(q["text"], language) for s in response.guide.content["sections"] for q in s["questions"]
        }
        rows = list(response.answers.filter(share_with_manager=True).exclude(text=""))
        if rows:
            with transaction.atomic():
                access_record(user=user, purpose="shared.get", interview=interview)
                shared = [
                    {
                        "question": a.question,
                        "question_text": questions.get(a.question, ""),
                        "text": crypto.unseal(a, "text"),
                    }
                    for a in rows
                ]
    return {
        "interview": interview.pk,
        "interview_state": interview.state,
        "employee": {"id": departure.employee_id, "name": departure.employee.name},
        "answers": shared,
    }


# --- follow-up survey links


def survey_token(survey: FollowUpSurvey) -> str:
    """A signed, timestamped token naming the survey and its uuid (so ids cannot be guessed)."""
    return links.link_sign({"s": survey.pk, "u": str(survey.uuid)}, salt=SURVEY_SALT)


def survey_from_token(token: str) -> FollowUpSurvey:
    """The survey a link names; tampered → 404, expired → 410. Answered/cancelled is the action's call."""
    data = links.link_verify(
        token,
        salt=SURVEY_SALT,
        max_age=datetime.timedelta(days=SURVEY_LINK_MAX_AGE_DAYS),
        expired="This survey link has expired; nothing was changed.",
        invalid="This survey link is not valid; nothing was changed.",
    )
    survey = (
        FollowUpSurvey.objects.select_related("departure__employee")
        .filter(pk=data.get("s"), uuid=data.get("u"))
        .first()
    )
    if survey is None:
        raise links.LinkInvalid("This survey link is not valid; nothing was changed.")
    return survey
