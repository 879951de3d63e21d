"""The inbound-mail webhook: a provider POSTs the raw message sent to the organizer mailbox, signed like
the HRIS webhooks; the same reply action runs, once per Message-ID."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from offboarding.interviews.models import AttendeeReply, PartStat
from offboarding.notifications.interviews import organizer
from tests.helpers import signed_headers
from tests.interviews import mail_shapes

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/mail/inbound/"
SECRET = "mail-hook-secret"


def outlook_decline(interview, comment=""):
    employee = interview.departure.employee
    return mail_shapes.outlook(
        method="REPLY",
        uid=interview.uid,
        sequence=interview.sequence,
        attendee=employee.email,
        name=employee.name,
        organizer=organizer()[0],
        start=interview.start,
        end=interview.end,
        partstat="DECLINED",
        comment=comment,
    )


def signed(raw: bytes, secret: str = SECRET) -> dict:
    return signed_headers(secret=secret, body=raw, timestamp=int(time.time()))


def post(client, raw: bytes, **headers):
    return client.post(URL, data=raw, content_type="message/rfc822", **headers)


@override_settings(INBOUND_MAIL_SECRET=SECRET)
def test_a_signed_outlook_decline_is_recorded_once(schedule, client):
    interview = schedule()
    raw = outlook_decline(interview, comment="Sorry, I start my new job that day")

    first = post(client, raw, **signed(raw))
    again = post(client, raw, **signed(raw))

    assert (first.status_code, first.json()["status"]) == (200, "recorded")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.DECLINED
    assert AttendeeReply.objects.count() == 1


@override_settings(INBOUND_MAIL_SECRET=SECRET)
def test_a_bad_signature_is_401_and_changes_nothing(schedule, client):
    interview = schedule()
    raw = outlook_decline(interview)
    response = post(client, raw, **signed(raw, "wrong"))
    assert response.status_code == 401
    assert AttendeeReply.objects.count() == 0


@override_settings(INBOUND_MAIL_SECRET=SECRET)
def test_mail_that_is_no_reply_is_answered_and_dropped(org, client):
    raw = mail_shapes.plain_mail(sender=org.employee_record.email, organizer=organizer()[0])
    response = post(client, raw, **signed(raw))
    assert (response.status_code, response.json()["status"]) == (200, "not_a_reply")


@override_settings(INBOUND_MAIL_SECRET=SECRET)
def test_an_unknown_uid_is_recorded_and_ignored_not_an_error(schedule, client):
    interview = schedule()
    interview.uid = "elsewhere@calendar.example"
    raw = outlook_decline(interview)
    response = post(client, raw, **signed(raw))
    assert response.json() == {"status": "ignored", "reason": "No interview has this UID."}


@override_settings(INBOUND_MAIL_SECRET="")
def test_without_a_secret_the_webhook_is_closed(client, db):
    raw = b"Subject: x\r\n\r\ny"
    response = post(client, raw, **signed(raw, "anything"))
    assert response.status_code == 503
