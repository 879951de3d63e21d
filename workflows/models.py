"""Workflow templates (versioned data), running workflows and their steps with an audit trail.

The engine is generic: a workflow belongs to a `subject` named by a string (e.g. "departure:12")
and is anchored on named dates (e.g. notice_date, last_working_day); it never imports the domain.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


class AssigneeRole(models.TextChoices):
    MANAGER = "manager", _("Manager")
    HR = "hr", _("HR")
    IT = "it", _("IT")
    FACILITIES = "facilities", _("Facilities")
    PAYROLL = "payroll", _("Payroll")
    EMPLOYEE = "employee", _("Employee")


class StepKind(models.TextChoices):
    TASK = "task", _("Task")
    APPROVAL = "approval", _("Approval")
    MEETING = "meeting", _("Meeting")
    INTERVIEW = "interview", _("Interview")


class Anchor(models.TextChoices):
    NOTICE_DATE = "notice_date", _("Notice date")
    LAST_WORKING_DAY = "last_working_day", _("Last working day")
    STEP = "step", _("Another step's completion")


class WorkflowTemplate(models.Model):
    """A checklist family for one kind of subject, optionally narrowed to a country or department.

    Its content lives in immutable TemplateVersion rows: editing writes a new version.
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, db_index=True, help_text=_("The departure kind it applies to."))
    country = models.CharField(max_length=2, blank=True, help_text=_("Blank: any country."))
    department = models.CharField(max_length=120, blank=True, help_text=_("Blank: any department."))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "country", "department", "id"]

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> TemplateVersion | None:
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """One immutable version of a template's steps. Running workflows point at the version they began with.

    `steps` is a list of step definitions: key, title, description, assignee_role, kind, anchor,
    anchor_step, offset_days, depends_on (keys), required, remind, approves_subject, due_time.
    """

    template = models.ForeignKey(WorkflowTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    steps = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"


class Workflow(models.Model):
    """One running checklist, started from a template version, for one subject (a departure)."""

    template_version = models.ForeignKey(
        TemplateVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="workflows"
    )
    subject = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2)
    time_zone = models.CharField(max_length=64)
    # Named anchor dates as ISO strings, e.g. {"notice_date": "2026-11-02", "last_working_day": "2026-12-18"}.
    anchors = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        # Equality only (receipts find a departure's workflow): no LIKE-pattern twin.
        indexes = [models.Index(fields=["subject"], name="workflow_subject_idx")]

    def __str__(self) -> str:
        return f"Workflow {self.pk} ({self.subject})"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def open_required_steps(self):
        """Required steps not yet finished (done, skipped or approved); a rejected approval is open."""
        return self.steps.filter(required=True).exclude(state__in=FINISHED_STATES)

    @classmethod
    def with_open_required_steps(cls, ids) -> frozenset[int]:
        """Which of these workflows have open required steps (open_required_steps of each, in one query)."""
        steps = Step.objects.filter(workflow_id__in=ids, required=True).exclude(state__in=FINISHED_STATES)
        return frozenset(steps.values_list("workflow_id", flat=True).distinct())


class StepState(models.TextChoices):
    PENDING = "pending", _("Waiting for other steps")
    READY = "ready", _("Ready")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# Finished states unblock dependent steps; a rejected approval does not.
FINISHED_STATES = (StepState.DONE, StepState.SKIPPED, StepState.APPROVED)
OPEN_STATES = (StepState.PENDING, StepState.READY, StepState.REJECTED)


class Step(models.Model):
    """One thing to do in a running workflow, with its own state machine.

    pending → ready (its dependencies finished) → done | skipped; approval steps end approved |
    rejected, and a rejected approval reopens when the plan it judged changes. The `close` and
    `settle_approved` transitions are for events outside the step (the interview was held, the
    departure was approved directly), so they also start from pending.
    """

    S = StepState

    # Looked up through step_key_unique_in_workflow (workflow, key): no index of its own, nor on key.
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps", db_index=False)
    key = models.SlugField(max_length=60, db_index=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assignee_role = models.CharField(max_length=20, choices=AssigneeRole.choices)
    kind = models.CharField(max_length=20, choices=StepKind.choices, default=StepKind.TASK)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    depends_on = models.JSONField(default=list, blank=True)
    anchor = models.CharField(max_length=20, choices=Anchor.choices, blank=True)
    anchor_step = models.SlugField(max_length=60, blank=True, db_index=False)
    offset_days = models.IntegerField(default=0)
    due_time = models.TimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    remind = models.BooleanField(default=True)
    # Bumped whenever reminders are planned again, so new idempotency keys never collide with cancelled ones.
    reminder_round = models.PositiveSmallIntegerField(default=0)
    approves_subject = models.BooleanField(default=False)
    ad_hoc = models.BooleanField(default=False)
    state = FSMField(default=S.PENDING, choices=S.choices, protected=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["workflow_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "key"], name="step_key_unique_in_workflow")]
        indexes = [
            models.Index(fields=["assignee_role", "state"], name="step_role_state_idx"),
            models.Index(fields=["state"], name="step_state_idx"),
            # The steps list's order (offboarding.steps.step_list), also serving its due_before filter.
            models.Index(fields=["due_date", "workflow", "position", "id"], name="step_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_approval(self) -> bool:
        return self.kind == StepKind.APPROVAL

    def is_task(self) -> bool:
        return self.kind != StepKind.APPROVAL

    # --- transitions (pure; the engine writes history and outbox rows)

    @transition(field=state, source=S.PENDING, target=S.READY)
    def make_ready(self) -> None:
        pass

    @transition(field=state, source=S.READY, target=S.DONE, conditions=[is_task])
    def complete(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=[S.PENDING, S.READY], target=S.DONE, conditions=[is_task])
    def close(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=[S.PENDING, S.READY], target=S.SKIPPED)
    def skip(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=S.READY, target=S.APPROVED, conditions=[is_approval.fget])
    def approve(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=[S.PENDING, S.READY, S.REJECTED], target=S.APPROVED, conditions=[is_approval.fget])
    def settle_approved(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=S.READY, target=S.REJECTED, conditions=[is_approval.fget])
    def reject(self) -> None:
        self.finished_at = timezone.now()

    @transition(field=state, source=S.REJECTED, target=S.READY)
    def reopen(self) -> None:
        self.finished_at = None
        self.finished_by = None


class StepHistory(models.Model):
    """Audit trail of a step: each transition, and each due-date move (from_state == to_state)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="history")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "step history"

    def __str__(self) -> str:
        return f"{self.step_id} {self.transition}: {self.from_state} → {self.to_state}"
