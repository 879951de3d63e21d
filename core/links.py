"""Signed, expiring links in our emails: one scheme for every purpose.

A token is django.core.signing output (HMAC with SECRET_KEY, a salt per purpose, a timestamp), so
a link made for one purpose never verifies as another. Expired, forged and used links raise the
errors below, each with one status wherever it is met.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core import signing

from core import errors


class LinkError(errors.ApplicationError):
    """The link cannot be used."""


class LinkExpired(LinkError):
    """This link has expired; nothing was changed."""

    default_code = errors.ErrorCode.LINK_EXPIRED


class LinkInvalid(LinkError):
    """This link is not valid; nothing was changed."""

    default_code = errors.ErrorCode.LINK_INVALID


class LinkUsed(LinkError):
    """This link has already been used."""

    default_code = errors.ErrorCode.LINK_USED


def link_sign(payload: dict, *, salt: str) -> str:
    """A signed, timestamped token carrying `payload` (small JSON) for one purpose (the salt)."""
    return signing.dumps(payload, salt=salt, compress=True)


def link_verify(token: str, *, salt: str, max_age: datetime.timedelta, expired: str = "", invalid: str = "") -> dict:
    """The payload of a token made by link_sign with this salt; LinkExpired or LinkInvalid otherwise."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired(expired) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(invalid) from exc
    if not isinstance(data, dict):
        raise LinkInvalid(invalid)
    return data


def token_digest(token: str) -> str:
    """What we store of a token (to record its use) instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
