"""The invite over a real SMTP server on loopback, read back with a hand-written RFC 5545 reader that
shares no code with the builder (content lines unfolded, properties and parameters split by the spec)."""

import datetime
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from offboarding.actions import interviews as interview_actions
from tests.interviews.conftest import render_pending
from workflows.outbox.models import ActionKind

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]
UTC = datetime.UTC


class _Collect:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def content_lines(text: str) -> list[tuple[str, dict, str]]:
    """RFC 5545 section 3.1: unfold, then split NAME;PARAM=VALUE;...:VALUE (quoted parameter values)."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "")
    result = []
    for line in unfolded.splitlines():
        if not line:
            continue
        head, params, i, quoted = "", {}, 0, False
        while i < len(line) and not (line[i] == ":" and not quoted):
            quoted = not quoted if line[i] == '"' else quoted
            i += 1
        head, value = line[:i], line[i + 1 :]
        name, *raw_params = head.split(";")
        for raw in raw_params:
            key, _, val = raw.partition("=")
            params[key.upper()] = val.strip('"')
        result.append((name.upper(), params, value))
    return result


def _received_invite(smtp, address):
    [(_, raw)] = [(to, raw) for to, raw in smtp.received if to == [address]]
    message = email.message_from_bytes(raw, policy=policy.default)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, content_lines(part.get_content())


def _event(lines):
    start = lines.index(("BEGIN", {}, "VEVENT"))
    end = lines.index(("END", {}, "VEVENT"))
    return {name: (params, value) for name, params, value in lines[start + 1 : end] if name != "ATTENDEE"}, [
        (params, value) for name, params, value in lines[start + 1 : end] if name == "ATTENDEE"
    ]


def test_the_invite_arrives_over_smtp_and_reads_as_a_request(schedule, org, smtp):
    interview = schedule()
    assert len(render_pending(kinds=[ActionKind.INVITE])) == 2
    part, lines = _received_invite(smtp, org.employee_record.email)
    assert part.get_param("method") == "REQUEST"
    assert ("METHOD", {}, "REQUEST") in lines
    props, attendees = _event(lines)
    assert props["UID"][1] == interview.uid
    assert props["SEQUENCE"][1] == "0"
    assert (props["DTSTART"], props["DTEND"]) == (({}, "20261204T080000Z"), ({}, "20261204T090000Z"))
    assert props["DTSTAMP"][1].endswith("Z")
    assert props["ORGANIZER"][1] == "mailto:offboarding@example.com"
    employee = next(params for params, value in attendees if value == f"mailto:{org.employee_record.email}")
    assert {k: employee[k] for k in ("ROLE", "PARTSTAT", "RSVP", "CN")} == {
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION",
        "RSVP": "TRUE",
        "CN": "Erik Employee",
    }


def test_reschedule_and_cancel_arrive_with_the_same_uid(schedule, org, smtp):
    interview = schedule()
    render_pending(kinds=[ActionKind.INVITE])
    interview_actions.exit_interview_reschedule(
        interview=interview, actor=org.hr, start=datetime.datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    )
    render_pending(kinds=[ActionKind.INVITE])
    interview_actions.exit_interview_cancel(interview=interview, actor=org.hr)
    render_pending(kinds=[ActionKind.CANCEL])
    mine = [raw for to, raw in smtp.received if to == [org.employee_record.email]]
    seen = []
    for raw in mine:
        part = next(
            p
            for p in email.message_from_bytes(raw, policy=policy.default).walk()
            if p.get_content_type() == "text/calendar"
        )
        lines = content_lines(part.get_content())
        props, _ = _event(lines)
        method = next(value for name, _, value in lines if name == "METHOD")
        assert part.get_param("method") == method
        seen.append((method, props["UID"][1], props["SEQUENCE"][1], props.get("STATUS", ({}, ""))[1]))
    assert seen == [
        ("REQUEST", interview.uid, "0", "CONFIRMED"),
        ("REQUEST", interview.uid, "1", "CONFIRMED"),
        ("CANCEL", interview.uid, "2", "CANCELLED"),
    ]
