"""Outbox rows for references (the offer to the employee, the request to the manager, the delivery) and
their renderers. Nothing but names, dates and links, except the delivered text to its employee."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from integrations.email import render_message
from offboarding.interviews import references
from offboarding.interviews.models import ReferenceOffer, ReferenceState
from offboarding.models import DepartureState
from offboarding.people import display_name
from workflows.outbox import services as outbox
from workflows.outbox.models import ActionKind
from workflows.outbox.registry import renderer


def _group(offer: ReferenceOffer) -> str:
    return f"reference:{offer.pk}"


# --- row builders, called by offboarding.actions.references in the action's transaction


def reference_offer_message_schedule(*, offer: ReferenceOffer) -> None:
    """The offer with its signed accept link, to the employee's current address."""
    outbox.action_schedule(
        kind=ActionKind.REFERENCE_OFFER,
        handler="reference_offer",
        recipient=references.employee_address(offer.departure),
        due_at=timezone.now(),
        key=f"{_group(offer)}:offer",
        group=_group(offer),
        payload={"reference": offer.pk},
    )


def reference_request_message_schedule(*, offer: ReferenceOffer) -> None:
    """Ask the employee's manager, when they have one, to write the accepted reference."""
    manager = offer.departure.employee.manager
    if manager is None:
        return
    outbox.action_schedule(
        kind=ActionKind.NOTIFICATION,
        handler="reference_request",
        recipient=manager.email,
        due_at=timezone.now(),
        key=f"{_group(offer)}:request",
        group=_group(offer),
        payload={"reference": offer.pk},
    )


def reference_delivery_message_schedule(*, offer: ReferenceOffer) -> None:
    """The written reference, to the employee's personal address (else the work one)."""
    employee = offer.departure.employee
    outbox.action_schedule(
        kind=ActionKind.NOTIFICATION,
        handler="reference_delivery",
        recipient=employee.personal_email or employee.email,
        due_at=timezone.now(),
        key=f"{_group(offer)}:delivery",
        group=_group(offer),
        payload={"reference": offer.pk},
    )


# --- renderers


def _offer(action) -> ReferenceOffer | None:
    return (
        ReferenceOffer.objects.select_related("departure__employee__manager", "step")
        .filter(pk=action.payload.get("reference"))
        .first()
    )


@renderer("reference_offer")
def render_reference_offer(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.OFFERED or offer.departure.state == DepartureState.CANCELLED:
        return None
    employee = offer.departure.employee
    context = {
        "name": employee.name,
        "accept_url": f"{settings.SITE_URL}/reference/accept/{references.accept_token(offer)}/",
        "api_url": f"{settings.SITE_URL}/me/",
        "valid_days": references.LINK_MAX_AGE.days,
    }
    return render_message(
        template="reference_offer", context=context, language=employee.language, to=[action.recipient]
    )


@renderer("reference_request")
def render_reference_request(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.ACCEPTED or offer.departure.state == DepartureState.CANCELLED:
        return None
    employee = offer.departure.employee
    manager = employee.manager
    context = {
        "name": manager.name if manager else "",
        "employee_name": employee.name,
        "due_date": offer.step.due_date if offer.step_id else None,
        "submit_url": f"{settings.SITE_URL}/references/{offer.pk}/write/",
    }
    language = manager.language if manager else settings.LANGUAGE_CODE
    return render_message(template="reference_request", context=context, language=language, to=[action.recipient])


@renderer("reference_delivery")
def render_reference_delivery(action):
    offer = _offer(action)
    if offer is None or offer.state != ReferenceState.DELIVERED:
        return None
    employee = offer.departure.employee
    writer = offer.written_by
    context = {
        "name": employee.name,
        "writer_name": display_name(writer) if writer else "",
        "reference_text": offer.text,
    }
    return render_message(
        template="reference_delivery", context=context, language=employee.language, to=[action.recipient]
    )
