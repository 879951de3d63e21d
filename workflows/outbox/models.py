"""Scheduled actions: what must be sent, to whom, when; written with the state change that causes it."""

from django.db import models
from django.utils import timezone


class ActionKind(models.TextChoices):
    INVITE = "invite", "Calendar invite"
    CANCEL = "cancel", "Calendar cancellation"
    REMINDER = "reminder", "Reminder"
    APPROVAL_REQUEST = "approval_request", "Approval request"
    ESCALATION = "escalation", "Escalation"
    REFERENCE_OFFER = "reference_offer", "Reference offer"
    FOLLOW_UP = "follow_up", "Follow-up"
    THANK_YOU = "thank_you", "Thank-you and transition information"
    NOTIFICATION = "notification", "Notification"
    WEBHOOK = "webhook", "Outbound webhook"
    CHAT = "chat", "Chat message"


class ActionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    CHAT = "chat", "Chat"


class ScheduledAction(models.Model):
    """One message to deliver. The payload holds ids only: never names, answers or reasons."""

    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    # The registered renderer that turns this row into a message at delivery time (outbox.registry).
    handler = models.CharField(max_length=80)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=500)
    due_at = models.DateTimeField()
    # On PostgreSQL in byte order ("C", set by migration 0004, which SQLite has not): the unique
    # index then serves key-prefix cancels (LIKE 'prefix%') too, so no second index is written.
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Groups the actions of one thing (e.g. "departure:12", "interview:3") so they move or cancel together.
    group = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=6)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When a sweep claimed the row (status "sending"); a claim older than the lease belongs to a
    # worker that died, and the next sweep claims the row again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When a delivery run started sending (no transaction is held open over SMTP or HTTP); another
    # run seeing a recent value leaves the row alone, so one action is sent once.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # One entry per attempt: {"attempt", "started_at", "outcome", "error"}; an attempt whose worker
    # or database connection was lost shows outcome "unknown" (it may have gone out).
    history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep's two claims, each over only the rows it can take: a sent or cancelled row
            # leaves the first, and a row is only in the second while it is being sent.
            models.Index(fields=["due_at"], name="outbox_due_pending_idx", condition=models.Q(status="pending")),
            models.Index(fields=["claimed_at"], name="outbox_claim_sending_idx", condition=models.Q(status="sending")),
            # Cancelling by group is an equality match; a plain btree (no LIKE-pattern twin).
            models.Index(fields=["group"], name="outbox_group_idx"),
            # HR's outbox list, in the default order.
            models.Index(fields=["due_at", "id"], name="outbox_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class UsedLink(models.Model):
    """A one-click link from an email that has been acted on; links work once.

    Only a digest of the signed token is stored (the token itself would be a working credential
    until it expires). Kept here, next to the messages that carry the links, so any app's links
    can share it.
    """

    digest = models.CharField(max_length=64, unique=True)
    action = models.CharField(max_length=40)
    # The object the link acted on, e.g. "departure:12".
    subject = models.CharField(max_length=100)
    user_id = models.BigIntegerField(null=True, blank=True)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.action} on {self.subject} at {self.used_at:%Y-%m-%d %H:%M}"
