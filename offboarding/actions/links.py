"""One-click links from approval emails: the link runs the same departure action as the API."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core import links as core_links
from offboarding.actions import departures
from offboarding.links import APPROVE, SINGLE_USE, link_check, link_read
from offboarding.models import Departure
from workflows.outbox.models import UsedLink


def link_use(*, token: str, note: str = "") -> tuple[str, Departure]:
    """Perform the link's action (approve or reject) once; returns (action, departure).

    Everything happens in one transaction with the UsedLink row, so a failure (the departure was
    approved meanwhile, the link was used by a concurrent request) changes nothing.
    """
    claims = link_read(token)
    if claims.action not in SINGLE_USE:
        raise core_links.LinkInvalid("This link does not perform an action.")
    with transaction.atomic():
        departure, user = link_check(claims)
        try:
            with transaction.atomic():
                UsedLink.objects.create(
                    digest=claims.digest,
                    action=claims.action,
                    subject=f"departure:{claims.departure_id}",
                    user_id=claims.user_id,
                )
        except IntegrityError as exc:
            raise core_links.LinkUsed() from exc
        if claims.action == APPROVE:
            departure = departures.departure_approve(
                departure=departure, actor=user, note=note or "Approved from the email link."
            )
        else:
            departure = departures.departure_reject(
                departure=departure, actor=user, note=note or "Rejected from the email link."
            )
    return claims.action, departure
