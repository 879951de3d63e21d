"""The outbox in the admin: failed actions with their error, and the retry action."""

import pytest

from workflows.outbox.models import ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db


def test_admin_lists_failed_actions_with_the_error(admin_client, note_action):
    note_action("bounced@example.com", status=ActionStatus.FAILED, last_error="SMTPDataError: 550 no such user")

    response = admin_client.get("/admin/outbox/scheduledaction/?status__exact=failed")

    assert response.status_code == 200
    assert b"bounced@example.com" in response.content and b"550 no such user" in response.content


def test_admin_retry_action_requeues_failed_actions_only(admin_client, note_action):
    failed = note_action(status=ActionStatus.FAILED, attempts=6)
    sent = note_action(status=ActionStatus.SENT)

    admin_client.post(
        "/admin/outbox/scheduledaction/",
        {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
    )

    assert ScheduledAction.objects.get(pk=failed.pk).status == ActionStatus.PENDING
    assert ScheduledAction.objects.get(pk=sent.pk).status == ActionStatus.SENT


def test_admin_shows_each_attempt_with_its_outcome_and_error(admin_client, note_action):
    action = note_action(
        "flaky@example.com",
        status=ActionStatus.SENT,
        attempts=2,
        history=[
            {"attempt": 1, "started_at": "2026-11-02T09:00:00+00:00", "outcome": "retry", "error": "451 greylisted"},
            {"attempt": 2, "started_at": "2026-11-02T09:01:00+00:00", "outcome": "sent"},
        ],
    )

    response = admin_client.get(f"/admin/outbox/scheduledaction/{action.pk}/change/")

    assert response.status_code == 200
    assert b"1. 2026-11-02T09:00:00+00:00: retry (451 greylisted)" in response.content
    assert b"2. 2026-11-02T09:01:00+00:00: sent" in response.content
