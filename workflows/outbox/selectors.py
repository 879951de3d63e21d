"""Reads of the outbox, scoped to who may see them (HR only: rows name recipients)."""

from __future__ import annotations

from django.db.models import QuerySet

from core import errors
from workflows.models import AssigneeRole
from workflows.outbox.models import ScheduledAction


def is_outbox_viewer(user) -> bool:
    """HR by group name (the engine does not import the domain's role module), or a superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.groups.filter(name=AssigneeRole.HR).exists())


def action_list(*, user) -> QuerySet[ScheduledAction]:
    """Every scheduled action, for HR; anyone else is refused."""
    if not is_outbox_viewer(user):
        raise errors.PermissionDenied("Only HR may see the outbox.")
    return ScheduledAction.objects.all()
