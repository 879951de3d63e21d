"""References: offered after the exit interview (held or declined) when policy allows, accepted by the
employee from a signed link or the API, written by the manager as a workflow step, delivered by email."""

from __future__ import annotations

import datetime

from django.utils import timezone

from core import errors, links
from offboarding import access
from offboarding.interviews.models import ExitInterview, ReferenceOffer
from offboarding.models import Departure, DepartureKind

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


def employee_address(departure: Departure) -> str:
    """Work email while employed; the personal address after the last day (else the work one)."""
    employee = departure.employee
    if timezone.now().astimezone(employee.tzinfo).date() > departure.last_working_day:
        return employee.personal_email or employee.email
    return employee.email


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


def can_write(offer: ReferenceOffer, user) -> bool:
    departure = offer.departure
    return access.is_manager_of(departure.employee, user) or access.is_hr(departure, user)


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
