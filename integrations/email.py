"""Building and sending email: text and HTML from templates, in the recipient's language.

Calendar invites follow RFC 6047: multipart/mixed holding multipart/alternative (text, HTML,
text/calendar with a method= parameter equal to the calendar's METHOD) and the same calendar as
an .ics attachment, because some clients read only one of the two.
"""

from __future__ import annotations

from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


class CalendarEmail(EmailMultiAlternatives):
    """An email whose alternative part includes a text/calendar body, plus the .ics attachment."""

    def __init__(self, *args, calendar: bytes, method: str, filename: str = "invite.ics", **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar = calendar
        self.method = method.upper()
        self.calendar_filename = filename

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        # Rebuild the body: mixed[ alternative[text, html, calendar], attachment(.ics) ]
        text_part = MIMEText(self.body, "plain", "utf-8")
        alternative = MIMEMultipart("alternative")
        alternative.attach(text_part)
        for content, mimetype in self.alternatives:
            if mimetype == "text/html":
                alternative.attach(MIMEText(content, "html", "utf-8"))
        alternative.attach(self._calendar_part(inline=True))
        for header in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version"):
            del msg[header]
        mixed = MIMEMultipart("mixed")
        mixed.attach(alternative)
        mixed.attach(self._calendar_part(inline=False))
        msg.set_payload(mixed.get_payload())
        msg["MIME-Version"] = "1.0"
        msg["Content-Type"] = mixed["Content-Type"]
        return msg

    def _calendar_part(self, *, inline: bool) -> MIMEBase:
        if inline:
            part = MIMEText(self.calendar.decode("utf-8"), "calendar", "utf-8")
            part.set_param("method", self.method)
            return part
        part = MIMEBase("application", "ics", name=self.calendar_filename)
        part.set_payload(self.calendar)
        from email import encoders

        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=self.calendar_filename)
        return part


def render_message(
    *,
    template: str,
    context: dict,
    language: str,
    to: list[str],
    calendar: bytes | None = None,
    method: str | None = None,
    reply_to: list[str] | None = None,
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """Render emails/<template>.subject.txt, .txt and .html in `language` into a message.

    With `calendar` and `method`, the message is an iTIP invite (REQUEST or CANCEL).
    """
    with translation.override(language):
        ctx = {
            "site_url": settings.SITE_URL,
            "language": language,
            "hr_reply_to": bool(settings.HR_REPLY_TO_EMAIL),
            **context,
        }
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", ctx).split())
        text = render_to_string(f"emails/{template}.txt", ctx)
        html = render_to_string(f"emails/{template}.html", ctx)
    all_headers = dict(headers or {})
    # RFC 3834: every message we send is automatic, so out-of-office responders stay quiet. Calendar
    # replies are not automatic responses (a person presses Accept), so they still come back.
    all_headers.setdefault("Auto-Submitted", "auto-generated")
    if reply_to is None and settings.HR_REPLY_TO_EMAIL:
        # A person's answer to our email reaches a human at HR; calendar clients send iTIP replies to
        # the ORGANIZER, not here, so the organizer mailbox still receives RSVPs.
        reply_to = [settings.HR_REPLY_TO_EMAIL]
    common = {
        "subject": subject,
        "body": text,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": to,
        "reply_to": reply_to,
        "headers": all_headers,
    }
    if calendar is not None:
        if not method:
            raise ValueError("A calendar email needs its iTIP method (REQUEST or CANCEL).")
        message = CalendarEmail(calendar=calendar, method=method, **common)
    else:
        message = EmailMultiAlternatives(**common)
    message.attach_alternative(html, "text/html")
    return message
