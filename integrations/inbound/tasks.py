"""Celery tasks of the inbound edges (thin: they call the reader and are safe to run twice)."""

from __future__ import annotations

import logging
import socket

from celery import shared_task
from django.conf import settings
from imapclient.exceptions import IMAPClientError

from integrations.inbound.mailbox import mailbox_read

log = logging.getLogger(__name__)


@shared_task(
    name="integrations.read_organizer_mailbox",
    autoretry_for=(IMAPClientError, OSError, socket.timeout),
    retry_backoff=15,
    retry_backoff_max=120,
    max_retries=4,
)
def read_organizer_mailbox() -> dict:
    """Every minute: calendar replies from the organizer mailbox. Off when IMAP_URL is unset. A server that
    is away is tried again with backoff (and by the next beat); nothing is lost or doubled meanwhile."""
    if not settings.IMAP_URL:
        return {"enabled": False}
    run = mailbox_read()
    return {"enabled": True, "seen": run.seen, "processed": run.processed, "duplicates": run.duplicates}
