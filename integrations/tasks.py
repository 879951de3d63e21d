"""Celery tasks of the edges (thin: they call a service and are safe to run twice)."""

from celery import shared_task

from integrations import chat


@shared_task(name="integrations.overdue_steps_chat")
def overdue_steps_chat() -> int:
    """Daily: one chat notice per overdue open step (keys hold the date, so a rerun adds nothing)."""
    return chat.overdue_steps_chat_schedule()
