"""Errors are application/json whatever an endpoint answers on success (text/calendar, HTML)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from offboarding.actions import interviews as interview_actions
from offboarding.feedback.api.views import SurveyApi
from offboarding.interviews.api.views import FeedApi, InterviewInviteApi


def _json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) >= {"code", "detail"}
    return body


@pytest.mark.parametrize("accept", [None, "text/calendar", "*/*"])
def test_the_invite_answers_its_errors_as_json(world, api, at_now, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    url = f"/api/v1/interviews/{world.interview.pk}/invite.ics"
    _json_error(api(None).get(url, **headers), 401)
    _json_error(api(world.users["manager"]).get(url, **headers), 403)
    _json_error(api(world.users["outsider"]).get(url, **headers), 404)
    _json_error(api(world.users["hr"]).get("/api/v1/interviews/999999/invite.ics", **headers), 404)
    success = api(world.users["hr"]).get(url, **headers)
    assert success.status_code == 200
    assert success["Content-Type"].startswith("text/calendar")


def test_the_calendar_feed_answers_an_unknown_token_as_json(world, api, at_now):
    token = interview_actions.calendar_feed_rotate(user=world.users["interviewer"])
    _json_error(api(None).get("/api/v1/calendar/feeds/not-a-token.ics", HTTP_ACCEPT="text/calendar"), 404)
    _json_error(api(None).post(f"/api/v1/calendar/feeds/{token}.ics", HTTP_ACCEPT="text/calendar"), 405)
    assert api(None).get(f"/api/v1/calendar/feeds/{token}.ics")["Content-Type"].startswith("text/calendar")


def test_the_survey_answers_api_errors_as_json_even_to_a_browser(world, api, at_now):
    # A person at the survey page gets the page with its message; an error outside it is JSON.
    _json_error(api(None).put("/api/v1/surveys/anything/", HTTP_ACCEPT="text/html"), 405)
    _json_error(api(None).get("/api/v1/surveys/not-a-token/", HTTP_ACCEPT="application/json"), 404)


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None:
                yield view


def test_every_endpoint_with_another_success_type_is_tested_above():
    others = {
        view
        for view in _views(get_resolver().url_patterns)
        # the schema and its docs page are the library's, open to all and never an error body
        if not view.__module__.startswith("drf_spectacular")
        and any(not issubclass(r, JSONRenderer | BrowsableAPIRenderer) for r in getattr(view, "renderer_classes", []))
    }
    assert others == {InterviewInviteApi, FeedApi, SurveyApi}


def test_an_unknown_api_path_is_a_json_404(api, db):
    body = _json_error(api(None).get("/api/v1/interviews/1/slotz/"), 404)
    assert body["code"] == "not_found"
    _json_error(api(None).post("/api/v1/no-such-thing/", {}, format="json"), 404)


def test_a_get_missing_its_trailing_slash_is_redirected(api, db):
    response = api(None).get("/api/v1/me?x=1")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/me/?x=1")
    assert api(None).get("/api/v1/schema/").status_code == 200
