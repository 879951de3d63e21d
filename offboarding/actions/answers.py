"""Writes for the confidential half of the exit interview: the guide, answers, follow-up surveys,
retention and key rotation. Each public function is one business action in one transaction."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from core import errors
from offboarding import transitions
from offboarding.feedback import crypto
from offboarding.feedback.guide import guide_validate_content
from offboarding.feedback.models import (
    RATING_NAMES,
    Answer,
    FollowUpSurvey,
    Guide,
    InterviewResponse,
    SurveyState,
)
from offboarding.feedback.selectors import answers_role, guide_current
from offboarding.interviews.models import AttendeeReply, PersonalCalendar
from offboarding.models import ReasonCategory
from offboarding.notifications import feedback as feedback_notices

logger = logging.getLogger(__name__)

# Every encrypted column: (model, field). Key rotation walks this list.
ENCRYPTED_FIELDS = (
    (Answer, "text"),
    (InterviewResponse, "notes"),
    (FollowUpSurvey, "addition"),
    # The leaver's scheduling notes and calendar comments, and people's calendar URLs and passwords.
    (AttendeeReply, "note"),
    (AttendeeReply, "comment"),
    (PersonalCalendar, "url"),
    (PersonalCalendar, "password"),
)


def guide_create_version(*, content: dict, actor, note: str = "") -> Guide:
    """HR publishes a new guide version; interviews already answered keep the version they used."""
    content = guide_validate_content(content)
    with transaction.atomic():
        latest = Guide.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0
        guide = Guide.objects.create(
            version=latest + 1,
            content=content,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    logger.info("guide version %s created by user %s", guide.version, getattr(actor, "pk", None))
    return guide


# --- answers

EMPLOYEE_EDITABLE_STATES = ("proposed", "scheduled", "declined")
STAFF_EDITABLE_STATES = ("proposed", "scheduled", "held")


def _validate_structured(*, reasons: dict | None, ratings: dict | None) -> dict:
    fields: dict = {}
    valid_reasons = set(ReasonCategory.values)
    if reasons is not None:
        reason_errors = {}
        for name, value in reasons.items():
            if name not in ("primary", "secondary"):
                reason_errors[name] = ["Unknown field: use primary and secondary."]
            elif value not in ("", None) and value not in valid_reasons:
                reason_errors[name] = [f"{value!r} is not a known reason for leaving."]
        if reasons.get("primary") and reasons.get("primary") == reasons.get("secondary"):
            reason_errors["secondary"] = ["The secondary reason must differ from the primary one."]
        if reason_errors:
            fields["reasons"] = reason_errors
    if ratings is not None:
        rating_errors = {}
        for name, value in ratings.items():
            if name not in RATING_NAMES:
                rating_errors[name] = [f"Unknown rating; use one of {', '.join(RATING_NAMES)}."]
            elif value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
                rating_errors[name] = ["A rating is a whole number from 1 to 5."]
        if rating_errors:
            fields["ratings"] = rating_errors
    return fields


def interview_response_write(
    *,
    interview,
    actor,
    answers: list[dict] | None = None,
    reasons: dict | None = None,
    ratings: dict | None = None,
    would_recommend: bool | None = None,
    would_return: bool | None = None,
    notes: str | None = None,
    provided: frozenset[str] = frozenset(),
) -> InterviewResponse:
    """Record answers (an upsert: what is sent changes, what is omitted stays).

    The employee writes before the interview (the pre-interview questionnaire) or after declining
    it (the written questionnaire), and may change their consent to share at any time. The
    interviewer and HR with the permission write until the interview is closed; when they change
    an answer's text the employee's consent to share it lapses, since it was given for other words.
    Only the employee can give consent. `provided` names the top-level fields the caller sent."""
    with transaction.atomic():
        interview, response = transitions.interview_response_lock(interview)
        role = answers_role(interview=interview, user=actor)
        guide = response.guide if response is not None else guide_current()
        known = set(guide.question_keys())

        fields = _validate_structured(reasons=reasons, ratings=ratings)
        answer_errors = {}
        seen = set()
        for index, item in enumerate(answers or []):
            key = item.get("question")
            if key not in known:
                answer_errors[str(index)] = {"question": [f"{key!r} is not a question of guide v{guide.version}."]}
            elif key in seen:
                answer_errors[str(index)] = {"question": [f"{key!r} is answered twice in this request."]}
            seen.add(key)
        if answer_errors:
            fields["answers"] = answer_errors
        if notes is not None and role == "employee":
            fields["notes"] = ["Only the interviewer and HR write interview notes."]
        if fields:
            raise errors.InvalidInput(fields=fields)

        # Built unsaved first: nothing is stored (and no guide pinned) unless the checks below pass.
        is_new = response is None
        if is_new:
            response = InterviewResponse(interview=interview, guide=guide)
        existing = {} if is_new else {a.question: a for a in response.answers.all()}
        current_text = {key: crypto.unseal(a, "text") for key, a in existing.items()}

        content_changes = _structured_changes(
            response,
            reasons=reasons,
            ratings=ratings,
            would_recommend=would_recommend,
            would_return=would_return,
            provided=provided,
        )
        text_changes = {
            item["question"]
            for item in answers or []
            if (item.get("text") or "") != current_text.get(item["question"], "")
        }
        notes_change = notes is not None and notes != crypto.unseal(response, "notes")
        editable_states = EMPLOYEE_EDITABLE_STATES if role == "employee" else STAFF_EDITABLE_STATES
        if interview.state not in editable_states and (content_changes or text_changes or notes_change):
            if role == "employee":
                raise errors.TransitionNotAllowed(
                    f"The interview is {interview.state}: only your consent to share an answer can change now.",
                    code=errors.ErrorCode.ANSWERS_READ_ONLY,
                )
            raise errors.TransitionNotAllowed(
                f"The interview is {interview.state}: its answers are read-only.",
                code=errors.ErrorCode.ANSWERS_READ_ONLY,
            )
        if response.text_purged_at and (text_changes or notes_change):
            raise errors.TransitionNotAllowed(
                "The free text was deleted under the retention policy.", code=errors.ErrorCode.PURGED
            )

        consent_errors = {}
        for index, item in enumerate(answers or []):
            key = item["question"]
            wants_share = bool(item.get("share_with_manager", False))
            had_share = existing[key].share_with_manager if key in existing else False
            if role != "employee" and wants_share and not had_share:
                consent_errors[str(index)] = {"share_with_manager": ["Only the employee can consent to share."]}
        if consent_errors:
            raise errors.InvalidInput(fields={"answers": consent_errors})

        if is_new:
            response.save()
        for item in answers or []:
            key = item["question"]
            text = item.get("text") or ""
            answer = existing.get(key) or Answer(response=response, question=key)
            share = bool(item.get("share_with_manager", False))
            if role != "employee" and key in text_changes:
                share = False
            if key in text_changes:
                answer.text = crypto.seal(answer, "text", text)
            answer.share_with_manager = share and text != ""
            answer.updated_by = actor
            answer.save()

        for name, value in content_changes.items():
            setattr(response, name, value)
        if notes_change:
            response.notes = crypto.seal(response, "notes", notes or "")
        if role == "employee" and (content_changes or text_changes):
            response.employee_submitted_at = timezone.now()
        response.save()
    logger.info("interview %s answers written by user %s (%s)", interview.pk, actor.pk, role)
    return response


def _structured_changes(response, *, reasons, ratings, would_recommend, would_return, provided) -> dict:
    changes = {}
    if reasons is not None:
        for name in ("primary", "secondary"):
            if name in reasons:
                value = reasons[name] or ""
                if getattr(response, f"{name}_reason") != value:
                    changes[f"{name}_reason"] = value
    for name, value in (ratings or {}).items():
        if getattr(response, f"rating_{name}") != value:
            changes[f"rating_{name}"] = value
    for name, value in (("would_recommend", would_recommend), ("would_return", would_return)):
        if name in provided and getattr(response, name) != value:
            changes[name] = value
    return changes


# --- follow-up surveys


def follow_ups_schedule(*, departure) -> list[FollowUpSurvey]:
    """Create (or keep) one survey per settings.FOLLOW_UP_DAYS offset and put each in the outbox."""
    surveys = []
    with transaction.atomic():
        for offset in sorted(set(settings.FOLLOW_UP_DAYS)):
            survey, created = FollowUpSurvey.objects.get_or_create(
                departure=departure,
                offset_days=offset,
                defaults={"due_at": feedback_notices.follow_up_due_at(departure=departure, offset_days=offset)},
            )
            survey.departure = departure
            if created or survey.state == SurveyState.PENDING:
                feedback_notices.follow_up_message_schedule(survey=survey)
            surveys.append(survey)
    return surveys


def follow_ups_move(*, departure) -> int:
    """The last working day changed: cancel the scheduled emails and schedule them again at the new dates."""
    moved = 0
    with transaction.atomic():
        feedback_notices.follow_up_messages_cancel(departure=departure)
        for survey in transitions.follow_up_surveys_lock(departure=departure, state=SurveyState.PENDING):
            survey.departure = departure
            survey.due_at = feedback_notices.follow_up_due_at(departure=departure, offset_days=survey.offset_days)
            survey.revision += 1
            survey.save(update_fields=["due_at", "revision"])
            feedback_notices.follow_up_message_schedule(survey=survey)
            moved += 1
    return moved


def follow_ups_cancel(*, departure) -> int:
    """The departure was cancelled: no surveys go out, and unanswered links stop working."""
    with transaction.atomic():
        feedback_notices.follow_up_messages_cancel(departure=departure)
        return FollowUpSurvey.objects.filter(departure=departure, state=SurveyState.PENDING).update(
            state=SurveyState.CANCELLED
        )


def follow_up_survey_answer(
    *,
    survey: FollowUpSurvey,
    reasons: dict | None = None,
    ratings: dict | None = None,
    would_recommend: bool | None = None,
    would_return: bool | None = None,
    addition: str = "",
) -> FollowUpSurvey:
    """Record the one answer a survey link allows; a second submission is a conflict and changes nothing."""
    fields = _validate_structured(reasons=reasons, ratings=ratings)
    if fields:
        raise errors.InvalidInput(fields=fields)
    with transaction.atomic():
        survey = transitions.follow_up_survey_lock(survey)
        if survey.state == SurveyState.ANSWERED:
            raise errors.Conflict(
                "This survey has already been answered. Thank you!", code=errors.ErrorCode.SURVEY_ANSWERED
            )
        if survey.state == SurveyState.CANCELLED:
            raise errors.Conflict("This survey is no longer open.", code=errors.ErrorCode.SURVEY_CANCELLED)
        reasons = reasons or {}
        survey.primary_reason = reasons.get("primary") or ""
        survey.secondary_reason = reasons.get("secondary") or ""
        for name in RATING_NAMES:
            setattr(survey, f"rating_{name}", (ratings or {}).get(name))
        survey.would_recommend = would_recommend
        survey.would_return = would_return
        survey.addition = crypto.seal(survey, "addition", addition or "")
        survey.state = SurveyState.ANSWERED
        survey.answered_at = timezone.now()
        survey.save()
    logger.info("follow-up survey %s answered", survey.pk)
    return survey


# --- retention


def answers_purge_expired(*, today: datetime.date | None = None) -> dict[str, int]:
    """Delete the free text of departures whose last working day is more than
    settings.ANSWER_RETENTION_DAYS ago; reasons, ratings and yes/no answers stay for reports."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS)
    now = timezone.now()
    with transaction.atomic():
        expired = Q(interview__departure__last_working_day__lt=cutoff)
        responses = InterviewResponse.objects.filter(expired, text_purged_at__isnull=True)
        response_ids = list(responses.values_list("id", flat=True))
        answers = (
            Answer.objects.filter(response_id__in=response_ids)
            .exclude(text="")
            .update(text="", share_with_manager=False, updated_at=now)
        )
        notes = InterviewResponse.objects.filter(id__in=response_ids).update(notes="", text_purged_at=now)
        surveys = (
            FollowUpSurvey.objects.filter(departure__last_working_day__lt=cutoff, text_purged_at__isnull=True)
            .exclude(state=SurveyState.PENDING)
            .update(addition="", text_purged_at=now)
        )
    counts = {"responses": notes, "answers": answers, "surveys": surveys}
    logger.info("retention purge before %s: %s", cutoff.isoformat(), counts)
    return counts


# --- key rotation


def confidential_rotate_batch(*, model, field: str, batch_size: int = 500, after_pk: int = 0) -> tuple[int, int | None]:
    """Re-encrypt up to `batch_size` rows of one column to the newest key, in pk order after `after_pk`.

    Returns (rows re-encrypted, last pk seen or None when done). Rows already on the newest key are
    not selected, so an interrupted run resumes where it stopped."""
    prefix = crypto.key_ring().prefix()
    # Maintenance, not a business action: rows are locked in pk order so a concurrent write waits.
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update()
            .filter(pk__gt=after_pk)
            .exclude(**{field: ""})
            .exclude(**{f"{field}__startswith": prefix})
            .order_by("pk")[:batch_size]
        )
        for row in rows:
            setattr(row, field, crypto.seal(row, field, crypto.unseal(row, field)))
        if rows:
            model.objects.bulk_update(rows, [field])
    return len(rows), (rows[-1].pk if rows else None)


def confidential_pending_rotation(*, model, field: str) -> int:
    prefix = crypto.key_ring().prefix()
    return model.objects.exclude(**{field: ""}).exclude(**{f"{field}__startswith": prefix}).count()
