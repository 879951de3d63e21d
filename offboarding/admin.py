"""Django admin for HR: employees, departures and their audit trail (read-only)."""

from django.contrib import admin

from offboarding.models import Departure, DepartureHistory, Employee


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["name", "external_id", "email", "department", "manager", "country", "time_zone"]
    list_filter = ["department", "country", "language"]
    search_fields = ["name", "external_id", "email"]
    autocomplete_fields = ["manager", "user"]
    list_select_related = ["manager"]


class DepartureHistoryInline(admin.TabularInline):
    model = DepartureHistory
    extra = 0
    can_delete = False
    fields = ["at", "subject", "transition", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Departure)
class DepartureAdmin(admin.ModelAdmin):
    """State changes go through the API's services (audited); the admin edits plain fields only."""

    list_display = ["employee", "kind", "notice_date", "last_working_day", "state", "interview_outcome"]
    list_filter = ["state", "kind", "employee__department"]
    search_fields = ["employee__name", "employee__external_id"]
    readonly_fields = ["state", "interview_outcome", "workflow", "created_by", "created_at", "completed_at"]
    list_select_related = ["employee"]
    autocomplete_fields = ["employee"]
    inlines = [DepartureHistoryInline]


@admin.register(DepartureHistory)
class DepartureHistoryAdmin(admin.ModelAdmin):
    list_display = ["at", "departure", "subject", "transition", "from_state", "to_state", "actor_label"]
    list_filter = ["subject", "transition"]
    list_select_related = ["departure__employee"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
