"""Replies reach the interview with nobody calling the API: real Outlook, Google and Apple shaped REPLY and
COUNTER messages, appended to a real Dovecot mailbox and read by the organizer-mailbox reader; processed
once by Message-ID, moved to the processed folder, everything else left alone."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.test import override_settings
from imapclient.exceptions import IMAPClientError

from integrations.inbound import tasks as inbound_tasks
from integrations.inbound.mailbox import mailbox_read
from integrations.models import InboundMessage
from offboarding.interviews.models import AttendeeReply, PartStat
from offboarding.notifications.interviews import organizer
from tests.helpers import DovecotServer, free_port, race
from tests.interviews import mail_shapes
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.fixture
def mailbox(dovecot):
    """A fresh organizer mailbox on the shared Dovecot, and the reader pointed at it."""
    user = f"organizer-{uuid.uuid4().hex[:10]}@example.com"
    with override_settings(IMAP_URL=dovecot.url(user)):
        yield user


def reply_from(interview, client: str, *, method="REPLY", partstat="ACCEPTED", sequence=None, **kwargs) -> bytes:
    employee = interview.departure.employee
    kwargs.setdefault("start", interview.start)
    kwargs.setdefault("end", interview.end)
    return mail_shapes.CLIENTS[client](
        method=method,
        uid=kwargs.pop("uid", interview.uid),
        sequence=interview.sequence if sequence is None else sequence,
        attendee=kwargs.pop("attendee", employee.email),
        name=employee.name,
        organizer=organizer()[0],
        partstat=partstat,
        **kwargs,
    )


def declined_notices():
    return ScheduledAction.objects.filter(handler="interview_attendee_declined")


def test_an_outlook_decline_shows_on_the_interview_and_hr_is_told(schedule, org, dovecot, mailbox, api):
    interview = schedule()
    raw = reply_from(interview, "outlook", partstat="DECLINED", comment="I am on leave that week")
    dovecot.append(mailbox, raw)

    run = mailbox_read()

    assert (run.processed, run.outcomes) == (1, ["recorded"])
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.DECLINED
    seen_by_hr = api(org.hr).get(f"/api/v1/interviews/{interview.pk}/").data
    assert seen_by_hr["employee_partstat"] == "DECLINED"
    assert [d["comment"] for d in seen_by_hr["declines"]] == ["I am on leave that week"]
    assert set(declined_notices().values_list("recipient", flat=True)) == {
        org.interviewer.employee.email,
        org.hr.employee.email,
    }
    # The comment is leaver free text: encrypted at rest, never in the notice.
    assert "leave" not in AttendeeReply.objects.get().comment
    # Filed away: the inbox is empty, the processed folder holds it.
    assert dovecot.folder_messages(mailbox, "INBOX") == []
    assert len(dovecot.folder_messages(mailbox, "Processed")) == 1


@pytest.mark.parametrize("client", ["outlook", "google", "apple"])
@pytest.mark.parametrize("partstat", ["ACCEPTED", "TENTATIVE", "DECLINED"])
def test_each_clients_answer_sets_the_attendees_status(schedule, dovecot, mailbox, client, partstat):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, client, partstat=partstat))
    assert mailbox_read().outcomes == ["recorded"]
    interview.refresh_from_db()
    assert interview.employee_partstat == partstat


def test_a_google_decline_keeps_its_response_comment(schedule, org, dovecot, mailbox, api):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, "google", partstat="DECLINED", comment="Not before January"))
    mailbox_read()
    data = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/").data
    assert data["declines"][0]["comment"] == "Not before January"
    assert api(org.manager).get(f"/api/v1/interviews/{interview.pk}/").data.get("declines") is None


@pytest.mark.parametrize("client", ["outlook", "google"])
def test_a_counter_shows_up_as_a_proposal(schedule, org, dovecot, mailbox, api, client):
    interview = schedule()
    proposed = datetime.datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    extra = {"original": (interview.start, interview.end)} if client == "outlook" else {}
    raw = reply_from(
        interview,
        client,
        method="COUNTER",
        partstat="TENTATIVE",
        start=proposed,
        end=proposed + datetime.timedelta(hours=1),
        **extra,
    )
    dovecot.append(mailbox, raw)
    mailbox_read()
    proposals = api(org.hr).get(f"/api/v1/interviews/{interview.pk}/").data["proposals"]
    assert [(p["method"], p["proposed_start"], p["attendee_email"]) for p in proposals] == [
        ("COUNTER", "2026-12-08T13:00:00Z", org.employee_record.email)
    ]
    interview.refresh_from_db()
    assert interview.start == datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_other_mail_is_left_untouched(schedule, org, dovecot, mailbox):
    interview = schedule()
    dovecot.append(mailbox, mail_shapes.plain_mail(sender=org.employee_record.email, organizer=organizer()[0]))
    # A calendar message that is not an answer (someone forwarded the invite itself).
    dovecot.append(mailbox, reply_from(interview, "google", method="REQUEST"))
    before = dovecot.folder_messages(mailbox, "INBOX")

    run = mailbox_read()

    assert (run.seen, run.processed) == (2, 0)
    after = dovecot.folder_messages(mailbox, "INBOX")
    assert after == before and all(b"\\Seen" not in flags for _, flags in after)
    assert InboundMessage.objects.count() == 0


def test_reading_the_same_mailbox_twice_changes_nothing_twice(schedule, dovecot, mailbox):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, "outlook", partstat="DECLINED"))
    mailbox_read()
    # The same message delivered again (a redelivery, a copy restored to the inbox).
    raw = dovecot_message(dovecot, mailbox, "Processed")
    dovecot.append(mailbox, raw)

    second = mailbox_read()

    assert (second.processed, second.duplicates) == (0, 1)
    assert AttendeeReply.objects.count() == 1
    assert declined_notices().count() == 2  # HR and the interviewer, once each
    assert len(dovecot.folder_messages(mailbox, "Processed")) == 2
    assert dovecot.folder_messages(mailbox, "INBOX") == []


def dovecot_message(server, user: str, folder: str) -> bytes:
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=server.port, ssl=False) as client:
        client.login(user, server.PASSWORD)
        client.select_folder(folder, readonly=True)
        uid = client.search("ALL")[0]
        return client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]


def test_replies_to_an_older_sequence_or_an_unknown_uid_are_recorded_and_ignored(schedule, org, dovecot, mailbox):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, "apple", partstat="DECLINED", sequence=0))
    interview.sequence = 1
    interview.save(update_fields=["sequence"])
    dovecot.append(mailbox, reply_from(interview, "outlook", uid="someone-else@calendar.example"))

    run = mailbox_read()

    assert sorted(run.outcomes) == ["ignored", "ignored"]
    assert sorted(InboundMessage.objects.values_list("reason", flat=True)) == [
        "An older SEQUENCE, or the interview is no longer scheduled.",
        "No interview has this UID.",
    ]
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.NEEDS_ACTION
    assert not declined_notices().exists()
    assert dovecot.folder_messages(mailbox, "INBOX") == []


def test_the_server_going_away_mid_run_loses_and_doubles_nothing(schedule, dovecot):
    """Killed between committing the first reply and moving it: the next run (server back) finds its
    Message-ID done, moves it, and records the other two once. (A server of its own: this one is killed.)"""
    server = DovecotServer().start()
    try:
        user = "organizer@example.com"
        interview = schedule()
        for client in ("outlook", "google", "apple"):
            server.append(user, reply_from(interview, client, partstat="DECLINED", comment=f"no-{client}"))

        with override_settings(IMAP_URL=server.url(user)):
            # The connection drops: imaplib's abort (an IMAPClientError) or an OSError, as the task retries on.
            with pytest.raises((IMAPClientError, OSError)):
                mailbox_read(after_each=lambda uid: server.kill())
            assert InboundMessage.objects.count() == 1

            server.start()
            run = mailbox_read()

        assert (run.processed, run.duplicates) == (2, 1)
        assert AttendeeReply.objects.count() == 3
        assert InboundMessage.objects.count() == 3
        assert server.folder_messages(user, "INBOX") == []
        assert len(server.folder_messages(user, "Processed")) == 3
    finally:
        server.close()


def test_the_beat_task_is_off_without_imap_url(db):
    with override_settings(IMAP_URL=""):
        assert inbound_tasks.read_organizer_mailbox.run() == {"enabled": False}


def test_the_beat_task_reads_the_mailbox(schedule, dovecot, mailbox):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, "google", partstat="ACCEPTED"))
    assert inbound_tasks.read_organizer_mailbox.run() == {"enabled": True, "seen": 1, "processed": 1, "duplicates": 0}
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.ACCEPTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_readers_at_once_record_each_reply_once(postgres_required, schedule, dovecot):
    """Two workers read the same mailbox at the same moment (beat fired twice, a retry overlapping the
    next run): the Message-ID row decides, each reply is recorded once and every message is filed."""
    user = f"organizer-{uuid.uuid4().hex[:10]}@example.com"
    interview = schedule()
    for client in ("outlook", "google", "apple"):
        dovecot.append(user, reply_from(interview, client, partstat="DECLINED"))
    url = dovecot.url(user)

    def read():
        try:
            return mailbox_read(url=url)
        except IMAPClientError:
            return None  # the other reader moved a message under it: the next run finishes

    race(read, read)

    mailbox_read(url=url)  # a later run files anything left
    assert AttendeeReply.objects.count() == 3
    assert InboundMessage.objects.count() == 3
    assert declined_notices().count() == 2
    assert dovecot.folder_messages(user, "INBOX") == []


def test_the_reader_runs_every_minute_under_beat_and_is_registered(settings):
    from config.celery import app

    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "integrations.read_organizer_mailbox"]
    assert entry["schedule"] == 60
    app.loader.import_default_modules()
    assert "integrations.read_organizer_mailbox" in app.tasks


def test_a_mailbox_that_is_away_is_retried_and_nothing_is_lost(schedule, dovecot, mailbox):
    interview = schedule()
    dovecot.append(mailbox, reply_from(interview, "outlook", partstat="TENTATIVE"))
    with override_settings(IMAP_URL=f"imap://x:y@127.0.0.1:{free_port()}/INBOX"):
        away = inbound_tasks.read_organizer_mailbox.apply()  # eager: its retries run at once, then it fails
    assert away.failed() and isinstance(away.result, OSError)
    assert away.traceback and AttendeeReply.objects.count() == 0

    back = inbound_tasks.read_organizer_mailbox.apply()  # the next beat, the server answering again

    assert back.successful() and back.result["processed"] == 1
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.TENTATIVE
