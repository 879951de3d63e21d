"""Django admin for exit interview scheduling: read-mostly, since state changes go through the actions."""

from django.contrib import admin

from offboarding.interviews.models import AttendeeReply, CalendarFeed, ExitInterview, ReferenceOffer


class AttendeeReplyInline(admin.TabularInline):
    model = AttendeeReply
    extra = 0
    can_delete = False
    fields = ["received_at", "method", "attendee_email", "sequence", "partstat", "proposed_start", "applied"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExitInterview)
class ExitInterviewAdmin(admin.ModelAdmin):
    list_display = ["id", "departure", "interviewer", "state", "start", "sequence"]
    list_filter = ["state"]
    search_fields = ["uid", "departure__employee__name"]
    list_select_related = ["departure__employee", "interviewer"]
    readonly_fields = [
        "departure",
        "interviewer",
        "state",
        "start",
        "end",
        "uid",
        "sequence",
        "employee_partstat",
        "interviewer_partstat",
        "created_by",
        "created_at",
        "updated_at",
        "held_at",
    ]
    inlines = [AttendeeReplyInline]


@admin.register(ReferenceOffer)
class ReferenceOfferAdmin(admin.ModelAdmin):
    # The reference text is the employee's; it is not listed, only shown on the record.
    list_display = ["id", "departure", "state", "offered_at", "accepted_at", "delivered_at"]
    list_filter = ["state"]
    list_select_related = ["departure__employee"]
    readonly_fields = [
        "departure",
        "interview",
        "state",
        "offered_at",
        "accepted_at",
        "step",
        "written_by",
        "delivered_at",
    ]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    readonly_fields = ["user", "token_hash", "created_at", "revoked_at"]
