"""The confidential half of the exit interview: the versioned guide, answers, follow-up surveys and
the log of every read of confidential text.

Free-text fields hold ciphertext only (offboarding.feedback.crypto); they are decrypted by the
selectors, which log each read. Nothing here decrypts on attribute access.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offboarding.models import ReasonCategory

# The 1-5 ratings asked in the interview and in follow-up surveys, in display order.
RATING_NAMES = (
    "role",
    "work_environment",
    "colleagues",
    "manager",
    "development",
    "culture",
    "communication",
    "leadership",
)


class Guide(models.Model):
    """One immutable version of the interview guide: sections, each with a key and free-text questions.

    `content` reads {"name": ..., "sections": [{"key", "title": {"en","sv"}, "guidance": {"en","sv"},
    "questions": [{"key", "text": {"en","sv"}}]}]}; feedback.guide validates it. A new edit is a new version."""

    version = models.PositiveIntegerField(unique=True)
    content = models.JSONField()
    # A hash of the shipped data a version was installed from, so re-installing is a no-op.
    source_digest = models.CharField(max_length=64, blank=True, db_index=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Guide v{self.version}"

    def question_keys(self) -> list[str]:
        return [q["key"] for s in self.content.get("sections", []) for q in s.get("questions", [])]


class StructuredAnswers(models.Model):
    """The anonymous, structured part of an answer set: kept after retention deletes the free text."""

    primary_reason = models.CharField(max_length=20, choices=ReasonCategory.choices, blank=True)
    secondary_reason = models.CharField(max_length=20, choices=ReasonCategory.choices, blank=True)
    rating_role = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_work_environment = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_colleagues = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_manager = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_development = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_culture = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_communication = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_leadership = models.PositiveSmallIntegerField(null=True, blank=True)
    would_recommend = models.BooleanField(null=True, blank=True)
    would_return = models.BooleanField(null=True, blank=True)

    class Meta:
        abstract = True

    def ratings(self) -> dict[str, int | None]:
        return {name: getattr(self, f"rating_{name}") for name in RATING_NAMES}

    def has_structured_answers(self) -> bool:
        return bool(self.primary_reason) or any(v is not None for v in self.ratings().values())


def _rating_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"rating_{name}__isnull": True})
            | models.Q(**{f"rating_{name}__gte": 1, f"rating_{name}__lte": 5}),
            name=f"{prefix}_rating_{name}_1_to_5",
        )
        for name in RATING_NAMES
    ]


class InterviewResponse(StructuredAnswers):
    """The answers of one exit interview (or of the written questionnaire when it was declined).

    The guide version is pinned when the first answer is written, so later guide edits never
    change what a held interview asked."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.OneToOneField("interviews.ExitInterview", on_delete=models.CASCADE, related_name="response")
    guide = models.ForeignKey(Guide, on_delete=models.PROTECT, related_name="responses")
    # Interviewer notes: encrypted, for the interviewer and HR with the permission only.
    notes = models.TextField(blank=True)
    employee_submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    text_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("view_confidential_answers", "Can read and write confidential exit-interview answers")]
        constraints = _rating_constraints("response")

    def __str__(self) -> str:
        return f"Answers of interview #{self.interview_id}"


class Answer(models.Model):
    """The free-text answer to one guide question; `text` is ciphertext bound to this row's uuid."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.ForeignKey(InterviewResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=80)
    text = models.TextField(blank=True)
    # The employee's consent to show this answer, attributed, to their manager.
    share_with_manager = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"Answer to {self.question} (#{self.pk})"


class SurveyState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpSurvey(StructuredAnswers):
    """A survey sent some days after the last working day through a signed link; answered once."""

    S = SurveyState

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    departure = models.ForeignKey("offboarding.Departure", on_delete=models.CASCADE, related_name="follow_up_surveys")
    offset_days = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    # Bumped whenever the survey is rescheduled: the outbox key changes with it.
    revision = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=S.choices, default=S.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)
    # "Anything you would add now": encrypted like interview answers.
    addition = models.TextField(blank=True)
    text_purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["departure", "offset_days"], name="one_survey_per_offset"),
            *_rating_constraints("survey"),
        ]

    def __str__(self) -> str:
        return f"Follow-up +{self.offset_days}d for departure #{self.departure_id} ({self.state})"


class ConfidentialAccess(models.Model):
    """One read of confidential text: who, when, which interview, through what. Never the content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_label = models.CharField(max_length=150)
    interview = models.ForeignKey(
        "interviews.ExitInterview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survey = models.ForeignKey(FollowUpSurvey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept when the interview is deleted, so the trail outlives it.
    interview_ref = models.PositiveBigIntegerField(null=True, blank=True)
    purpose = models.CharField(max_length=60)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "confidential access log"

    def __str__(self) -> str:
        return f"{self.user_label} read interview #{self.interview_ref} ({self.purpose}) at {self.at:%Y-%m-%d %H:%M}"


class ReportRelease(models.Model):
    """One closed quarter of the reasons report, as released to one scope (HR's whole organisation or
    one manager's). Written once when the quarter is released and never revised, so comparing reports
    over time shows nothing about an answer recorded after the release (offboarding.feedback.reports)."""

    scope = models.CharField(max_length=40)  # "all", or "org:<employee id>" for a manager's organisation
    period = models.CharField(max_length=10)  # "2026-Q3"
    released_at = models.DateTimeField(default=timezone.now)
    responses = models.PositiveIntegerField()
    withheld = models.BooleanField(default=False)  # fewer responses than the minimum group size
    data = models.JSONField()

    class Meta:
        ordering = ["scope", "period"]
        constraints = [models.UniqueConstraint(fields=["scope", "period"], name="one_release_per_scope_and_period")]

    def __str__(self) -> str:
        return f"{self.scope} {self.period}"
