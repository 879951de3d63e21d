"""Signed, expiring one-click links in approval emails: approve, reject, open.

A link's token is django.core.signing output (HMAC with SECRET_KEY, a salt of its own, and a
timestamp) carrying the action, the departure id and the id of the user the email went to. It
expires after LINK_MAX_AGE and works once: a use is recorded as a UsedLink row (a digest of the
token, never the token) in the same transaction as the change it made, so a second use, even a
concurrent one, finds it and changes nothing. The departure's state is checked as well, so the
approve link of an already approved departure says so even if that link was never used.

The holder of a link acts as the user it was sent to; the user's right to approve is checked
again when the link is used, so a manager who moved on in the meantime cannot act.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from core import errors, links
from offboarding import access
from offboarding.models import Departure, DepartureState
from workflows.outbox.models import UsedLink

SALT = "offboarding.links.departure"
LINK_MAX_AGE = datetime.timedelta(days=7)
APPROVE = "approve"
REJECT = "reject"
OPEN = "open"
ACTIONS = (APPROVE, REJECT, OPEN)
# Actions that change something, and so work once.
SINGLE_USE = (APPROVE, REJECT)


@dataclass(frozen=True)
class LinkClaims:
    action: str
    departure_id: int
    user_id: int | None
    token: str

    @property
    def digest(self) -> str:
        return links.token_digest(self.token)


def link_token(*, action: str, departure_id: int, user_id: int | None) -> str:
    """A signed token for one action on one departure, for the user it is sent to."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown link action {action!r}.")
    return links.link_sign({"a": action, "d": departure_id, "u": user_id}, salt=SALT)


def link_url(*, action: str, departure_id: int, user_id: int | None) -> str:
    """The absolute URL (settings.SITE_URL) of a one-click link."""
    token = link_token(action=action, departure_id=departure_id, user_id=user_id)
    return f"{settings.SITE_URL}/links/{token}/"


def link_urls(*, departure_id: int, user_id: int | None) -> dict[str, str]:
    """approve, reject and open links for one recipient of an approval email."""
    return {action: link_url(action=action, departure_id=departure_id, user_id=user_id) for action in ACTIONS}


def link_read(token: str, *, max_age: datetime.timedelta = LINK_MAX_AGE) -> LinkClaims:
    """Verify a token's signature and age; raises links.LinkExpired or links.LinkInvalid."""
    data = links.link_verify(token, salt=SALT, max_age=max_age)
    try:
        claims = LinkClaims(action=data["a"], departure_id=int(data["d"]), user_id=data.get("u"), token=token)
    except (KeyError, TypeError, ValueError) as exc:
        raise links.LinkInvalid() from exc
    if claims.action not in ACTIONS:
        raise links.LinkInvalid()
    return claims


def link_user(claims: LinkClaims):
    """The active user the link was sent to, or None."""
    if claims.user_id is None:
        return None
    return get_user_model().objects.filter(pk=claims.user_id, is_active=True).first()


def link_used_at(claims: LinkClaims) -> datetime.datetime | None:
    use = UsedLink.objects.filter(digest=claims.digest).only("used_at").first()
    return use.used_at if use else None


def link_check(claims: LinkClaims) -> tuple[Departure, object]:
    """What a confirmation page needs: the departure and the acting user, if the link may be used now.

    Raises LinkUsed, NotFound, PermissionDenied or TransitionNotAllowed with a message for the page.
    """
    departure = Departure.objects.select_related("employee").filter(pk=claims.departure_id).first()
    if departure is None:
        raise errors.NotFound("This departure no longer exists.")
    user = link_user(claims)
    if user is None or not access.can_approve_departure(departure, user):
        raise errors.PermissionDenied("This link's recipient may no longer act on this departure.")
    if claims.action in SINGLE_USE:
        if link_used_at(claims) is not None:
            raise links.LinkUsed()
        if departure.state != DepartureState.NOTICE:
            raise errors.TransitionNotAllowed(
                f"This departure is no longer waiting for approval (it is {departure.get_state_display().lower()})."
            )
    return departure, user
