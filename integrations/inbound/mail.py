"""Inbound email to the organizer mailbox: find the iTIP REPLY or COUNTER in a raw MIME message and run
the interview reply action on it, exactly once per Message-ID (from IMAP or the inbound-mail webhook)."""

from __future__ import annotations

import email
import hashlib
import logging
from dataclasses import dataclass
from email import policy
from email.utils import parseaddr

import icalendar
from django.db import IntegrityError, transaction

from core import errors
from integrations.models import InboundMessage
from offboarding.actions.interviews import exit_interview_record_reply

log = logging.getLogger(__name__)
REPLY_METHODS = ("REPLY", "COUNTER")


@dataclass(frozen=True)
class InboundResult:
    message: InboundMessage
    duplicate: bool


def _calendar_method(data: bytes) -> str:
    try:
        return str(icalendar.Calendar.from_ical(data).get("method", "")).upper()
    except ValueError:
        return ""


def itip_reply_part(message: email.message.Message) -> bytes | None:
    """The first calendar body of the message whose METHOD is REPLY or COUNTER: the inline text/calendar
    alternative (Outlook, Google, Apple) or an attached .ics (clients that send only an attachment)."""
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if content_type not in ("text/calendar", "application/ics") and not filename.endswith(".ics"):
            continue
        data = part.get_payload(decode=True)
        if data and _calendar_method(data) in REPLY_METHODS:
            return data
    return None


def message_id_of(message: email.message.Message, raw: bytes) -> str:
    """The Message-ID, or (for a message without one) a digest of the raw bytes, which a redelivery keeps."""
    found = (message.get("Message-ID") or "").strip()
    return found[:255] if found else f"sha256:{hashlib.sha256(raw).hexdigest()}"


def inbound_mail_process(*, raw: bytes, source: str) -> InboundResult | None:
    """Act on one raw message. None when it holds no iTIP REPLY or COUNTER (left for people). A Message-ID
    seen before changes nothing (`duplicate`). An unknown UID, an attendee not invited or an older
    SEQUENCE is recorded and ignored; a calendar we cannot read is recorded as rejected."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    calendar = itip_reply_part(message)
    if calendar is None:
        return None
    message_id = message_id_of(message, raw)
    sender = parseaddr(message.get("From", ""))[1]
    with transaction.atomic():
        try:
            # Inserted first: a concurrent run with the same message waits on this row, then fails here.
            with transaction.atomic():
                row = InboundMessage.objects.create(
                    message_id=message_id, source=source, outcome=InboundMessage.Outcome.IGNORED
                )
        except IntegrityError:
            return InboundResult(message=InboundMessage.objects.get(message_id=message_id), duplicate=True)
        try:
            reply = exit_interview_record_reply(data=calendar, sender=sender)
        except errors.NotFound as exc:
            row.reason = str(exc)[:200]
        except errors.InvalidInput as exc:
            row.outcome, row.reason = InboundMessage.Outcome.REJECTED, str(exc)[:200]
        else:
            row.reply_id, row.method = reply.pk, reply.method
            if reply.applied:
                row.outcome = InboundMessage.Outcome.RECORDED
            else:
                row.reason = "An older SEQUENCE, or the interview is no longer scheduled."
        row.uid = _uid(calendar)[:255]
        row.save()
    log.info("Inbound mail %s from %s: %s", row.pk, source, row.outcome)
    return InboundResult(message=row, duplicate=False)


def _uid(calendar: bytes) -> str:
    try:
        events = icalendar.Calendar.from_ical(calendar).walk("VEVENT")
    except ValueError:
        return ""
    return str(events[0].get("uid", "")) if events else ""
