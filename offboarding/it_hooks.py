"""Outbound webhooks for IT systems: access revocation and completion. (Integrations issue.)"""


def departure_it_hooks_scheduled(*, departure) -> None:
    """Schedule (or move) the access-revocation webhook at the end of the last working day."""


def departure_it_hooks_completed(*, departure) -> None:
    """Send the completion webhook."""


def departure_it_hooks_cancelled(*, departure) -> None:
    """Cancel the pending access-revocation webhook."""
