"""Celery tasks of the feedback area: thin wrappers around actions, safe to run twice."""

from celery import shared_task

from offboarding.actions import answers


@shared_task(name="feedback.purge_expired_answers")
def purge_expired_answers() -> dict:
    """Delete free text past the retention period (settings.ANSWER_RETENTION_DAYS); counts only."""
    return answers.answers_purge_expired()
