"""Every link in every email lands on a page, never on the raw API."""

import datetime
import re

from django.core import mail
from django.urls import resolve
from django.utils import timezone

from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.actions import references as reference_actions
from workflows.outbox import delivery
from workflows.outbox.models import ActionStatus, ScheduledAction

# Token pages that need no session: one-click approvals, follow-up surveys, reference offers.
PAGES_OUTSIDE_THE_APP = {"page-one-click-link", "page-survey", "page-reference-accept"}


def _deliver_due() -> None:
    now = timezone.now()  # the travelled clock; delivery otherwise asks the database's
    for pk in ScheduledAction.objects.filter(status=ActionStatus.PENDING, due_at__lte=now).values_list("pk", flat=True):
        delivery.deliver(pk, now=now)


def test_no_email_of_a_whole_offboarding_links_to_the_api(org, interview, client_for, clock):
    outsider = org.outsider.employee
    departure_actions.departure_start(
        employee=outsider,
        kind="resignation",
        notice_date=datetime.date(2026, 11, 30),
        last_working_day=datetime.date(2027, 1, 29),
        actor=org.hr,
    )
    clock.move_to(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC))
    _deliver_due()  # invites, and the approval request with its one-click links
    clock.move_to(datetime.datetime(2026, 12, 10, 10, 5, tzinfo=datetime.UTC))
    interview_actions.exit_interview_hold(interview=interview, actor=org.interviewer)
    offer = reference_actions.reference_offer_by_hr(departure=interview.departure, actor=org.hr)
    _deliver_due()
    reference_actions.reference_offer_accept(offer=offer, actor=org.employee)
    _deliver_due()
    clock.move_to(datetime.datetime(2027, 4, 1, 9, 0, tzinfo=datetime.UTC))
    _deliver_due()  # reminders, escalations, the thank-you and the follow-up surveys

    bodies = [m.body for m in mail.outbox] + [
        content for m in mail.outbox for content, kind in getattr(m, "alternatives", []) if kind == "text/html"
    ]
    assert len(mail.outbox) >= 5, [m.subject for m in mail.outbox]
    urls = {url for body in bodies for url in re.findall(r"http://testserver/\S*", body)}
    assert urls, "the emails carry links"
    assert not [u for u in urls if "/api/v1/" in u], urls
    landed = set()
    for url in urls:
        path = url.replace("http://testserver", "").split('"')[0].rstrip(").,'<")
        match = resolve(path)
        assert match.namespace == "pages" or match.url_name in PAGES_OUTSIDE_THE_APP, path
        landed.add(match.url_name)
    expected = {
        "page-one-click-link",
        "page-survey",
        "page-reference-accept",
        "reference-write",
        "interview-guide",
        "me",
    }
    assert expected <= landed, landed
