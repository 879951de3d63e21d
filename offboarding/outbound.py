"""Outbound webhooks and chat notifications for a departure. (Integrations issue.)"""


def departure_outbound_started(*, departure) -> None:
    """Chat: the team's channel hears that an approval is needed."""


def departure_outbound_scheduled(*, departure) -> None:
    """Schedule (or move) the access-revocation webhook at the end of the last working day."""


def departure_outbound_completed(*, departure) -> None:
    """Send the completion webhook."""


def departure_outbound_cancelled(*, departure) -> None:
    """Cancel the pending access-revocation webhook."""
