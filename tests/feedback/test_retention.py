"""Retention: free text goes after ANSWER_RETENTION_DAYS past the last working day; structured answers stay."""

import datetime

import pytest
from django.conf import settings

from offboarding.feedback.models import Answer, InterviewResponse
from offboarding.feedback.tasks import purge_expired_answers
from tests.helpers import LAST_WORKING_DAY

pytestmark = pytest.mark.django_db
LAST_DAY = LAST_WORKING_DAY  # the `answered` interview's departure


def test_free_text_is_kept_until_the_retention_period_ends(answered, time_machine):
    time_machine.move_to(LAST_DAY + datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS))
    purge_expired_answers()
    assert all(a.text for a in Answer.objects.all())


def test_free_text_is_deleted_after_the_retention_period_and_structured_answers_stay(answered, time_machine):
    time_machine.move_to(LAST_DAY + datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS + 1))
    counts = purge_expired_answers()
    assert counts["answers"] == 2 and counts["responses"] == 1
    response = InterviewResponse.objects.get()
    assert [a.text for a in Answer.objects.all()] == ["", ""]
    assert response.notes == "" and response.text_purged_at is not None
    assert (response.primary_reason, response.rating_role, response.would_return) == ("career", 4, False)
    assert not Answer.objects.filter(share_with_manager=True).exists()


def test_purged_answers_read_as_purged(answered, org, api, time_machine):
    time_machine.move_to(LAST_DAY + datetime.timedelta(days=settings.ANSWER_RETENTION_DAYS + 1))
    purge_expired_answers()
    body = api(org.interviewer).get(f"/api/v1/interviews/{answered.pk}/responses/").json()
    assert body["text_purged"] is True and {a["text"] for a in body["answers"]} == {""}


def test_the_purge_runs_on_the_beat_schedule():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "feedback.purge_expired_answers" in tasks
