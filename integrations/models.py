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
