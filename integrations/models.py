"""State kept by the edges: which inbound events were processed, and where each team's chat lives."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessedEvent(models.Model):
    """An inbound event (HRIS or IT receipt) already acted on; the unique pair makes replays no-ops."""

    source = models.CharField(max_length=40)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=80, blank=True)
    # What processing led to, e.g. {"departure": 12, "result": "started"}: ids and words only.
    outcome = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="processed_event_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id}"


class ChatWebhook(models.Model):
    """A team's Slack-compatible incoming webhook. Blank department: the fallback for every team."""

    department = models.CharField(
        max_length=120, unique=True, blank=True, help_text=_("As written on employees; blank for all other teams.")
    )
    url = models.URLField(_("incoming webhook URL"), max_length=500)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department"]
        verbose_name = _("chat webhook")

    def __str__(self) -> str:
        return self.department or str(_("(all other teams)"))


class InboundMessage(models.Model):
    """An email taken from the organizer mailbox or the inbound-mail webhook, by its Message-ID: the
    unique id makes a second delivery of the same message (a rerun, a crash before the move) a no-op.
    Only ids and words are kept, never the message itself."""

    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        IGNORED = "ignored", _("Recorded and ignored")
        REJECTED = "rejected", _("Not an iTIP reply we can read")

    message_id = models.CharField(max_length=255, unique=True)
    source = models.CharField(max_length=20)  # "imap" or "webhook"
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Why it was ignored or rejected, e.g. "unknown UID": system words, no message text.
    reason = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=10, blank=True)
    uid = models.CharField(max_length=255, blank=True)
    reply_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}:{self.message_id} ({self.outcome})"
