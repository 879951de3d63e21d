"""Checklist step actions: complete, skip, approve, reject, whoever calls them (the API, the pages)."""

from __future__ import annotations

from django.db import transaction

from core import errors
from offboarding.actions import departures
from offboarding.steps import STEP_ACTIONS, step_permitted
from workflows import services as workflow_services
from workflows.models import Step


def step_act(*, step: Step, action: str, actor, note: str = "") -> Step:
    """Run a step action for the API: complete, skip, approve or reject.

    Approving the step that approves the departure also approves the departure (409 when the
    departure can no longer be approved, 403 when the actor may not). A rejection needs a note.
    """
    if action not in STEP_ACTIONS:
        raise errors.NotFound(f"There is no step action called {action!r}.")
    if not step_permitted(step=step, user=actor, action=action):
        if action == "skip" and step.required:
            raise errors.PermissionDenied("Only HR can skip a required step.")
        raise errors.PermissionDenied("This step is not yours to act on.")
    if action == "reject" and not note.strip():
        raise errors.InvalidInput(fields={"note": ["Say why you reject, so the plan can be changed."]})
    with transaction.atomic():
        departure = step.workflow.departure
        if step.approves_subject and action in ("approve", "reject") and departure.state == departure.S.NOTICE:
            # The step stands for the departure's own approval: the departure action decides, and
            # settles the step, so the step API and the email link give the same result.
            if action == "approve":
                departures.departure_approve(departure=departure, actor=actor, note=note)
            else:
                departures.departure_reject(departure=departure, actor=actor, note=note)
            step.refresh_from_db()
            return step
        return workflow_services.step_transition(step=step, name=action, actor=actor, note=note)
