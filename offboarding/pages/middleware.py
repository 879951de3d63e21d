"""Per-request policy for the pages: each person's own language, and HR's second factor when required."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation

from core import roles
from offboarding import people

# Where an HR login without an authenticator may still go: setting one up, signing out, static files.
_MFA_FREE_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class PersonLanguageMiddleware:
    """A signed-in person sees their register language unless they chose another with the switch."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if user is not None and user.is_authenticated and not chosen:
            language = people.user_language(user)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class RequireHrSecondFactorMiddleware:
    """With MFA_REQUIRED_FOR_HR, an HR login must set up an authenticator app before using any page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "MFA_REQUIRED_FOR_HR", False) and not request.path.startswith(_MFA_FREE_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and roles.is_hr_user(user) and not _has_mfa(user):
                if not request.path.startswith("/api/"):
                    return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_mfa(user) -> bool:
    return user.authenticator_set.filter(type="totp").exists()
