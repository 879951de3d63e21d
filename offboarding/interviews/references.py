"""References: offered after the exit interview (held or declined) when policy allows, accepted by the
employee from a signed link or the API, written by the manager as a workflow step, delivered by email."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core import errors, links
from offboarding import access
from offboarding import services as departure_services
from offboarding.interviews.models import ExitInterview, ReferenceOffer, ReferenceState
from offboarding.models import Departure, DepartureKind, DepartureState
from workflows.business_time import add_business_days
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind

SALT = "offboarding.interviews.reference-accept"
LINK_MAX_AGE = datetime.timedelta(days=30)
WRITE_STEP_KEY = "write_reference"
WRITE_BUSINESS_DAYS = 5
# Voluntary leavers get an offer by default (when HR marked them eligible for rehire).
DEFAULT_KINDS = (DepartureKind.RESIGNATION, DepartureKind.RETIREMENT)


def reference_policy_allows(*, departure: Departure, interview: ExitInterview | None = None) -> bool:
    """HR's per-case override on the interview wins; otherwise voluntary leavers eligible for rehire."""
    if interview is not None and interview.reference_offer_override is not None:
        return interview.reference_offer_override
    return departure.kind in DEFAULT_KINDS and departure.rehire_eligible is True


def _group(offer: ReferenceOffer) -> str:
    return f"reference:{offer.pk}"


def employee_address(departure: Departure) -> str:
    """Work email while employed; the personal address after the last day (else the work one)."""
    employee = departure.employee
    if timezone.now().astimezone(employee.tzinfo).date() > departure.last_working_day:
        return employee.personal_email or employee.email
    return employee.email


def reference_offer_make(*, departure: Departure, actor, interview: ExitInterview | None = None) -> ReferenceOffer:
    """Offer a reference (idempotent: a second offer for the departure returns the first)."""
    with transaction.atomic():
        offer, created = ReferenceOffer.objects.get_or_create(departure=departure, defaults={"interview": interview})
        if created:
            departure_services.history_record(
                departure=departure,
                transition="offer_reference",
                from_state="",
                to_state=offer.state,
                actor=actor,
                subject="reference",
            )
            outbox.action_schedule(
                kind=ActionKind.REFERENCE_OFFER,
                handler="reference_offer",
                recipient=employee_address(departure),
                due_at=timezone.now(),
                key=f"{_group(offer)}:offer",
                group=_group(offer),
                payload={"reference": offer.pk},
            )
    return offer


def reference_offer_if_allowed(*, departure: Departure, interview: ExitInterview, actor) -> ReferenceOffer | None:
    if not reference_policy_allows(departure=departure, interview=interview):
        return None
    return reference_offer_make(departure=departure, interview=interview, actor=actor)


def reference_offer_by_hr(*, departure: Departure, actor) -> ReferenceOffer:
    """HR offers a reference whatever the default policy says (a per-case override)."""
    if not access.is_hr(departure, actor):
        raise errors.PermissionDenied("Only HR may offer a reference.")
    if departure.state == DepartureState.CANCELLED:
        raise errors.TransitionNotAllowed("This departure was cancelled.")
    return reference_offer_make(departure=departure, actor=actor)


def accept_token(offer: ReferenceOffer) -> str:
    return links.link_sign({"reference": offer.pk}, salt=SALT)


def offer_from_token(token: str) -> ReferenceOffer:
    """The offer a signed link points at; an expired or forged link is refused with a clear message."""
    data = links.link_verify(
        token,
        salt=SALT,
        max_age=LINK_MAX_AGE,
        expired="This link has expired. Ask HR for a new one.",
        invalid="This link is not valid.",
    )
    offer = ReferenceOffer.objects.select_related("departure__employee").filter(pk=data.get("reference")).first()
    if offer is None:
        raise links.LinkInvalid("This link is not valid.")
    return offer


def _write_step(offer: ReferenceOffer, departure: Departure):
    from workflows import services as workflow_services

    today = timezone.now().astimezone(departure.employee.tzinfo).date()
    return workflow_services.step_add(
        workflow=departure.workflow,
        key=WRITE_STEP_KEY,
        title="Write a reference",
        description="The employee accepted the offer of a reference. Submit its text through the API.",
        assignee_role="manager",
        due_date=add_business_days(today, WRITE_BUSINESS_DAYS, departure.employee.country),
        kind="task",
        required=False,
    )


def _retire_template_reference_step(departure: Departure, actor) -> None:
    """The templates carry a generic, optional "reference" step for the manager; once the employee has
    accepted, the dated write-reference step is the one to do, so the generic one is skipped rather than
    left to remind the manager of the same work twice."""
    from workflows import services as workflow_services
    from workflows.models import Step, StepState

    generic = Step.objects.filter(workflow_id=departure.workflow_id, key="reference", state=StepState.READY).first()
    if generic is not None:
        workflow_services.step_transition(
            step=generic, name="skip", actor=actor, note="Replaced by the write-reference step: the offer was accepted."
        )


def reference_offer_accept(*, offer: ReferenceOffer, actor=None) -> ReferenceOffer:
    """The employee accepts (from the signed link, actor None, or the API as themself): the manager gets a
    "write reference" step due in five business days, and a request by email."""
    with transaction.atomic():
        departure = departure_services.departure_lock(offer.departure_id)
        if actor is not None and not access.is_subject(departure, actor):
            raise errors.PermissionDenied("Only the employee may accept their reference offer.")
        offer = ReferenceOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.state != ReferenceState.OFFERED:
            raise errors.Conflict("This reference offer was already accepted.", code=errors.ErrorCode.ALREADY_ACCEPTED)
        if departure.state == DepartureState.CANCELLED:
            raise errors.TransitionNotAllowed("This departure was cancelled.")
        offer.accept()
        if departure.workflow_id is not None:
            offer.step = _write_step(offer, departure)
            _retire_template_reference_step(departure, actor)
        offer.save()
        departure_services.history_record(
            departure=departure,
            transition="accept_reference",
            from_state=ReferenceState.OFFERED,
            to_state=offer.state,
            actor=actor,
            subject="reference",
        )
        manager = departure.employee.manager
        if manager is not None:
            outbox.action_schedule(
                kind=ActionKind.NOTIFICATION,
                handler="reference_request",
                recipient=manager.email,
                due_at=timezone.now(),
                key=f"{_group(offer)}:request",
                group=_group(offer),
                payload={"reference": offer.pk},
            )
    return offer


def can_write(offer: ReferenceOffer, user) -> bool:
    departure = offer.departure
    return access.is_manager_of(departure.employee, user) or access.is_hr(departure, user)


def reference_submit(*, offer: ReferenceOffer, actor, text: str) -> ReferenceOffer:
    """The manager (or HR) submits the reference; it is emailed to the employee's personal address (else
    the work one) and the write step is done."""
    if not can_write(offer, actor):
        raise errors.PermissionDenied("Only the employee's manager or HR may write this reference.")
    text = (text or "").strip()
    if not text:
        raise errors.InvalidInput(fields={"text": ["Write the reference."]})
    with transaction.atomic():
        departure = departure_services.departure_lock(offer.departure_id)
        offer = ReferenceOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.state != ReferenceState.ACCEPTED:
            raise errors.TransitionNotAllowed(f"A reference in state '{offer.state}' cannot be submitted.")
        offer.text = text
        offer.written_by = actor
        offer.deliver()
        offer.save()
        departure_services.history_record(
            departure=departure,
            transition="deliver_reference",
            from_state=ReferenceState.ACCEPTED,
            to_state=offer.state,
            actor=actor,
            subject="reference",
        )
        employee = departure.employee
        outbox.action_schedule(
            kind=ActionKind.NOTIFICATION,
            handler="reference_delivery",
            recipient=employee.personal_email or employee.email,
            due_at=timezone.now(),
            key=f"{_group(offer)}:delivery",
            group=_group(offer),
            payload={"reference": offer.pk},
        )
        if offer.step_id is not None and offer.step.is_open:
            from workflows import services as workflow_services

            workflow_services.step_transition(step=offer.step, name="close", actor=actor, note="Reference delivered.")
    return offer


def reference_visibility(*, offer: ReferenceOffer, user) -> bool:
    departure = offer.departure
    return (
        access.is_hr(departure, user)
        or access.is_subject(departure, user)
        or access.is_manager_of(departure.employee, user)
    )


def reference_get(*, user, pk: int) -> ReferenceOffer:
    offer = ReferenceOffer.objects.select_related("departure__employee").filter(pk=pk).first()
    if offer is None or not reference_visibility(offer=offer, user=user):
        raise errors.NotFound("No reference with this id.")
    return offer
