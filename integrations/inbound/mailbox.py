"""The organizer mailbox reader: takes iTIP REPLY and COUNTER messages over IMAP, runs them through
integrations.inbound.mail (exactly once by Message-ID), and moves them to the processed folder. Any other
message is left as it was: read without setting \\Seen, never moved or flagged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from imapclient import IMAPClient

from integrations.inbound.mail import inbound_mail_process

log = logging.getLogger(__name__)
CALENDAR_TYPES = {(b"text", b"calendar"), (b"application", b"ics")}


@dataclass(frozen=True)
class MailboxAddress:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str

    @classmethod
    def from_url(cls, url: str) -> MailboxAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("IMAP_URL must read imap://user:password@host[:port]/FOLDER (or imaps://).")
        ssl = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if ssl else 143),
            ssl=ssl,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


@dataclass
class MailboxRun:
    seen: int = 0
    processed: int = 0
    duplicates: int = 0
    outcomes: list[str] = field(default_factory=list)


def _has_calendar(structure) -> bool:
    """Does a BODYSTRUCTURE hold a text/calendar or application/ics part anywhere?"""
    if structure.is_multipart:
        return any(_has_calendar(part) for part in structure[0])
    kind = (bytes(structure[0] or b"").lower(), bytes(structure[1] or b"").lower())
    return kind in CALENDAR_TYPES


def _file_away(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.add_flags([uid], [b"\\Deleted"])
    client.uid_expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()


def mailbox_read(*, url: str | None = None, after_each: Callable[[int], None] | None = None) -> MailboxRun:
    """One pass over the mailbox. A message is moved only after its reply is committed, so a connection lost
    in between leaves it in place, and the next pass finds its Message-ID already done and just moves it.
    `after_each(uid)` runs between the commit and the move (for operators' tracing and the crash test)."""
    address = MailboxAddress.from_url(url or settings.IMAP_URL)
    processed_folder = settings.IMAP_PROCESSED_FOLDER
    run = MailboxRun()
    with IMAPClient(address.host, port=address.port, ssl=address.ssl, timeout=settings.IMAP_TIMEOUT) as client:
        client.login(address.username, address.password)
        if not client.folder_exists(processed_folder):
            client.create_folder(processed_folder)
        client.select_folder(address.folder)
        uids = client.search("ALL")
        run.seen = len(uids)
        if not uids:
            return run
        structures = client.fetch(uids, ["BODYSTRUCTURE"])
        candidates = [uid for uid in uids if _has_calendar(structures[uid][b"BODYSTRUCTURE"])]
        for uid in candidates:
            raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
            result = inbound_mail_process(raw=raw, source="imap")
            if result is None:
                continue  # a calendar message that is not a reply (a forwarded invite): people handle it
            if after_each is not None:
                after_each(uid)
            _file_away(client, uid, processed_folder)
            run.duplicates += result.duplicate
            run.processed += not result.duplicate
            run.outcomes.append(result.message.outcome)
    log.info(
        "Organizer mailbox: %s messages, %s replies processed, %s seen before", run.seen, run.processed, run.duplicates
    )
    return run
