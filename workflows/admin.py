"""Django admin for HR: edit checklist templates (each save of the steps is a new version) and
inspect running workflows, their steps and audit trail (read-only: steps change through the API)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core import errors
from workflows import services
from workflows.models import Step, StepHistory, TemplateVersion, Workflow, WorkflowTemplate
from workflows.template_steps import validate_template_steps


class TemplateForm(forms.ModelForm):
    steps = forms.JSONField(
        help_text="The steps as a JSON list. Changed steps become a new version; running checklists keep theirs.",
        widget=forms.Textarea(attrs={"rows": 30, "cols": 120}),
        encoder=None,
    )
    version_note = forms.CharField(required=False, max_length=300)

    class Meta:
        model = WorkflowTemplate
        fields = ["slug", "name", "kind", "country", "department", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.instance.latest_version() if self.instance.pk else None
        self.fields["steps"].initial = latest.steps if latest else []

    def clean_steps(self):
        value = self.cleaned_data["steps"]
        try:
            return validate_template_steps(value)
        except errors.InvalidInput as exc:
            raise ValidationError([f"{where}: {' '.join(msgs)}" for where, msgs in exc.fields.items()]) from exc


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    extra = 0
    can_delete = False
    fields = ["number", "note", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkflowTemplate)
class WorkflowTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["name", "kind", "country", "department", "is_active", "updated_at"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name", "slug"]
    inlines = [TemplateVersionInline]

    def save_model(self, request, obj, form, change):
        steps = form.cleaned_data["steps"]
        note = form.cleaned_data.get("version_note", "")
        obj.save()
        latest = obj.latest_version()
        if latest is None or json.dumps(latest.steps, sort_keys=True) != json.dumps(steps, sort_keys=True):
            services.template_version_create(template=obj, steps=steps, actor=request.user, note=note)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ["position", "key", "title", "assignee_role", "kind", "required", "state", "due_date", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "template_version", "country", "started_at", "cancelled_at"]
    search_fields = ["subject"]
    readonly_fields = [
        "template_version",
        "subject",
        "country",
        "time_zone",
        "anchors",
        "started_at",
        "started_by",
        "cancelled_at",
    ]
    inlines = [StepInline]
    list_select_related = ["template_version__template"]


class StepHistoryInline(admin.TabularInline):
    model = StepHistory
    extra = 0
    can_delete = False
    fields = ["at", "transition", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    """Read-only: step transitions go through the API's services, which write the audit trail."""

    list_display = ["title", "workflow", "assignee_role", "state", "due_date"]
    list_filter = ["assignee_role", "state", "kind"]
    search_fields = ["title", "key", "workflow__subject"]
    inlines = [StepHistoryInline]
    list_select_related = ["workflow"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
