"""One-click links in approval emails: GET confirms, POST acts once; expired, tampered, used or
no-longer-applicable links show why and change nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from offboarding import links
from offboarding.actions import departures as departure_actions
from offboarding.models import DepartureHistory, DepartureState
from tests.helpers import LAST_WORKING_DAY, NOTICE_DATE
from workflows.outbox.models import ActionKind, ActionStatus, ScheduledAction, UsedLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def departure(org):
    return departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=NOTICE_DATE,
        last_working_day=LAST_WORKING_DAY,
        actor=org.hr,
    )


@pytest.fixture
def link(org, departure):
    def make(action: str, user=None) -> str:
        url = links.link_url(action=action, departure_id=departure.pk, user_id=(user or org.manager).pk)
        return url.removeprefix("http://testserver")

    return make


def state_of(departure) -> str:
    departure.refresh_from_db()
    return departure.state


def test_get_shows_a_confirmation_and_changes_nothing(client, link, departure):
    response = client.get(link("approve"))

    assert response.status_code == 200
    assert b"Approve the offboarding plan" in response.content and b'method="post"' in response.content
    assert state_of(departure) == DepartureState.NOTICE and not UsedLink.objects.exists()


def test_post_approves_as_the_manager_the_link_was_sent_to(client, link, departure, org):
    response = client.post(link("approve"))

    assert response.status_code == 200 and b"Approved" in response.content
    assert state_of(departure) == DepartureState.APPROVED
    entry = DepartureHistory.objects.get(departure=departure, transition="approve")
    assert entry.actor == org.manager


def test_approval_by_link_stops_the_reminders(client, link, departure):
    client.post(link("approve"))

    cycle = ScheduledAction.objects.filter(group=f"departure:{departure.pk}", idempotency_key__startswith="approval:")
    assert {r.status for r in cycle} == {ActionStatus.CANCELLED}


def test_second_use_says_so_and_changes_nothing(client, link, departure):
    url = link("approve")
    client.post(url)
    history = DepartureHistory.objects.count()

    response = client.post(url)

    assert response.status_code == 409 and b"already been used" in response.content
    assert DepartureHistory.objects.count() == history


def test_used_link_opened_again_says_so(client, link):
    url = link("approve")
    client.post(url)

    response = client.get(url)

    assert response.status_code == 409 and b"already been used" in response.content


def test_expired_link_changes_nothing(client, link, departure):
    url = link("approve")

    with time_machine.travel(timezone.now() + links.LINK_MAX_AGE + datetime.timedelta(minutes=1)):
        response = client.post(url)

    assert response.status_code == 410 and b"expired" in response.content
    assert state_of(departure) == DepartureState.NOTICE


def test_tampered_link_changes_nothing(client, departure, org):
    genuine = links.link_token(action="reject", departure_id=departure.pk, user_id=org.manager.pk)
    wanted = links.link_token(action="approve", departure_id=departure.pk, user_id=org.manager.pk)
    # The approve payload with the reject link's timestamp and signature: the signature does not match.
    tampered = wanted.split(":", 1)[0] + ":" + genuine.split(":", 1)[1]

    response = client.post(f"/api/v1/links/{tampered}/")

    assert response.status_code == 404 and b"not valid" in response.content
    assert state_of(departure) == DepartureState.NOTICE and not UsedLink.objects.exists()


def test_approve_link_of_an_already_approved_departure_says_so(client, link, departure, org):
    url = link("approve")
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    response = client.post(url)

    assert response.status_code == 409 and b"no longer waiting for approval" in response.content
    assert not UsedLink.objects.exists()


def test_link_of_someone_no_longer_allowed_changes_nothing(client, link, departure, org):
    url = link("approve", user=org.manager2)

    response = client.post(url)

    assert response.status_code == 403 and state_of(departure) == DepartureState.NOTICE


def test_reject_records_history_keeps_notice_and_tells_hr(client, link, departure, org):
    response = client.post(link("reject"), {"note": "The last day clashes with the release."})

    assert response.status_code == 200 and b"Rejected" in response.content
    assert state_of(departure) == DepartureState.NOTICE
    entry = DepartureHistory.objects.get(departure=departure, transition="approval_rejected")
    assert entry.actor == org.manager and entry.note == "The last day clashes with the release."
    [notice] = ScheduledAction.objects.filter(
        kind=ActionKind.NOTIFICATION, group=f"departure:{departure.pk}", idempotency_key__contains=":rejected:"
    )
    assert notice.recipient == org.hr.employee.email and "note" not in notice.payload


def test_reject_stops_the_managers_reminders(client, link, departure):
    client.post(link("reject"))

    pending = ScheduledAction.objects.filter(
        idempotency_key__startswith=f"approval:departure:{departure.pk}:u", status=ActionStatus.PENDING
    )
    assert not pending.exists()


def test_approve_after_reject_still_works(client, link, departure):
    client.post(link("reject"))

    response = client.post(link("approve"))

    assert response.status_code == 200 and state_of(departure) == DepartureState.APPROVED


def test_open_link_redirects_to_the_departure(client, link, departure):
    response = client.get(link("open"))

    assert response.status_code == 302 and response["Location"] == f"/departures/{departure.pk}/"


def test_confirmation_page_is_in_the_recipients_language(client, link, org):
    org.manager_record.language = "sv"
    org.manager_record.save()

    response = client.get(link("approve"))

    assert "Godkänn avslutningsplanen" in response.content.decode()


def test_link_page_is_never_cached(client, link):
    response = client.get(link("approve"))

    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"
