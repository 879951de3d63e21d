"""Routes of the feedback area: answers, shared answers, guides, survey links, the reasons report."""

from django.urls import path

from offboarding.feedback.api import views

urlpatterns = [
    path("interviews/<int:pk>/responses/", views.ResponsesApi.as_view(), name="interview-responses"),
    path("interviews/<int:pk>/shared/", views.SharedApi.as_view(), name="interview-shared"),
    path("guides/", views.GuideListApi.as_view(), name="guide-list"),
    path("surveys/<str:token>/", views.SurveyApi.as_view(), name="survey"),
    path("reports/reasons/", views.ReasonsReportApi.as_view(), name="report-reasons"),
]
