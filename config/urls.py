"""URL configuration: the web pages at the root, sign-in under /accounts/, the versioned API under
/api/v1/ with its index, schema and docs, and the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api import api_not_found
from offboarding.api.index import api_index
from offboarding.api.link_urls import link_view
from offboarding.feedback.api.views import SurveyApi
from offboarding.interviews.api.references import ReferenceAcceptLinkView

api_v1 = [
    # More specific routes first: /departures/{id}/interview/ and /departures/import/ must win over
    # the generic /departures/{id}/{transition}/.
    path("", include("offboarding.interviews.api.urls")),
    path("", include("offboarding.feedback.api.urls")),
    path("", include("integrations.inbound.urls")),
    path("", include("offboarding.api.urls")),
    path("", include("offboarding.api.step_urls")),
    path("", include("offboarding.api.link_urls")),
    path("", include("workflows.api.urls")),
    path("", include("workflows.outbox.api.urls")),
    path("schema/", SpectacularAPIView.as_view(api_version="1"), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", api_index, name="api-index"),
    # Last: any other path under /api/v1/ is a JSON 404 (the API's index, "", is left to its own route).
    re_path(r"^(?P<path>.+)$", api_not_found),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The pages behind the links in emails (the same views the API paths served before).
    path("links/<str:token>/", link_view, name="page-one-click-link"),
    path("survey/<str:token>/", SurveyApi.as_view(schema=None), name="page-survey"),
    path("reference/accept/<str:token>/", ReferenceAcceptLinkView.as_view(), name="page-reference-accept"),
    path("", include("offboarding.pages.urls")),
]
