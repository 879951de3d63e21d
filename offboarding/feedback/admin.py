"""Django admin for the feedback area. It shows metadata only: no free text, decrypted or not,
appears in any list or change view (reading answers goes through the logged API)."""

from django.contrib import admin
from django.db.models import Count, Q

from core import roles
from offboarding.actions import answers
from offboarding.feedback.models import ConfidentialAccess, FollowUpSurvey, Guide, InterviewResponse


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and request.user.has_perm(roles.READ_ANSWERS_PERMISSION)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Guide)
class GuideAdmin(admin.ModelAdmin):
    """Versions are immutable: HR adds a new version; existing ones are read-only."""

    list_display = ["version", "note", "created_by", "created_at"]
    fields = ["content", "note"]

    def get_readonly_fields(self, request, obj=None):
        return ["version", "content", "note", "created_by", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return ["version", "content", "note", "created_by", "created_at"] if obj else ["content", "note"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        guide = answers.guide_create_version(
            content=form.cleaned_data["content"], note=form.cleaned_data.get("note", ""), actor=request.user
        )
        obj.pk = guide.pk
        obj.version = guide.version


@admin.register(InterviewResponse)
class InterviewResponseAdmin(ReadOnlyAdmin):
    list_display = [
        "interview",
        "guide",
        "answer_count",
        "shared_count",
        "employee_submitted_at",
        "text_purged_at",
        "updated_at",
    ]
    list_filter = ["guide"]
    list_select_related = ["interview", "guide"]
    # Per-person answers, structured or free, stay out of the admin: they are read through the
    # logged API. Only metadata is shown, and only to holders of the confidential permission.
    fields = [
        "interview",
        "guide",
        "answered_questions",
        "employee_submitted_at",
        "text_purged_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _answers=Count("answers"),
                _shared=Count("answers", filter=Q(answers__share_with_manager=True)),
            )
        )

    @admin.display(description="answers")
    def answer_count(self, obj) -> int:
        return obj._answers

    @admin.display(description="shared with manager")
    def shared_count(self, obj) -> int:
        return obj._shared

    @admin.display(description="answered questions (text is never shown here)")
    def answered_questions(self, obj) -> str:
        return ", ".join(
            f"{a.question}{' (shared)' if a.share_with_manager else ''}" for a in obj.answers.exclude(text="")
        )


@admin.register(FollowUpSurvey)
class FollowUpSurveyAdmin(ReadOnlyAdmin):
    list_display = ["departure", "offset_days", "due_at", "state", "answered_at"]
    list_filter = ["state", "offset_days"]
    list_select_related = ["departure__employee"]
    fields = ["departure", "offset_days", "due_at", "revision", "state", "answered_at", "text_purged_at"]
    readonly_fields = fields


@admin.register(ConfidentialAccess)
class ConfidentialAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user_label", "interview_ref", "purpose"]
    list_filter = ["purpose"]
    search_fields = ["user_label"]
