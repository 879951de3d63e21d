"""URL configuration: the versioned API under /api/v1/, its schema and docs, and the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api import api_not_found

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
    # Last: any other path under /api/v1/ is a JSON 404 (the API's index, "", is left to its own route).
    re_path(r"^(?P<path>.+)$", api_not_found),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]
