"""Releasing the reasons report: each closed quarter is stored once per scope and never revised."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from offboarding.feedback import reports
from offboarding.feedback.models import ReportRelease


def reasons_report_release(*, user, now: datetime.datetime | None = None) -> int:
    """Store the releases the caller's scope is due (the quarters closed since its last release).
    Concurrent requests may compute the same release: the first one stored wins, the others are
    dropped by the unique constraint, so a released figure is never replaced. Returns how many were new."""
    now = now or timezone.now()
    scope, managed = reports.report_scope(user=user)
    released = list(ReportRelease.objects.filter(scope=scope).values_list("period", flat=True))
    due = reports.releases_due(scope=scope, managed=managed, released=released, now=now)
    if not due:
        return 0
    with transaction.atomic():
        created = ReportRelease.objects.bulk_create(
            [ReportRelease(released_at=now, **fields) for fields in due], ignore_conflicts=True
        )
    return len(created)
