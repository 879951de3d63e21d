"""Departure events the feedback area reacts to (follow-up surveys). Called by offboarding.services
inside the transaction of the departure's change, so the outbox rows commit with it."""

from offboarding.feedback import services


def departure_feedback_approved(*, departure) -> None:
    """Schedule the follow-up surveys after the last working day."""
    services.follow_ups_schedule(departure=departure)


def departure_feedback_last_day_changed(*, departure) -> None:
    """Move the follow-up surveys with the last working day."""
    services.follow_ups_move(departure=departure)


def departure_feedback_cancelled(*, departure) -> None:
    """Cancel pending follow-up surveys."""
    services.follow_ups_cancel(departure=departure)
