"""The harness's Django app: a renderer for the synthetic invites the delivery cases send."""

from django.apps import AppConfig
from django.conf import settings
from django.core.mail import EmailMessage

from workflows.outbox.registry import renderer

CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//offboarding//faults//EN\r
METHOD:REQUEST\r
BEGIN:VEVENT\r
UID:faults-{pk}@offboarding\r
DTSTAMP:20261201T090000Z\r
DTSTART:20261215T090000Z\r
DTEND:20261215T100000Z\r
SUMMARY:Exit interview\r
END:VEVENT\r
END:VCALENDAR\r
"""


@renderer("faults.invite")
def render_invite(action):
    message = EmailMessage(
        subject="Exit interview invitation",
        body="You are invited to an exit interview.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[action.recipient],
    )
    message.attach("invite.ics", CALENDAR.format(pk=action.pk), "text/calendar")
    return message


class FaultsConfig(AppConfig):
    name = "faults"
    verbose_name = "Fault runs"
