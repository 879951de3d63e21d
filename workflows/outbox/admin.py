"""Admin for the outbox: what is scheduled, what failed and why, and a retry action."""

from django.contrib import admin, messages

from core import errors
from workflows.outbox import services
from workflows.outbox.models import ActionStatus, ScheduledAction, UsedLink


@admin.register(ScheduledAction)
class ScheduledActionAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "handler", "recipient", "due_at", "status", "attempts", "max_attempts", "short_error")
    list_filter = ("status", "kind", "channel", "handler")
    search_fields = ("recipient", "group", "idempotency_key")
    date_hierarchy = "due_at"
    ordering = ("-due_at",)
    readonly_fields = [f.name for f in ScheduledAction._meta.fields if f.name != "history"] + ["attempt_history"]
    actions = ["retry_failed"]

    @admin.display(description="attempts, newest last")
    def attempt_history(self, obj: ScheduledAction) -> str:
        lines = [
            f"{entry.get('attempt')}. {entry.get('started_at')}: {entry.get('outcome', 'running')}"
            + (f" ({entry['error']})" if entry.get("error") else "")
            for entry in obj.history or []
        ]
        return "\n".join(lines) or "-"

    @admin.display(description="last error")
    def short_error(self, obj: ScheduledAction) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Retry the selected failed actions now")
    def retry_failed(self, request, queryset):
        retried = 0
        for action in queryset.filter(status=ActionStatus.FAILED):
            try:
                services.action_retry(action=action, actor=request.user)
                retried += 1
            except errors.ApplicationError:
                continue
        self.message_user(request, f"{retried} action(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(UsedLink)
class UsedLinkAdmin(admin.ModelAdmin):
    list_display = ("action", "subject", "user_id", "used_at")
    readonly_fields = ("digest", "action", "subject", "user_id", "used_at")

    def has_add_permission(self, request) -> bool:
        return False
