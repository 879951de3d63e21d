"""Routes for checklist templates (HR)."""

from django.urls import path

from workflows.api import templates

urlpatterns = [
    path("workflow-templates/", templates.TemplateListApi.as_view(), name="workflow-template-list"),
    path("workflow-templates/<int:pk>/", templates.TemplateDetailApi.as_view(), name="workflow-template-detail"),
    path(
        "workflow-templates/<int:pk>/versions/",
        templates.TemplateVersionListApi.as_view(),
        name="workflow-template-versions",
    ),
]
