"""Reads of the outbox, scoped to who may see them (HR only: rows name recipients)."""

from __future__ import annotations

from django.db.models import QuerySet

from core import errors, roles
from workflows.outbox.models import ScheduledAction


def is_outbox_viewer(user) -> bool:
    """HR (core.roles): rows name recipients."""
    return roles.is_hr_user(user)


def action_list(*, user) -> QuerySet[ScheduledAction]:
    """Every scheduled action, for HR; anyone else is refused."""
    if not is_outbox_viewer(user):
        raise errors.PermissionDenied("Only HR may see the outbox.")
    return ScheduledAction.objects.all()
