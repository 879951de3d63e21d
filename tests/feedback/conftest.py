"""Fixtures of the feedback tests: an interview with its people, readers with and without the
permission, and helpers to write answers as a given role."""

from __future__ import annotations

import datetime

import pytest
from celery.signals import before_task_publish

from config.celery import app as celery_app
from core import roles
from offboarding.actions import departures as departure_actions
from offboarding.interviews.models import ExitInterview
from tests.factories import UserFactory
from tests.helpers import LAST_WORKING_DAY, NOTICE_DATE, SECRET, SECRET_NOTE, SHARED, grant_read_answers


@pytest.fixture
def hr_reader(org):
    user = UserFactory(username="hr_reader", groups=[roles.HR])
    grant_read_answers(user)
    return user


@pytest.fixture
def other_interviewer(org):
    return UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])


@pytest.fixture
def departure(org):
    """A departure for `employee`, started and approved through the real actions."""
    departure = departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=NOTICE_DATE,
        last_working_day=LAST_WORKING_DAY,
        reason="career",
        actor=org.hr,
    )
    return departure_actions.departure_approve(departure=departure, actor=org.manager)


@pytest.fixture
def make_interview(org):
    def make(departure, *, state="scheduled", interviewer=None):
        start = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC)
        return ExitInterview.objects.create(
            departure=departure,
            interviewer=interviewer or org.interviewer,
            state=state,
            start=start,
            end=start + datetime.timedelta(hours=1),
        )

    return make


@pytest.fixture
def interview(departure, make_interview):
    return make_interview(departure)


@pytest.fixture
def answered(interview, org, api):
    """The interview with answers: one private, one the employee shares, structured answers and notes."""
    put = api(org.employee).put(
        f"/api/v1/interviews/{interview.pk}/responses/",
        {
            "answers": [
                {"question": "reasons.decision", "text": SECRET, "share_with_manager": False},
                {"question": "suggestions.change", "text": SHARED, "share_with_manager": True},
            ],
            "reasons": {"primary": "career", "secondary": "compensation"},
            "ratings": {"role": 4, "manager": 2},
            "would_recommend": True,
            "would_return": False,
        },
        format="json",
    )
    assert put.status_code == 200, put.content
    notes = api(org.interviewer).put(
        f"/api/v1/interviews/{interview.pk}/responses/", {"notes": SECRET_NOTE}, format="json"
    )
    assert notes.status_code == 200, notes.content
    interview.refresh_from_db()
    return interview


@pytest.fixture
def task_messages():
    """Point Celery at an in-process memory broker and record every task message published."""
    published: list[dict] = []

    def record(sender=None, body=None, headers=None, **kwargs):
        published.append({"task": sender, "body": body, "headers": headers})

    def point(url: str) -> None:
        celery_app.conf.broker_url = url
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.__dict__.pop("amqp", None)

    previous = celery_app.conf.broker_url
    point("memory://")
    before_task_publish.connect(record, weak=False)
    try:
        yield published
    finally:
        before_task_publish.disconnect(record)
        point(previous)
