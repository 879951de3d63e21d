"""Chat notifications through Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat...).

A ChatMessage is what an outbox renderer returns for the chat channel; its .send() POSTs
`{"text": ...}`. The overdue sweep finds overdue open steps through the workflow models and writes
one chat action per step and day; the domain's renderer decides the team's channel and the words.
"""

from __future__ import annotations

import dataclasses
import datetime
import json

from django.utils import timezone

from integrations import http
from integrations.models import ChatWebhook
from workflows.models import Step, StepState
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind, Channel, ScheduledAction

OVERDUE_HANDLER = "chat_step_overdue"
APPROVAL_HANDLER = "chat_departure_approval"
APPROVAL_SUMMARY_HANDLER = "chat_departures_approval_summary"


@dataclasses.dataclass
class ChatMessage:
    """One message to one incoming webhook."""

    url: str
    text: str

    def send(self) -> int:
        body = json.dumps({"text": self.text}).encode()
        return http.post(url=self.url, body=body, headers={"Content-Type": "application/json"})


def chat_webhook_for(department: str) -> ChatWebhook | None:
    """The team's active webhook, else the active fallback (blank department), else None."""
    hooks = {h.department: h for h in ChatWebhook.objects.filter(is_active=True, department__in=[department, ""])}
    return hooks.get(department) or hooks.get("")


def chat_webhooks_by_department() -> dict[str, ChatWebhook]:
    """Every active webhook by department, for resolving many recipients with one query."""
    return {h.department: h for h in ChatWebhook.objects.filter(is_active=True)}


def overdue_steps_chat_schedule(*, today: datetime.date | None = None) -> int:
    """Write one chat action per overdue open step for `today` (idempotent: the key holds the date).

    The keys start with the workflow's prefix and the actions sit in the step's reminder group,
    so cancelling the workflow or finishing the step cancels them too. Returns how many were new.
    """
    if not ChatWebhook.objects.filter(is_active=True).exists():
        return 0
    today = today or timezone.localdate()
    steps = (
        Step.objects.filter(
            state__in=[StepState.PENDING, StepState.READY, StepState.REJECTED],
            due_date__lt=today,
            workflow__cancelled_at__isnull=True,
            workflow__subject__startswith="departure:",
        )
        .only("id", "workflow_id")
        .order_by("id")
    )
    now = timezone.now()
    actions = [
        outbox.PlannedAction(
            kind=ActionKind.CHAT,
            handler=OVERDUE_HANDLER,
            channel=Channel.CHAT,
            recipient="team chat",
            due_at=now,
            idempotency_key=f"wf:{step.workflow_id}:chat-overdue:{step.pk}:{today.isoformat()}",
            group=f"step:{step.pk}",
            payload={"step": step.pk, "date": today.isoformat()},
        )
        for step in steps
    ]
    if not actions:
        return 0
    before = ScheduledAction.objects.filter(idempotency_key__in=[a.idempotency_key for a in actions]).count()
    outbox.actions_schedule_bulk(actions)
    return len(actions) - before
