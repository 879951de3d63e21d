"""Receipts from the IT system: "access for this departure is revoked" completes the checklist's
access-revocation step. Found through the workflow's subject, so this module needs no domain import."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core import errors
from integrations.models import ProcessedEvent
from integrations.webhooks import ACCESS_REVOKED_RECEIPT, RECEIPT_SOURCE
from workflows import services as workflow_services
from workflows.models import FINISHED_STATES, StepState, Workflow

# The shipped templates' key for IT's step (workflows.defaults); HR-edited templates keep it.
ACCESS_REVOCATION_STEP = "access_revocation"


def access_revocation_receipt(*, event_id: str, event_type: str, departure_id: int) -> dict:
    """Complete the departure's open access-revocation step, once per receipt id.

    Returns {"status": "processed"|"duplicate", "result": "completed"|"already_done", "step": id}.
    NotFound when the departure has no checklist or no such step; TransitionNotAllowed when the
    checklist was cancelled.
    """
    if event_type != ACCESS_REVOKED_RECEIPT:
        raise errors.InvalidInput(fields={"type": [f"Expected {ACCESS_REVOKED_RECEIPT!r}."]})
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = ProcessedEvent.objects.create(source=RECEIPT_SOURCE, event_id=event_id, event_type=event_type)
        except IntegrityError:
            earlier = ProcessedEvent.objects.filter(source=RECEIPT_SOURCE, event_id=event_id).first()
            return {"status": "duplicate", **(earlier.outcome if earlier else {})}
        workflow = Workflow.objects.filter(subject=f"departure:{departure_id}").order_by("-id").first()
        step = workflow.steps.filter(key=ACCESS_REVOCATION_STEP).first() if workflow else None
        if step is None:
            raise errors.NotFound("This departure has no access-revocation step.")
        if workflow.cancelled_at is not None:
            raise errors.TransitionNotAllowed("This departure's checklist was cancelled.")
        if step.state in FINISHED_STATES:
            outcome = {"result": "already_done", "step": step.pk}
        else:
            # Access is gone whatever the checklist's order said: a step still waiting is closed too.
            name = "complete" if step.state == StepState.READY else "close"
            workflow_services.step_transition(
                step=step, name=name, actor=None, note=f"Confirmed by the IT system (receipt {event_id})."
            )
            outcome = {"result": "completed", "step": step.pk}
        record.outcome = outcome
        record.save(update_fields=["outcome"])
    return {"status": "processed", **outcome}
