"""The exit interview: scheduling, the guide, confidential answers, references, follow-ups, reports."""

from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "offboarding.interviews"
    label = "interviews"
    verbose_name = "Exit interviews"
    default_auto_field = "django.db.models.BigAutoField"
