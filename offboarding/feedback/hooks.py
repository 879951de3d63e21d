"""Departure events the feedback area reacts to (follow-up surveys). Called by offboarding.services."""


def departure_feedback_approved(*, departure) -> None:
    """Schedule the follow-up surveys after the last working day."""


def departure_feedback_last_day_changed(*, departure) -> None:
    """Move the follow-up surveys with the last working day."""


def departure_feedback_cancelled(*, departure) -> None:
    """Cancel pending follow-up surveys."""
