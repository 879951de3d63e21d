"""The development email backend prints invites and links readably, not as base64 MIME."""

from __future__ import annotations

import base64
import datetime
import io
import os
import subprocess
import sys

from django.core.mail import EmailMessage

from integrations.calendar import Attendee, Meeting, build_request
from integrations.console_email import EmailBackend
from integrations.email import CalendarEmail

LINK = "http://127.0.0.1:8015/api/v1/links/Zq3xY9-one-click-token/"
BODY = f"Hej Erik,\n\nDitt avslutningssamtal är bokat. Bekräfta här: {LINK}\n\nVänliga hälsningar\n"


def invite() -> CalendarEmail:
    start = datetime.datetime(2026, 12, 14, 9, 0, tzinfo=datetime.UTC)
    calendar = build_request(
        Meeting(
            uid="interview-42@offboarding",
            sequence=0,
            start=start,
            end=start + datetime.timedelta(hours=1),
            summary="Avslutningssamtal",
            organizer_email="offboarding@example.com",
            attendees=(Attendee("employee@demo.example", "Erik Sund"),),
        )
    )
    message = CalendarEmail(
        subject="Inbjudan: avslutningssamtal för Erik Sund",
        body=BODY,
        from_email="Offboarding <offboarding@example.com>",
        to=["employee@demo.example"],
        calendar=calendar,
        method="REQUEST",
    )
    message.attach_alternative(f"<p>Bekräfta här: <a href='{LINK}'>{LINK}</a></p>", "text/html")
    return message


def printed(*messages) -> str:
    stream = io.StringIO()
    assert EmailBackend(stream=stream).send_messages(list(messages)) == len(messages)
    return stream.getvalue()


def test_an_invite_is_printed_readably():
    message = invite()
    wire = message.message().as_string()
    # The premise: on the wire the body and the calendar are base64, unreadable in a log.
    body_blob = base64.b64encode(BODY.encode()).decode()[:40]
    calendar_blob = base64.b64encode(message.calendar).decode()[:40]
    assert body_blob in wire.replace("\n", "") and calendar_blob in wire.replace("\n", "")

    out = printed(message)

    assert "Subject: Inbjudan: avslutningssamtal för Erik Sund" in out
    assert "To: employee@demo.example" in out
    assert f"Bekräfta här: {LINK}" in out
    assert "--- text/calendar; method=REQUEST" in out
    assert "BEGIN:VCALENDAR" in out and "METHOD:REQUEST" in out and "UID:interview-42@offboarding" in out
    assert "--- attachment: invite.ics (application/ics," in out
    assert out.count("BEGIN:VCALENDAR") == 2  # the inline part and the attachment
    assert "\r" not in out
    flat = out.replace("\n", "")
    assert body_blob not in flat and calendar_blob not in flat


def test_other_attachments_are_listed_not_dumped():
    message = EmailMessage("Report", "See the attachment.", "a@example.com", ["b@example.com"])
    message.attach("reasons.csv", "period,reason\n2026-Q1,career\n", "text/csv")
    message.attach("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")

    out = printed(message)

    assert "See the attachment." in out
    assert "--- attachment: reasons.csv (text/csv," in out
    assert "--- attachment: logo.png (image/png, 72 bytes)" in out
    assert "2026-Q1,career" not in out


def settings_value(name: str, **environ) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **environ}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def test_the_development_settings_use_it_unless_email_url_says_otherwise():
    # Given explicitly, so a developer's own .env cannot change the answer (base.py's default is this URL).
    readable = settings_value("EMAIL_BACKEND", EMAIL_URL="consolemail://").strip()
    assert readable == "integrations.console_email.EmailBackend"
    smtp = settings_value("EMAIL_BACKEND", EMAIL_URL="smtp://localhost:1025").strip()
    assert smtp == "django.core.mail.backends.smtp.EmailBackend"
