"""One-click links from approval emails: GET shows a confirmation page, POST acts.

Plain Django views and templates (the manager is not logged in: the signed token is the
credential). GET never changes anything, because mail scanners and link previews fetch every
URL in an email; only the confirmation form's POST approves or rejects. CSRF protection is off
for these views on purpose: there is no session to ride on, and a forged POST would need the
secret token itself.
"""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core import errors, roles
from core import links as core_links
from offboarding import links
from offboarding.actions import links as link_actions


def _language(claims) -> str:
    user = links.link_user(claims) if claims else None
    employee = roles.employee_of(user) if user is not None else None
    return employee.language if employee is not None else "en"


def _page(request, *, status: int, language: str, **context):
    context.setdefault("language", language)
    with translation.override(language):
        response = render(request, "links/page.html", context, status=status)
    # Never indexed, never cached by a proxy: the URL is a credential.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _problem(request, exc: errors.ApplicationError, claims=None):
    used_at = links.link_used_at(claims) if isinstance(exc, core_links.LinkUsed) and claims else None
    return _page(
        request, status=exc.status, language=_language(claims), problem=exc.code, message=exc.message, used_at=used_at
    )


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def link_view(request, token: str):
    """Show what the link will do (GET) or do it (POST); expired, tampered or used links change nothing."""
    try:
        claims = links.link_read(token)
    except core_links.LinkError as exc:
        return _problem(request, exc)
    try:
        departure, _user = links.link_check(claims)
    except errors.ApplicationError as exc:
        return _problem(request, exc, claims)
    if claims.action == links.OPEN:
        return HttpResponseRedirect(f"/departures/{departure.pk}/")
    language = _language(claims)
    if request.method == "GET":
        return _page(request, status=200, language=language, action=claims.action, departure=departure, confirm=True)
    try:
        action, departure = link_actions.link_use(token=token, note=request.POST.get("note", "").strip()[:2000])
    except errors.ApplicationError as exc:
        return _problem(request, exc, claims)
    return _page(request, status=200, language=language, action=action, departure=departure, done=True)


urlpatterns = [
    path("links/<str:token>/", link_view, name="one-click-link"),
]
