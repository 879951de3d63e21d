"""Typed delivery errors, so the outbox can tell a retry from a lost cause."""


class DeliveryError(Exception):
    """Sending failed. `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable
