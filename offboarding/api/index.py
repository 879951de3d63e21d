"""GET /api/v1/: an index of the API, so its root answers with where to go rather than a 404."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

ENDPOINTS = [
    ("auth/token/", "POST {username, password} for a token"),
    ("me/", "the caller: username, roles, employee id"),
    ("employees/", "the people register (HR)"),
    ("departures/", "departures in the caller's scope; HR starts one"),
    ("departures/import/", "CSV bulk start with a per-row report (HR)"),
    ("departures/{id}/", "one departure: state, available transitions, history, steps"),
    ("departures/{id}/{transition}/", "approve, reject, cancel, complete, ..."),
    ("departures/{id}/interview/", "the exit interview; HR schedules it"),
    ("steps/?mine=true", "the caller's checklist steps with due dates"),
    ("interviews/", "exit interviews in the caller's scope"),
    ("interviews/{id}/slots/", "free times to propose"),
    ("interviews/{id}/invite.ics", "the current calendar invite"),
    ("interviews/{id}/responses/", "the confidential answers (participants and permitted HR)"),
    ("reports/reasons/", "k-anonymous reasons report"),
    ("integrations/hris/{source}/events/", "signed HRIS webhooks"),
]


@require_GET
def api_index(request):
    base = request.build_absolute_uri("/api/v1/")
    return JsonResponse(
        {
            "name": "Offboarding API",
            "version": "1",
            "schema": base + "schema/",
            "docs": base + "docs/",
            "endpoints": [{"path": base + path, "description": text} for path, text in ENDPOINTS],
        }
    )
