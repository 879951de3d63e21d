"""Fixtures for exit interview scheduling: a frozen clock, an approved departure, and a way to render
what the outbox holds into real email messages through the registered renderers."""

from __future__ import annotations

import datetime
import email
from email import policy

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from offboarding.actions import interviews as interview_actions
from offboarding.models import DepartureState
from tests.factories import DepartureFactory
from workflows import selectors as workflow_selectors
from workflows import services as workflow_services
from workflows.outbox import delivery
from workflows.outbox.models import ActionStatus, ScheduledAction

UTC = datetime.UTC
# Tuesday 1 December 2026, 07:00 UTC (08:00 in Stockholm): before working hours on the notice's last weeks.
NOW = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def departure(org, clock):
    """`employee` resigned, eligible for rehire; approved, last working day Friday 18 December 2026."""
    return DepartureFactory(
        employee=org.employee_record,
        state=DepartureState.APPROVED,
        notice_date=datetime.date(2026, 11, 18),
        last_working_day=datetime.date(2026, 12, 18),
        rehire_eligible=True,
    )


@pytest.fixture
def workflow(departure):
    """A running checklist for the departure, from the shipped resignation template."""
    workflow_services.templates_install_defaults()
    version = workflow_selectors.template_version_for(kind=departure.kind, country="SE")
    started = workflow_services.workflow_start(
        template_version=version,
        anchors={"notice_date": departure.notice_date, "last_working_day": departure.last_working_day},
        country="SE",
        time_zone="Europe/Stockholm",
        subject=f"departure:{departure.pk}",
    )
    departure.workflow = started
    departure.save(update_fields=["workflow"])
    return started


@pytest.fixture
def schedule(org, departure):
    """Schedule through the real action as HR; keyword arguments pass through."""

    def run(**kwargs):
        kwargs.setdefault("departure", departure)
        kwargs.setdefault("actor", org.hr)
        return interview_actions.exit_interview_schedule(**kwargs)

    return run


def render_pending(*, kinds=None, handler=None):
    """Deliver every pending, due action through the outbox's own delivery (renderer, then send), as the
    worker would; returns [(action, sent message)] for the ones that still applied (the message is None
    unless the locmem backend caught it)."""
    qs = ScheduledAction.objects.filter(status=ActionStatus.PENDING, due_at__lte=timezone.now()).order_by("id")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if handler:
        qs = qs.filter(handler=handler)
    locmem = settings.EMAIL_BACKEND.endswith("locmem.EmailBackend")
    sent = []
    for action in qs:
        before = len(mail.outbox) if locmem else 0
        outcome = delivery.deliver(action.pk, now=timezone.now())  # due by the travelled clock
        if outcome.sent:
            if locmem:
                assert len(mail.outbox) == before + 1
            sent.append((action, mail.outbox[-1] if locmem else None))
        else:
            assert outcome.status == ActionStatus.CANCELLED, outcome
    return sent


@pytest.fixture
def deliver(db):
    mail.outbox.clear()
    return render_pending


def calendar_part(message) -> tuple[email.message.EmailMessage, icalendar.Calendar]:
    """Serialise the message, parse it back as a mail client would, and return the inline text/calendar
    part and its parsed calendar."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in parsed.walk()]
    return parts[0], icalendar.Calendar.from_ical(parts[0].get_content())


def event_of(cal: icalendar.Calendar) -> icalendar.Event:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]
