"""System checks for the confidential store: `check --deploy` fails on an empty or malformed key ring."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from core import errors
from offboarding.feedback.crypto import parse_key_ring


@checks.register(checks.Tags.security, deploy=True)
def confidential_key_ring_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        parse_key_ring(getattr(settings, "CONFIDENTIAL_KEYS", "") or "")
    except errors.ConfigurationError as exc:
        hint = "Set CONFIDENTIAL_KEYS to 'version:base64 of 32 random bytes', comma-separated (see .env.example)."
        return [checks.Error(exc.message, hint=hint, id="feedback.E001")]
    return []
