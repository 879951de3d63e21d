"""What the departure sends: approval requests, reminders, escalations, thank-you, follow-ups. (Outbox issue.)"""


def departure_messages_started(*, departure) -> None:
    """Approval request to the manager, its reminders and escalation."""


def departure_messages_approved(*, departure) -> None:
    """Stop approval reminders; schedule last-day thank-you and follow-ups."""


def departure_messages_last_day_changed(*, departure) -> None:
    """Move everything anchored on the last working day."""


def departure_messages_cancelled(*, departure) -> None:
    """Cancel everything pending for this departure."""
