"""Routes for the checklist steps: the list, one step, and its actions."""

from django.urls import path

from offboarding.api import steps

urlpatterns = [
    path("steps/", steps.StepListApi.as_view(), name="step-list"),
    path("steps/<int:pk>/", steps.StepDetailApi.as_view(), name="step-detail"),
    path("steps/<int:pk>/<slug:action>/", steps.StepActionApi.as_view(), name="step-action"),
]
