"""Outbound webhooks and chat notifications for a departure, and the renderers that build them.

The departure actions call the builders below inside their transactions; each writes outbox rows
(ids and dates only). At delivery, the renderers below turn a row into an
integrations.chat.ChatMessage or an integrations.webhooks.OutboundRequest, or None when the
message no longer applies. Chat text carries the leaver's name and last day at most: never a
reason, a rehire judgement or anything from the exit interview.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from integrations import chat, webhooks
from integrations.models import ChatWebhook
from offboarding.models import Departure, DepartureState
from workflows.models import Step
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind, Channel, ScheduledAction
from workflows.outbox.registry import renderer

WEBHOOK_HANDLER = "webhook_departure_event"


def _key_prefix(departure_id: int) -> str:
    return f"outbound:departure:{departure_id}:"


def _group(departure_id: int) -> str:
    return f"departure:{departure_id}"


def access_ends_at(departure: Departure) -> datetime.datetime:
    """The end of the last working day in the employee's own time zone: when access must go."""
    employee = departure.employee
    return datetime.datetime.combine(departure.last_working_day, employee.work_ends, tzinfo=employee.tzinfo)


# --- building outbox rows (unsaved, so the bulk import can insert many at once)


def _approval_chat_action(departure: Departure, hook_pk: int) -> outbox.PlannedAction:
    return outbox.PlannedAction(
        kind=ActionKind.CHAT,
        handler=chat.APPROVAL_HANDLER,
        channel=Channel.CHAT,
        recipient=f"chat webhook {hook_pk}",
        due_at=timezone.now(),
        idempotency_key=f"{_key_prefix(departure.pk)}chat-approval",
        group=_group(departure.pk),
        payload={"departure": departure.pk, "webhook": hook_pk},
    )


def _webhook_actions(departure: Departure, *, event: str, round_: int = 0) -> list[outbox.PlannedAction]:
    if event == webhooks.ACCESS_REVOKE:
        due_at = access_ends_at(departure)
        key = f"{_key_prefix(departure.pk)}revoke:{round_}"
        payload = {
            "departure": departure.pk,
            "event": event,
            "last_working_day": departure.last_working_day.isoformat(),
        }
    else:
        due_at = timezone.now()
        key = f"{_key_prefix(departure.pk)}completed"
        payload = {"departure": departure.pk, "event": event}
    return [
        outbox.PlannedAction(
            kind=ActionKind.WEBHOOK,
            handler=WEBHOOK_HANDLER,
            channel=Channel.WEBHOOK,
            recipient=url,
            due_at=due_at,
            idempotency_key=f"{key}:{webhooks.url_digest(url)}",
            group=_group(departure.pk),
            payload=payload,
        )
        for url in webhooks.webhook_urls()
    ]


# --- the builders the departure actions call (inside their transactions)


def departure_outbound_scheduled(*, departure) -> None:
    """Schedule (or move) the access-revocation webhook at the end of the last working day."""
    outbox.actions_cancel(key_prefix=f"{_key_prefix(departure.pk)}revoke:")
    # Each move gets a new round in the key, so a date moved back never meets its cancelled row.
    round_ = departure.history.filter(transition="change_last_working_day").count()
    actions = _webhook_actions(departure, event=webhooks.ACCESS_REVOKE, round_=round_)
    if actions:
        outbox.actions_schedule_bulk(actions)


def departure_outbound_completed(*, departure) -> None:
    """Send the completion webhook."""
    actions = _webhook_actions(departure, event=webhooks.DEPARTURE_COMPLETED)
    if actions:
        outbox.actions_schedule_bulk(actions)


def departure_outbound_cancelled(*, departure) -> None:
    """Cancel the pending access-revocation webhook and chat notifications."""
    outbox.actions_cancel(key_prefix=_key_prefix(departure.pk))


def departures_outbound_started_bulk(*, departures: Iterable[Departure]) -> int:
    """For freshly started departures (employee loaded): the team chat's approval notice and the
    access-revocation webhooks, in one insert. Returns how many rows were written.

    A team with several departures in one call (a bulk import) gets one summary message instead
    of one per person: a channel flooded with hundreds of names helps nobody, and Slack-style
    webhooks throttle bursts.
    """
    departures = list(departures)
    hooks = chat.chat_webhooks_by_department()
    by_hook: dict[int, list[Departure]] = {}
    actions: list[outbox.PlannedAction] = []
    for departure in departures:
        hook = hooks.get(departure.employee.department) or hooks.get("")
        if hook is not None:
            by_hook.setdefault(hook.pk, []).append(departure)
        actions.extend(_webhook_actions(departure, event=webhooks.ACCESS_REVOKE))
    for hook_pk, team in by_hook.items():
        if len(team) == 1:
            actions.append(_approval_chat_action(team[0], hook_pk))
        else:
            ids = sorted(d.pk for d in team)
            actions.append(
                outbox.PlannedAction(
                    kind=ActionKind.CHAT,
                    handler=chat.APPROVAL_SUMMARY_HANDLER,
                    channel=Channel.CHAT,
                    recipient=f"chat webhook {hook_pk}",
                    due_at=timezone.now(),
                    idempotency_key=f"outbound:departures:{ids[0]}-{ids[-1]}:chat-approval:{hook_pk}",
                    payload={"departures": ids, "webhook": hook_pk},
                )
            )
    if actions:
        outbox.actions_schedule_bulk(actions)
    return len(actions)


# --- renderers


def _departure_link(departure: Departure) -> str:
    return f"{settings.SITE_URL}/departures/{departure.pk}/"


@renderer(chat.APPROVAL_HANDLER)
def render_approval_chat(action: ScheduledAction):
    """'X is leaving on D; the plan awaits the manager's approval': only while it still does."""
    departure = Departure.objects.select_related("employee").filter(pk=action.payload.get("departure")).first()
    if departure is None or departure.state != DepartureState.NOTICE:
        return None
    hook = ChatWebhook.objects.filter(pk=action.payload.get("webhook"), is_active=True).first()
    if hook is None:
        return None
    text = (
        f"{departure.employee.name} is leaving; last working day {departure.last_working_day:%Y-%m-%d}. "
        f"The departure plan awaits the manager's approval: {_departure_link(departure)}"
    )
    return chat.ChatMessage(url=hook.url, text=text)


@renderer(chat.APPROVAL_SUMMARY_HANDLER)
def render_approval_summary_chat(action: ScheduledAction):
    """'N departures from a bulk start await approval': a count and a date range, no names."""
    hook = ChatWebhook.objects.filter(pk=action.payload.get("webhook"), is_active=True).first()
    waiting = Departure.objects.filter(pk__in=action.payload.get("departures", []), state=DepartureState.NOTICE)
    days = sorted(set(waiting.values_list("last_working_day", flat=True)))
    if hook is None or not days:
        return None
    span = f"{days[0]:%Y-%m-%d}" if len(days) == 1 else f"{days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}"
    count = waiting.count()
    text = (
        f"{count} departure{'s' if count != 1 else ''} from a bulk start await their managers' approval "
        f"(last working days {span}): {settings.SITE_URL}/hr/?state=notice"
    )
    return chat.ChatMessage(url=hook.url, text=text)


@renderer(chat.OVERDUE_HANDLER)
def render_overdue_chat(action: ScheduledAction):
    """'Step S for X's departure was due on D': only while the step is still open and late."""
    step = Step.objects.select_related("workflow").filter(pk=action.payload.get("step")).first()
    if step is None or not step.is_open or step.workflow.cancelled_at is not None or step.due_date is None:
        return None
    departure = Departure.objects.select_related("employee").filter(workflow_id=step.workflow_id).first()
    if departure is None or not departure.is_open:
        return None
    hook = chat.chat_webhook_for(departure.employee.department)
    if hook is None:
        return None
    text = (
        f"Overdue: \u201c{step.title}\u201d ({step.get_assignee_role_display()}) for {departure.employee.name}'s "
        f"departure was due {step.due_date:%Y-%m-%d}; last working day {departure.last_working_day:%Y-%m-%d}. "
        f"{settings.SITE_URL}/departures/{departure.pk}/"
    )
    return chat.ChatMessage(url=hook.url, text=text)


@renderer(WEBHOOK_HANDLER)
def render_departure_webhook(action: ScheduledAction):
    """The signed request for IT, or None when the departure was cancelled, the date moved, or the
    endpoint is no longer configured."""
    departure = Departure.objects.select_related("employee").filter(pk=action.payload.get("departure")).first()
    if departure is None or action.recipient not in webhooks.webhook_urls():
        return None
    event = action.payload.get("event")
    if event == webhooks.ACCESS_REVOKE:
        if departure.state == DepartureState.CANCELLED:
            return None
        if departure.last_working_day.isoformat() != action.payload.get("last_working_day"):
            return None
    elif event == webhooks.DEPARTURE_COMPLETED:
        if departure.state != DepartureState.COMPLETED:
            return None
    else:
        return None
    payload = {
        "id": action.idempotency_key,
        "type": event,
        "occurred_at": action.due_at.astimezone(datetime.UTC).isoformat(),
        "departure": {
            "id": departure.pk,
            "employee_external_id": departure.employee.external_id,
            "work_email": departure.employee.email,
            "last_working_day": departure.last_working_day.isoformat(),
            "access_ends_at": access_ends_at(departure).astimezone(datetime.UTC).isoformat(),
        },
    }
    return webhooks.OutboundRequest(url=action.recipient, payload=payload, event_id=action.idempotency_key)
