"""Reference actions: offered after the exit interview when policy allows, accepted by the employee, written
by the manager as a checklist step, delivered by email."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core import errors
from offboarding import access, transitions
from offboarding.interviews import references
from offboarding.interviews.models import ExitInterview, ReferenceOffer, ReferenceState
from offboarding.models import Departure, DepartureState
from offboarding.notifications import references as notices
from workflows import services as workflow_services
from workflows.business_time import add_business_days
from workflows.models import Step, StepState


def reference_offer_make(*, departure: Departure, actor, interview: ExitInterview | None = None) -> ReferenceOffer:
    """Offer a reference (idempotent: a second offer for the departure returns the first)."""
    with transaction.atomic():
        offer, created = ReferenceOffer.objects.get_or_create(departure=departure, defaults={"interview": interview})
        if created:
            transitions.history_record(
                departure=departure,
                transition="offer_reference",
                from_state="",
                to_state=offer.state,
                actor=actor,
                subject="reference",
            )
            notices.reference_offer_message_schedule(offer=offer)
    return offer


def reference_offer_if_allowed(*, departure: Departure, interview: ExitInterview, actor) -> ReferenceOffer | None:
    if not references.reference_policy_allows(departure=departure, interview=interview):
        return None
    return reference_offer_make(departure=departure, interview=interview, actor=actor)


def reference_offer_by_hr(*, departure: Departure, actor) -> ReferenceOffer:
    """HR offers a reference whatever the default policy says (a per-case override)."""
    if not access.is_hr(departure, actor):
        raise errors.PermissionDenied("Only HR may offer a reference.")
    if departure.state == DepartureState.CANCELLED:
        raise errors.TransitionNotAllowed("This departure was cancelled.")
    return reference_offer_make(departure=departure, actor=actor)


def _write_step(offer: ReferenceOffer, departure: Departure):
    today = timezone.now().astimezone(departure.employee.tzinfo).date()
    return workflow_services.step_add(
        workflow=departure.workflow,
        key=references.WRITE_STEP_KEY,
        title="Write a reference",
        description="The employee accepted the offer of a reference. Submit its text through the API.",
        assignee_role="manager",
        due_date=add_business_days(today, references.WRITE_BUSINESS_DAYS, departure.employee.country),
        kind="task",
        required=False,
    )


def _retire_template_reference_step(departure: Departure, actor) -> None:
    """The templates carry a generic, optional "reference" step for the manager; once the employee has
    accepted, the dated write-reference step is the one to do, so the generic one is skipped rather than
    left to remind the manager of the same work twice."""
    generic = Step.objects.filter(workflow_id=departure.workflow_id, key="reference", state=StepState.READY).first()
    if generic is not None:
        workflow_services.step_transition(
            step=generic, name="skip", actor=actor, note="Replaced by the write-reference step: the offer was accepted."
        )


def reference_offer_accept(*, offer: ReferenceOffer, actor=None) -> ReferenceOffer:
    """The employee accepts (from the signed link, actor None, or the API as themself): the manager gets a
    "write reference" step due in five business days, and a request by email."""
    with transaction.atomic():
        departure, offer = transitions.reference_offer_lock(offer)
        offer.departure = departure  # the locked row and its employee, for the outbox rows
        if actor is not None and not access.is_subject(departure, actor):
            raise errors.PermissionDenied("Only the employee may accept their reference offer.")
        if offer.state != ReferenceState.OFFERED:
            raise errors.Conflict("This reference offer was already accepted.", code=errors.ErrorCode.ALREADY_ACCEPTED)
        if departure.state == DepartureState.CANCELLED:
            raise errors.TransitionNotAllowed("This departure was cancelled.")
        offer.accept()
        if departure.workflow_id is not None:
            offer.step = _write_step(offer, departure)
            _retire_template_reference_step(departure, actor)
        offer.save()
        transitions.history_record(
            departure=departure,
            transition="accept_reference",
            from_state=ReferenceState.OFFERED,
            to_state=offer.state,
            actor=actor,
            subject="reference",
        )
        notices.reference_request_message_schedule(offer=offer)
    return offer


def reference_submit(*, offer: ReferenceOffer, actor, text: str) -> ReferenceOffer:
    """The manager (or HR) submits the reference; it is emailed to the employee's personal address (else
    the work one) and the write step is done."""
    if not references.can_write(offer, actor):
        raise errors.PermissionDenied("Only the employee's manager or HR may write this reference.")
    text = (text or "").strip()
    if not text:
        raise errors.InvalidInput(fields={"text": ["Write the reference."]})
    with transaction.atomic():
        departure, offer = transitions.reference_offer_lock(offer)
        offer.departure = departure  # the locked row and its employee, for the outbox rows
        if offer.state != ReferenceState.ACCEPTED:
            raise errors.TransitionNotAllowed(f"A reference in state '{offer.state}' cannot be submitted.")
        offer.text = text
        offer.written_by = actor
        offer.deliver()
        offer.save()
        transitions.history_record(
            departure=departure,
            transition="deliver_reference",
            from_state=ReferenceState.ACCEPTED,
            to_state=offer.state,
            actor=actor,
            subject="reference",
        )
        notices.reference_delivery_message_schedule(offer=offer)
        if offer.step_id is not None and offer.step.is_open:
            workflow_services.step_transition(step=offer.step, name="close", actor=actor, note="Reference delivered.")
    return offer
