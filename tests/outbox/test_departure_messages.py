"""The departure's own messages: approval request, reminders every 2 business days, escalation to HR
after the third, all stopped by approval or cancellation; the thank-you on the last working day."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from offboarding.actions import departures as departure_actions
from offboarding.notifications import departures as messages
from workflows.outbox import delivery
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Monday 2 November 2026, 10:00 in Stockholm.
MONDAY_10_STOCKHOLM = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10_STOCKHOLM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def start(org, clock):
    def go(employee=None, **overrides):
        fields = {
            "employee": employee or org.employee_record,
            "kind": "resignation",
            "notice_date": datetime.date(2026, 11, 2),
            "last_working_day": datetime.date(2026, 12, 18),
            "actor": org.hr,
        }
        fields.update(overrides)
        return departure_actions.departure_start(**fields)

    return go


def approval_rows(departure):
    return list(
        ScheduledAction.objects.filter(idempotency_key__startswith=f"approval:departure:{departure.pk}:").order_by(
            "due_at", "id"
        )
    )


def run_beat() -> list[str]:
    """One beat tick in this process: claim what is due by the travelled clock, deliver it; returns who got
    an approval email."""
    before = len(mail.outbox)
    for action_id in delivery.claim_due(now=timezone.now()):
        delivery.deliver(action_id)
    # Other areas (step reminders) mail the same people; only the approval cycle counts here.
    return [m.to[0] for m in mail.outbox[before:] if "offboarding plan" in m.subject]


def walk_the_cycle(departure, clock) -> None:
    """Travel to each pending row of the approval cycle in turn and deliver it, until none is left."""
    while pending := [r for r in approval_rows(departure) if r.status == ActionStatus.PENDING]:
        clock.move_to(pending[0].due_at)
        delivery.deliver(pending[0].pk, now=pending[0].due_at)


def test_start_writes_the_request_and_the_cycle_writes_reminders_and_the_escalation(org, start, clock):
    departure = start()
    assert [row.kind for row in approval_rows(departure)] == [ActionKind.APPROVAL_REQUEST]

    walk_the_cycle(departure, clock)

    rows = [(row.kind, row.recipient, row.due_at) for row in approval_rows(departure)]
    manager, hr = org.manager_record.email, org.hr.employee.email
    # The days of the cycle written up front before: each row writes the next one when it comes due.
    assert rows == [
        (ActionKind.APPROVAL_REQUEST, manager, utc(2026, 11, 2, 9, 0)),  # now: inside working hours
        (ActionKind.REMINDER, manager, utc(2026, 11, 4, 8, 0)),  # Wednesday 09:00 Stockholm
        (ActionKind.REMINDER, manager, utc(2026, 11, 6, 8, 0)),  # Friday
        (ActionKind.REMINDER, manager, utc(2026, 11, 10, 8, 0)),  # Tuesday, over the weekend
        (ActionKind.ESCALATION, hr, utc(2026, 11, 12, 8, 0)),  # two business days after the third
    ]
    assert all(row.group == f"departure:{departure.pk}" for row in approval_rows(departure))


def test_payloads_hold_ids_only(start, clock):
    departure = start(reason="compensation")
    walk_the_cycle(departure, clock)

    assert len(approval_rows(departure)) == 5
    for row in approval_rows(departure):
        assert set(row.payload) <= {"departure", "user", "round", "from", "escalate"}
        assert "compensation" not in str(row.payload)


def test_request_outside_working_hours_waits_for_the_managers_morning(org, start, clock):
    org.manager_record.time_zone = "America/New_York"
    org.manager_record.country = "US"
    org.manager_record.save()
    clock.move_to(utc(2026, 11, 2, 8, 0))  # 03:00 in New York

    departure = start()

    request = approval_rows(departure)[0]
    assert request.due_at == utc(2026, 11, 2, 14, 0)  # 09:00 EST


def test_reminders_follow_the_managers_country_holidays(org, start, clock):
    org.manager_record.time_zone = "America/New_York"
    org.manager_record.country = "US"
    org.manager_record.save()
    # Monday 23 November, 10:00 New York: +2 business days is Wednesday; +4 skips Thanksgiving (26th).
    clock.move_to(utc(2026, 11, 23, 15, 0))
    departure = start(notice_date=datetime.date(2026, 11, 23))
    walk_the_cycle(departure, clock)

    reminders = [row.due_at for row in approval_rows(departure) if row.kind == ActionKind.REMINDER]
    assert reminders == [utc(2026, 11, 25, 14, 0), utc(2026, 11, 30, 14, 0), utc(2026, 12, 2, 14, 0)]


def test_without_a_manager_the_hr_group_is_asked_and_nothing_escalates(org, start):
    org.employee_record.manager = None
    org.employee_record.save()

    departure = start()

    rows = approval_rows(departure)
    assert {row.recipient for row in rows} == {org.hr.employee.email}
    assert ActionKind.ESCALATION not in {row.kind for row in rows}


def test_hr_user_without_employee_record_gets_installation_time_zone(org, start, settings):
    from tests.factories import UserFactory

    settings.TIME_ZONE = "Europe/London"
    org.employee_record.manager = None
    org.employee_record.save()
    UserFactory(username="hr2", email="hr2@example.com", groups=["hr"])
    with time_machine.travel(utc(2026, 11, 2, 7, 0), tick=False):  # 07:00 London, 08:00 Stockholm
        departure = start()

    first = {row.recipient: row.due_at for row in approval_rows(departure) if row.kind == ActionKind.APPROVAL_REQUEST}
    assert first["hr2@example.com"] == utc(2026, 11, 2, 9, 0)  # 09:00 London
    assert first[org.hr.employee.email] == utc(2026, 11, 2, 8, 0)  # 09:00 Stockholm


def test_ignored_request_is_reminded_three_times_then_escalated_to_hr(org, start, clock):
    departure = start()
    manager, hr = org.manager_record.email, org.hr.employee.email
    sent = {}

    for moment in [
        utc(2026, 11, 2, 9, 0),
        utc(2026, 11, 4, 8, 0),
        utc(2026, 11, 6, 8, 0),
        utc(2026, 11, 10, 8, 0),
        utc(2026, 11, 12, 8, 0),
    ]:
        clock.move_to(moment)
        sent[moment] = run_beat()

    assert list(sent.values()) == [[manager], [manager], [manager], [manager], [hr]]
    subjects = [m.subject for m in mail.outbox if "offboarding plan" in m.subject]
    assert subjects[0].startswith("Please approve") and subjects[1].startswith("Reminder:")
    assert subjects[-1].startswith("Escalation:")
    assert all(row.status == ActionStatus.SENT for row in approval_rows(departure))


def test_approval_stops_the_reminders_and_the_escalation(org, start, clock):
    departure = start()
    run_beat()

    departure_actions.departure_approve(departure=departure, actor=org.manager)

    statuses = [(row.kind, row.status) for row in approval_rows(departure)]
    assert statuses[0] == (ActionKind.APPROVAL_REQUEST, ActionStatus.SENT)
    assert {status for _, status in statuses[1:]} == {ActionStatus.CANCELLED}


def test_reminder_already_claimed_when_approved_is_not_sent(org, start, clock):
    departure = start()
    clock.move_to(utc(2026, 11, 4, 8, 0))
    claimed = delivery.claim_due(now=timezone.now())
    departure_actions.departure_approve(departure=departure, actor=org.manager)

    for action_id in claimed:
        delivery.deliver(action_id)

    assert [m for m in mail.outbox if m.subject.startswith("Reminder")] == []


def test_cancellation_cancels_everything_pending_for_the_departure(org, start):
    departure = start()

    departure_actions.departure_cancel(departure=departure, actor=org.hr)

    pending = ScheduledAction.objects.filter(group=f"departure:{departure.pk}", status=ActionStatus.PENDING)
    assert not pending.exists()


def test_approval_schedules_the_thank_you_on_the_last_day_morning(org, start):
    departure = start()

    departure_actions.departure_approve(departure=departure, actor=org.manager)

    [thanks] = ScheduledAction.objects.filter(kind=ActionKind.THANK_YOU, group=f"departure:{departure.pk}")
    assert thanks.recipient == org.employee_record.email
    assert thanks.due_at == utc(2026, 12, 18, 8, 0)  # 09:00 Stockholm on the last working day


def test_new_last_day_moves_the_thank_you(org, start):
    departure = start()
    departure_actions.departure_approve(departure=departure, actor=org.manager)

    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 11)}
    )

    rows = ScheduledAction.objects.filter(kind=ActionKind.THANK_YOU, group=f"departure:{departure.pk}")
    assert sorted((row.status, row.due_at) for row in rows) == [
        (ActionStatus.CANCELLED, utc(2026, 12, 18, 8, 0)),
        (ActionStatus.PENDING, utc(2026, 12, 11, 8, 0)),
    ]


def test_thank_you_is_sent_on_the_last_day_in_the_employees_language(org, start, clock):
    org.employee_record.language = "sv"
    org.employee_record.save()
    departure = start()
    departure_actions.departure_approve(departure=departure, actor=org.manager)

    clock.move_to(utc(2026, 12, 18, 8, 0))
    run_beat()

    [thanks] = [m for m in mail.outbox if m.to == [org.employee_record.email] and m.subject.startswith("Tack")]
    assert thanks.subject == "Tack, Erik, och det här händer nu"
    assert "sista arbetsdag" in thanks.body
    html = dict((mime, body) for body, mime in thanks.alternatives)["text/html"]
    assert "Tack för din tid" in html


def test_approval_email_carries_the_three_links_and_nothing_confidential(org, start):
    start(reason="compensation", rehire_eligible=False)

    run_beat()

    [request] = [m for m in mail.outbox if m.to == [org.manager_record.email] and "approve" in m.subject]
    assert "/links/" in request.body and request.body.count("/links/") == 3
    assert "compensation" not in request.body.lower() and "rehire" not in request.body.lower()
    html = dict((mime, body) for body, mime in request.alternatives)["text/html"]
    assert html.count("/links/") == 3


def test_approval_email_is_in_the_managers_language(org, start):
    org.manager_record.language = "sv"
    org.manager_record.save()
    start()

    run_beat()

    [request] = [m for m in mail.outbox if m.to == [org.manager_record.email] and "Godkänn" in m.subject]
    assert request.subject == f"Godkänn avslutningsplanen för {org.employee_record.name}"


def test_pending_approval_actions_lists_the_cycle(start):
    departure = start()

    # The request; its reminders and the escalation are written one at a time as the cycle goes.
    assert [a.kind for a in messages.pending_approval_actions(departure=departure)] == [ActionKind.APPROVAL_REQUEST]


def test_reminder_emails_are_marked_automatic(org, start):
    start()

    run_beat()

    [request] = [m for m in mail.outbox if m.to == [org.manager_record.email] and "approve" in m.subject]
    assert request.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_cycle_whose_manager_changed_still_escalates_to_hr_on_its_day(org, start, clock):
    from offboarding.models import Employee

    departure = start()
    assert run_beat() == [org.manager_record.email]
    # The leaver moves to another manager: the old one may no longer approve and is not reminded,
    # but the cycle goes on, so HR still hears of the unanswered request on the escalation day.
    Employee.objects.filter(pk=org.employee_record.pk).update(manager=org.manager2_record)

    walk_the_cycle(departure, clock)

    escalations = [r for r in approval_rows(departure) if r.kind == ActionKind.ESCALATION]
    assert [(r.recipient, r.due_at, r.status) for r in escalations] == [
        (org.hr.employee.email, utc(2026, 11, 12, 8, 0), ActionStatus.SENT)
    ]
    reminders = [r for r in approval_rows(departure) if r.kind == ActionKind.REMINDER]
    assert len(reminders) == 3 and {r.status for r in reminders} == {ActionStatus.CANCELLED}
