"""The delivery benchmark's baseline task: send one message rendered once, per task, over SMTP."""

from __future__ import annotations

import functools

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

PRERENDERED_TASK = "benchmarks.send_prerendered"


@functools.cache
def _message() -> EmailMessage:
    return EmailMessage(
        subject="Please approve the offboarding plan",
        body="A pre-rendered message of the usual size.\n" * 40,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=["bench-baseline@example.com"],
    )


@shared_task(name=PRERENDERED_TASK)
def send_prerendered() -> None:
    _message().send()
