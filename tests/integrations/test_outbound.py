"""Outbound webhooks and chat messages, delivered through the outbox to a real HTTP server on loopback."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from core.delivery import DeliveryError
from integrations import signing
from integrations.http import post
from integrations.models import ChatWebhook
from offboarding.actions import departures as departure_actions
from offboarding.models import Departure
from tests.helpers import on_fixed_dates, signed_headers
from workflows.models import Step
from workflows.outbox.delivery import deliver
from workflows.outbox.models import ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db

SECRET = "outbound-test-secret"


@pytest.fixture
def start(start_departure, frozen):
    return on_fixed_dates(start_departure)


def webhook_rows(departure, event="access.revoke"):
    return ScheduledAction.objects.filter(group=f"departure:{departure.pk}", handler="webhook_departure_event",
                                          payload__event=event)  # fmt: skip


def deliver_at(action, when):
    with time_machine.travel(when, tick=False):
        return deliver(action.pk, now=timezone.now())


def verify(request) -> None:
    signing.signature_verify(
        secret=SECRET,
        timestamp=request["headers"][signing.TIMESTAMP_HEADER],
        signature=request["headers"][signing.SIGNATURE_HEADER],
        body=request["body"],
        now=int(request["headers"][signing.TIMESTAMP_HEADER]),
    )


# --- the access-revocation webhook


def test_starting_a_departure_schedules_revocation_at_the_end_of_the_last_day_in_the_employees_zone(
    org, outbound_settings, start
):
    departure = start()

    action = webhook_rows(departure).get()
    # 17:00 in Stockholm on 18 December is 16:00 UTC.
    assert action.due_at == datetime.datetime(2026, 12, 18, 16, 0, tzinfo=datetime.UTC)
    assert action.recipient == outbound_settings.OUTBOUND_WEBHOOK_URLS[0]
    assert action.channel == "webhook"


def test_the_revocation_webhook_reaches_the_receiver_signed_with_the_documented_body(
    org, outbound_settings, receiver, start
):
    departure = start()
    action = webhook_rows(departure).get()

    outcome = deliver_at(action, datetime.datetime(2026, 12, 18, 16, 0, 5, tzinfo=datetime.UTC))

    assert outcome.status == "sent"
    request = receiver.requests[0]
    verify(request)
    assert request["path"] == "/it/hooks"
    assert request["headers"]["X-Offboarding-Event-Id"] == action.idempotency_key
    assert json.loads(request["body"]) == {
        "id": action.idempotency_key,
        "type": "access.revoke",
        "occurred_at": "2026-12-18T16:00:00+00:00",
        "departure": {
            "id": departure.pk,
            "employee_external_id": org.employee_record.external_id,
            "work_email": org.employee_record.email,
            "last_working_day": "2026-12-18",
            "access_ends_at": "2026-12-18T16:00:00+00:00",
        },
    }


def test_the_webhook_body_never_carries_reasons_or_interview_data(org, outbound_settings, receiver, start):
    departure = start(reason="manager")
    deliver_at(webhook_rows(departure).get(), datetime.datetime(2026, 12, 19, tzinfo=datetime.UTC))

    body = receiver.requests[0]["body"].decode()
    assert "manager" not in body.replace(org.employee_record.email, "")
    assert "reason" not in body and "interview" not in body


def test_a_500_is_retried_and_the_retry_succeeds(org, outbound_settings, receiver, start):
    departure = start()
    action = webhook_rows(departure).get()
    receiver.statuses = [500]
    when = datetime.datetime(2026, 12, 18, 16, 1, tzinfo=datetime.UTC)

    first = deliver_at(action, when)
    action.refresh_from_db()

    assert first.status == ActionStatus.PENDING
    assert (action.attempts, action.due_at > when) == (1, True)
    assert "HTTP 500" in action.last_error
    second = deliver_at(action, action.due_at + datetime.timedelta(seconds=1))
    assert second.status == ActionStatus.SENT
    assert len(receiver.requests) == 2
    verify(receiver.requests[1])


def test_a_400_fails_permanently_at_once(org, outbound_settings, receiver, start):
    departure = start()
    action = webhook_rows(departure).get()
    receiver.statuses = [400]

    outcome = deliver_at(action, datetime.datetime(2026, 12, 18, 16, 1, tzinfo=datetime.UTC))

    action.refresh_from_db()
    assert outcome.status == ActionStatus.FAILED
    assert action.attempts == 1
    assert "HTTP 400" in action.last_error


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (404, False), (302, False)]
)
def test_http_statuses_map_to_retryable_or_permanent_errors(receiver, status, retryable):
    receiver.statuses = [status]

    with pytest.raises(DeliveryError) as caught:
        post(url=receiver.url, body=b"{}", headers={})

    assert caught.value.retryable is retryable


def test_an_unreachable_endpoint_is_retryable():
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as caught:
        post(url=f"http://127.0.0.1:{port}/", body=b"{}", headers={}, timeout=2)

    assert caught.value.retryable is True


def test_a_moved_last_day_cancels_the_old_revocation_and_schedules_the_new(org, outbound_settings, start):
    departure = start()
    old = webhook_rows(departure).get()

    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2027, 1, 15)}
    )

    old.refresh_from_db()
    assert old.status == ActionStatus.CANCELLED
    new = webhook_rows(departure).get(status=ActionStatus.PENDING)
    assert new.due_at == datetime.datetime(2027, 1, 15, 16, 0, tzinfo=datetime.UTC)


def test_moving_the_last_day_back_schedules_again(org, outbound_settings, start):
    departure = start()
    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2027, 1, 15)}
    )
    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 18)}
    )

    pending = webhook_rows(departure).get(status=ActionStatus.PENDING)
    assert pending.due_at == datetime.datetime(2026, 12, 18, 16, 0, tzinfo=datetime.UTC)


def test_a_cancelled_departure_cancels_its_webhooks(org, outbound_settings, start):
    departure = start()

    departure_actions.departure_cancel(departure=departure, actor=org.hr)

    assert set(webhook_rows(departure).values_list("status", flat=True)) == {ActionStatus.CANCELLED}


def test_a_stale_revocation_row_renders_to_nothing(org, outbound_settings, receiver, start):
    departure = start()
    action = webhook_rows(departure).get()
    Departure.objects.filter(pk=departure.pk).update(state="cancelled")

    outcome = deliver_at(action, datetime.datetime(2026, 12, 19, tzinfo=datetime.UTC))

    assert outcome.status == ActionStatus.CANCELLED
    assert receiver.requests == []


def test_no_configured_endpoint_schedules_nothing(org, settings, start):
    settings.OUTBOUND_WEBHOOK_URLS = []

    departure = start()

    assert not webhook_rows(departure).exists()


def test_completion_sends_the_completed_webhook(org, outbound_settings, receiver, start):
    departure = start()
    with time_machine.travel(datetime.datetime(2026, 12, 21, 9, tzinfo=datetime.UTC), tick=False):
        departure_actions.departure_approve(departure=departure, actor=org.manager)
        departure_actions.departure_waive_interview(departure=departure, actor=org.hr)
        departure_actions.departure_complete(
            departure=departure, actor=org.hr, override=True, note="Steps tracked elsewhere."
        )
        action = webhook_rows(departure, "departure.completed").get()
        outcome = deliver(action.pk, now=timezone.now())

    assert outcome.status == "sent"
    assert receiver.json()["type"] == "departure.completed"
    assert receiver.json()["departure"]["id"] == departure.pk
    verify(receiver.requests[-1])


# --- the IT system's receipt


def receipt(api, body: dict, *, secret=SECRET):
    raw = json.dumps(body).encode()
    return api().post(
        "/api/v1/integrations/webhooks/receipts/",
        data=raw,
        content_type="application/json",
        **signed_headers(secret=secret, body=raw),
    )


def test_a_signed_receipt_completes_the_access_revocation_step(org, api, outbound_settings, start):
    departure = start()

    response = receipt(api, {"id": "rcpt-1", "type": "access.revoked", "departure_id": departure.pk})

    assert response.status_code == 200, response.data
    step = Step.objects.get(workflow=departure.workflow, key="access_revocation")
    assert step.state == "done"
    assert step.history.last().actor_label == "system"
    assert response.data == {"status": "processed", "result": "completed", "step": step.pk}


def test_the_same_receipt_twice_is_processed_once(org, api, outbound_settings, start):
    departure = start()
    receipt(api, {"id": "rcpt-1", "type": "access.revoked", "departure_id": departure.pk})

    response = receipt(api, {"id": "rcpt-1", "type": "access.revoked", "departure_id": departure.pk})

    assert response.data["status"] == "duplicate"


def test_a_receipt_with_a_bad_signature_gets_401_and_changes_nothing(org, api, outbound_settings, start):
    departure = start()

    response = receipt(api, {"id": "rcpt-1", "type": "access.revoked", "departure_id": departure.pk}, secret="nope")

    assert response.status_code == 401
    assert Step.objects.get(workflow=departure.workflow, key="access_revocation").state != "done"


def test_a_receipt_for_an_unknown_departure_gets_404(org, api, outbound_settings, frozen):
    response = receipt(api, {"id": "rcpt-1", "type": "access.revoked", "departure_id": 999999})

    assert response.status_code == 404


# --- chat


@pytest.fixture
def team_chat(receiver, org):
    return ChatWebhook.objects.create(department="Engineering", url=f"{receiver.url}/slack/T1/B1/xyz")


def chat_rows(handler):
    return ScheduledAction.objects.filter(handler=handler, channel="chat")


def test_a_new_departure_tells_the_team_chat_an_approval_is_needed_without_the_reason(org, receiver, team_chat, start):
    departure = start(reason="compensation")
    action = chat_rows("chat_departure_approval").get()

    outcome = deliver(action.pk)

    assert outcome.status == "sent"
    request = receiver.requests[0]
    assert request["path"] == "/slack/T1/B1/xyz"
    assert request["headers"]["Content-Type"] == "application/json"
    text = json.loads(request["body"])["text"]
    assert set(json.loads(request["body"])) == {"text"}
    assert "Erik Employee" in text and "2026-12-18" in text and f"/departures/{departure.pk}/" in text
    assert "compensation" not in text.lower() and "pay" not in text.lower()


def test_no_chat_message_for_a_team_without_a_webhook(org, start):
    start()

    assert not chat_rows("chat_departure_approval").exists()


def test_the_blank_department_webhook_is_the_fallback(org, receiver, start):
    ChatWebhook.objects.create(department="", url=f"{receiver.url}/fallback")

    start()

    assert chat_rows("chat_departure_approval").count() == 1


def test_an_approval_notice_for_an_approved_departure_is_not_sent(org, receiver, team_chat, start):
    departure = start()
    departure_actions.departure_approve(departure=departure, actor=org.manager)

    outcome = deliver(chat_rows("chat_departure_approval").get().pk)

    assert outcome.status == ActionStatus.CANCELLED
    assert receiver.requests == []


def test_a_chat_500_is_retried_and_a_404_fails(org, receiver, team_chat, start):
    start()
    action = chat_rows("chat_departure_approval").get()
    receiver.statuses = [500, 404]

    assert deliver(action.pk).status == ActionStatus.PENDING
    action.refresh_from_db()
    assert deliver_at(action, action.due_at + datetime.timedelta(seconds=1)).status == ActionStatus.FAILED


def test_the_daily_sweep_writes_one_chat_notice_per_overdue_step_and_day(org, receiver, team_chat, start):
    from integrations.chat import overdue_steps_chat_schedule

    departure = start()
    approval = Step.objects.get(workflow=departure.workflow, key="manager_approval")
    day = approval.due_date + datetime.timedelta(days=1)

    first = overdue_steps_chat_schedule(today=day)
    again = overdue_steps_chat_schedule(today=day)

    rows = chat_rows("chat_step_overdue")
    assert first == rows.count() >= 1
    assert again == 0
    assert rows.filter(payload__step=approval.pk).count() == 1
    assert all(day.isoformat() in key for key in rows.values_list("idempotency_key", flat=True))
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC), tick=False):
        outcome = deliver(rows.get(payload__step=approval.pk).pk)
    assert outcome.status == "sent"
    text = receiver.json()["text"]
    assert approval.title in text and "Erik Employee" in text and "career" not in text


def test_the_sweep_skips_steps_not_yet_due_and_finished_ones(org, team_chat, start):
    from integrations.chat import overdue_steps_chat_schedule

    departure = start()
    approval = Step.objects.get(workflow=departure.workflow, key="manager_approval")

    assert overdue_steps_chat_schedule(today=approval.due_date) == 0
    departure_actions.departure_approve(departure=departure, actor=org.manager)
    overdue_steps_chat_schedule(today=approval.due_date + datetime.timedelta(days=1))
    assert not chat_rows("chat_step_overdue").filter(payload__step=approval.pk).exists()


def test_finishing_a_step_cancels_its_pending_overdue_notice(org, team_chat, start):
    from integrations.chat import overdue_steps_chat_schedule

    departure = start()
    approval = Step.objects.get(workflow=departure.workflow, key="manager_approval")
    overdue_steps_chat_schedule(today=approval.due_date + datetime.timedelta(days=1))

    departure_actions.departure_approve(departure=departure, actor=org.manager)

    assert chat_rows("chat_step_overdue").get(payload__step=approval.pk).status == ActionStatus.CANCELLED


def test_the_sweep_does_nothing_without_any_chat_webhook(org, start):
    from integrations.chat import overdue_steps_chat_schedule

    departure = start()
    approval = Step.objects.get(workflow=departure.workflow, key="manager_approval")

    assert overdue_steps_chat_schedule(today=approval.due_date + datetime.timedelta(days=3)) == 0


def test_the_overdue_sweep_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["integrations-overdue-steps-chat"]
    assert entry["task"] == "integrations.overdue_steps_chat"
    assert entry["schedule"] == 86400


def test_a_bulk_start_sends_the_team_one_summary_without_names(org, api, receiver, team_chat, frozen):
    from integrations.inbound.csv_import import ImportRow, departures_import
    from tests.helpers import make_employees

    people = make_employees(3, manager=org.manager_record)
    rows = [ImportRow(n + 2, p.external_id, "termination", "2026-11-02", "2027-01-29") for n, p in enumerate(people)]
    departures_import(rows=rows, actor=org.hr)

    assert not chat_rows("chat_departure_approval").exists()
    summary = chat_rows("chat_departures_approval_summary").get()
    assert deliver(summary.pk).status == "sent"
    text = receiver.json()["text"]
    assert text.startswith(
        "3 departures from a bulk start await their managers' approval (last working days 2027-01-29)"
    )
    assert not any(p.name in text for p in people)
