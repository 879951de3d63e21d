"""The departure's checklist: starting, moving and stopping its workflow in the generic engine.

Called by the departure actions inside their transactions; the engine never imports the domain.
"""

from __future__ import annotations

import logging

from django.db import transaction

from core import bulk
from workflows import services as workflow_services
from workflows.models import Step, StepState, Workflow
from workflows.selectors import TemplateChooser

logger = logging.getLogger(__name__)


def _subject(departure) -> str:
    return f"departure:{departure.pk}"


def _anchors(departure) -> dict:
    return {"notice_date": departure.notice_date, "last_working_day": departure.last_working_day}


# --- starting, moving, stopping


def departure_checklist_start(*, departure, actor=None) -> None:
    """Start the workflow of this departure's kind (template version pinned).

    The most specific active template wins: kind + country + department, then kind + country,
    then kind + department, then kind alone. Without any template for the kind, no checklist starts.
    """
    departure_checklist_start_bulk(departures=[departure], actor=actor)


def departure_checklist_start_bulk(*, departures, actor=None) -> list[Workflow]:
    """Start the checklists of many departures with a constant number of queries (pass departures
    with their employee loaded). Departures that already have a workflow are left alone."""
    departures = [d for d in departures if d.workflow_id is None]
    if not departures:
        return []
    chooser = TemplateChooser()
    starts, chosen = [], []
    for departure in departures:
        employee = departure.employee
        version = chooser.version_for(kind=departure.kind, country=employee.country, department=employee.department)
        if version is None:
            logger.warning(
                "No checklist template for departure kind %s; departure %s has no checklist.",
                departure.kind,
                departure.pk,
            )
            continue
        starts.append(
            workflow_services.WorkflowStart(
                template_version=version,
                anchors=_anchors(departure),
                country=employee.country,
                time_zone=employee.time_zone,
                subject=_subject(departure),
            )
        )
        chosen.append(departure)
    with transaction.atomic():
        workflows = workflow_services.workflows_start_bulk(starts=starts, actor=actor)
        for departure, workflow in zip(chosen, workflows, strict=True):
            departure.workflow = workflow
        bulk.update_one_field(chosen, "workflow")
    return workflows


def departure_checklist_last_day_changed(*, departure, actor=None) -> None:
    """Recompute open steps' due dates and move their reminders; a rejected approval reopens,
    since the plan it judged has changed. Finished steps keep their dates and history."""
    if departure.workflow_id is None:
        return
    workflow = Workflow.objects.get(pk=departure.workflow_id)
    with transaction.atomic():
        workflow_services.workflow_anchors_change(workflow=workflow, anchors=_anchors(departure), actor=actor)
        workflow_services.step_reopen_rejected(workflow=workflow, actor=actor, note="The departure plan changed.")


def departure_checklist_cancel(*, departure, actor=None) -> None:
    """Stop open steps (cancelled departure): they are skipped and their reminders cancelled."""
    if departure.workflow_id is None:
        return
    workflow = Workflow.objects.get(pk=departure.workflow_id)
    workflow_services.workflow_cancel(workflow=workflow, actor=actor, note="The departure was cancelled.")


def _approval_step(departure) -> Step | None:
    if departure.workflow_id is None:
        return None
    return Step.objects.filter(workflow_id=departure.workflow_id, approves_subject=True).first()


def departure_checklist_approved(*, departure, actor=None, note: str = "") -> None:
    """The departure was approved: its approval step ends approved, by the same person and note."""
    step = _approval_step(departure)
    if step is None or step.state == StepState.APPROVED:
        return
    name = "approve" if step.state == StepState.READY else "settle_approved"
    workflow_services.step_transition(step=step, name=name, actor=actor, note=note or "Departure approved.")


def departure_checklist_rejected(*, departure, actor=None, note: str = "") -> None:
    """The plan was rejected: a waiting approval step ends rejected (it reopens when the plan changes)."""
    step = _approval_step(departure)
    if step is not None and step.state == StepState.READY:
        workflow_services.step_transition(step=step, name="reject", actor=actor, note=note)
