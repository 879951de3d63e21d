"""The outbox API: HR lists actions (filters), sees attempts and the last error, retries a failed one."""

from __future__ import annotations

import pytest

from workflows.outbox.models import ActionStatus, ScheduledAction

pytestmark = pytest.mark.django_db
URL = "/api/v1/outbox/actions/"


@pytest.fixture
def failed(note_action):
    return note_action(
        "bounced@example.com",
        status=ActionStatus.FAILED,
        attempts=6,
        last_error="SMTPDataError: 550 5.1.1 Mailbox unavailable",
    )


def test_hr_lists_failed_actions_with_attempts_and_error(api, org, failed, note_action):
    note_action("fine@example.com", status=ActionStatus.SENT)

    response = api(org.hr).get(URL, {"status": "failed"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == failed.pk and row["attempts"] == 6
    assert row["last_error"] == "SMTPDataError: 550 5.1.1 Mailbox unavailable"


def test_hr_filters_by_group(api, org, note_action):
    mine = note_action(group="departure:7")
    note_action(group="departure:8")

    response = api(org.hr).get(URL, {"group": "departure:7"})

    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize("who", ["manager", "employee", "it", "interviewer"])
def test_only_hr_sees_the_outbox(api, org, who, failed):
    assert api(getattr(org, who)).get(URL).status_code == 403


def test_anonymous_gets_401(api):
    assert api().get(URL).status_code == 401


def test_hr_sees_one_action(api, org, failed):
    response = api(org.hr).get(f"{URL}{failed.pk}/")

    assert response.status_code == 200 and response.json()["status"] == "failed"


def test_hr_retries_a_failed_action(api, org, failed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api(org.hr).post(f"{URL}{failed.pk}/retry/")

    failed.refresh_from_db()
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert failed.status == ActionStatus.PENDING and failed.max_attempts == 7
    assert failed.last_error  # kept until the next attempt tells more
    assert len(callbacks) == 1  # queued for delivery on commit


def test_retrying_an_action_that_has_not_failed_is_a_conflict(api, org, note_action):
    sent = note_action(status=ActionStatus.SENT)

    response = api(org.hr).post(f"{URL}{sent.pk}/retry/")

    assert response.status_code == 409
    assert ScheduledAction.objects.get(pk=sent.pk).status == ActionStatus.SENT


def test_manager_cannot_retry(api, org, failed):
    assert api(org.manager).post(f"{URL}{failed.pk}/retry/").status_code == 403
