"""Admin for HR: each team's chat webhook, and read-only logs of processed inbound events and inbound mail."""

from django.contrib import admin

from integrations.models import ChatWebhook, InboundMessage, ProcessedEvent


@admin.register(ChatWebhook)
class ChatWebhookAdmin(admin.ModelAdmin):
    list_display = ["__str__", "url", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["department"]


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(admin.ModelAdmin):
    list_display = ["source", "event_id", "event_type", "received_at"]
    list_filter = ["source", "event_type"]
    search_fields = ["event_id"]
    readonly_fields = ["source", "event_id", "event_type", "outcome", "received_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "outcome", "method", "reason"]
    list_filter = ["source", "outcome", "method"]
    search_fields = ["message_id", "uid"]
    readonly_fields = ["message_id", "source", "outcome", "reason", "method", "uid", "reply_id", "received_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
