"""Reads of the workflow engine: choosing a template, listing templates and a workflow's steps."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.errors import NotFound
from workflows.models import TemplateVersion, WorkflowTemplate


def template_list(*, kind: str | None = None) -> QuerySet[WorkflowTemplate]:
    qs = WorkflowTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=TemplateVersion.objects.order_by("-number"))
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "country", "department", "id")


def template_get(*, pk: int) -> WorkflowTemplate:
    try:
        return template_list().get(pk=pk)
    except WorkflowTemplate.DoesNotExist:
        raise NotFound("No template with this id.") from None


def _score(template: WorkflowTemplate, *, kind: str, country: str, department: str) -> int | None:
    """How specifically a template fits: None when it does not; a country match outweighs a department."""
    if template.kind != kind:
        return None
    if template.country and template.country != country:
        return None
    if template.department and template.department != department:
        return None
    return (2 if template.country else 0) + (1 if template.department else 0)


class TemplateChooser:
    """Pick the most specific active template per (kind, country, department) from two queries in
    total, however many subjects are asked about (bulk starts)."""

    def __init__(self) -> None:
        self.templates = list(WorkflowTemplate.objects.filter(is_active=True).order_by("-updated_at", "-id"))
        latest: dict[int, TemplateVersion] = {}
        for version in TemplateVersion.objects.filter(template__in=self.templates).order_by("template_id", "number"):
            latest[version.template_id] = version
        self.latest = latest

    def version_for(self, *, kind: str, country: str = "", department: str = "") -> TemplateVersion | None:
        best, best_score = None, -1
        for template in self.templates:
            score = _score(template, kind=kind, country=country, department=department)
            if score is not None and score > best_score and template.pk in self.latest:
                best, best_score = template, score
        if best is None:
            return None
        version = self.latest[best.pk]
        version.template = best
        return version


def template_version_for(*, kind: str, country: str = "", department: str = "") -> TemplateVersion | None:
    """The latest version of the most specific active template for this kind, country and department."""
    return TemplateChooser().version_for(kind=kind, country=country, department=department)
