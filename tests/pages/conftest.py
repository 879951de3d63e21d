"""Fixtures of the page tests: a frozen clock, a departure at each stage, signed-in browsers (test clients)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from offboarding.actions import answers as answer_actions
from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from tests.helpers import SECRET, SECRET_NOTE, SHARED

# Tuesday 1 December 2026, 08:00 in Stockholm; the leaver's last working day is Friday 18 December.
NOW = datetime.datetime(2026, 12, 1, 7, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_for(db):
    """client_for(user): a test client signed in as that user (None: signed out)."""

    def make(user=None, language: str | None = None):
        client = Client()
        if user is not None:
            client.force_login(user)
        if language:
            client.cookies["offboarding_language"] = language
        return client

    return make


@pytest.fixture
def started(org, clock):
    """`employee` resigned: the departure waits for the manager's approval."""
    return departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=datetime.date(2026, 11, 20),
        last_working_day=datetime.date(2026, 12, 18),
        reason="career",
        actor=org.hr,
    )


@pytest.fixture
def approved(started, org):
    return departure_actions.departure_approve(departure=started, actor=org.manager)


@pytest.fixture
def interview(approved, org):
    """The exit interview, scheduled by HR on Thursday 10 December at 10:00 Stockholm time."""
    start = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC)
    return interview_actions.exit_interview_schedule(
        departure=approved, actor=org.hr, interviewer=org.interviewer, start=start
    )


@pytest.fixture
def answered(interview, org):
    """Answers: one private, one shared with the manager, and the interviewer's private note."""
    answer_actions.interview_response_write(
        interview=interview,
        actor=org.employee,
        answers=[
            {"question": "reasons.decision", "text": SECRET, "share_with_manager": False},
            {"question": "suggestions.change", "text": SHARED, "share_with_manager": True},
        ],
    )
    answer_actions.interview_response_write(interview=interview, actor=org.interviewer, notes=SECRET_NOTE)
    return interview
