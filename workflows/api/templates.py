"""Checklist templates for HR: list, create, and edit (each edit of the steps is a new version)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core import roles
from core.api import BodySerializer
from workflows import selectors, services
from workflows.models import TemplateVersion, WorkflowTemplate
from workflows.template_steps import StepDefinitionSerializer


class IsHRGroup(BasePermission):
    """HR (core.roles, the one answer to "is this HR?")."""

    message = "Only HR may manage checklist templates."

    def has_permission(self, request, view) -> bool:
        return roles.is_hr_user(request.user)


@extend_schema_field(StepDefinitionSerializer(many=True))
class StepsField(serializers.JSONField):
    """Steps as given; workflows.template_steps validates them in the service (field errors like steps[2].key)."""


class VersionOutputSerializer(serializers.ModelSerializer):
    steps = StepDefinitionSerializer(many=True)
    created_by = serializers.CharField(source="created_by.username", default="", read_only=True)

    class Meta:
        model = TemplateVersion
        fields = ["id", "number", "note", "created_at", "created_by", "steps"]
        read_only_fields = fields


class TemplateOutputSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowTemplate
        fields = ["id", "slug", "name", "kind", "country", "department", "is_active", "updated_at", "current_version"]
        read_only_fields = fields

    @extend_schema(responses=VersionOutputSerializer)
    def get_current_version(self, obj) -> dict | None:
        versions = list(obj.versions.all())  # prefetched newest first
        return VersionOutputSerializer(versions[0]).data if versions else None


class TemplateInputSerializer(BodySerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=40)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    steps = StepsField()


class TemplateUpdateSerializer(BodySerializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.CharField(max_length=40, required=False)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    department = serializers.CharField(max_length=120, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    steps = StepsField(required=False, help_text="New steps: saved as the next version.")


class TemplateListApi(GenericAPIView):
    """HR: the checklist templates with their current version; POST creates a template (version 1).

    A template whose steps have a duplicate or unknown key or a dependency cycle is refused with 400
    and field errors such as `steps[2].depends_on`."""

    serializer_class = TemplateOutputSerializer
    permission_classes = [IsHRGroup]

    def get_queryset(self):
        return selectors.template_list(kind=self.request.query_params.get("kind"))

    @extend_schema(operation_id="workflow_templates_list", responses=TemplateOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=TemplateInputSerializer, responses={201: TemplateOutputSerializer})
    def post(self, request):
        data = TemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(actor=request.user, **data.validated_data)
        return Response(
            TemplateOutputSerializer(selectors.template_get(pk=template.pk)).data, status=status.HTTP_201_CREATED
        )


class TemplateDetailApi(GenericAPIView):
    """HR: one template. PATCH or PUT with `steps` writes a new version; running workflows keep theirs."""

    serializer_class = TemplateOutputSerializer
    permission_classes = [IsHRGroup]

    def get_queryset(self):
        # DRF's OPTIONS metadata looks the object up through this (it answered 500 without it).
        return selectors.template_list()

    def get(self, request, pk: int):
        return Response(TemplateOutputSerializer(selectors.template_get(pk=pk)).data)

    @extend_schema(request=TemplateUpdateSerializer, responses=TemplateOutputSerializer)
    def patch(self, request, pk: int):
        template = selectors.template_get(pk=pk)
        data = TemplateUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.template_update(template=template, data=data.validated_data, actor=request.user)
        return Response(TemplateOutputSerializer(selectors.template_get(pk=pk)).data)

    @extend_schema(request=TemplateUpdateSerializer, responses=TemplateOutputSerializer)
    def put(self, request, pk: int):
        return self.patch(request, pk)


class TemplateVersionListApi(GenericAPIView):
    """HR: every version of a template, newest first."""

    serializer_class = VersionOutputSerializer
    permission_classes = [IsHRGroup]
    queryset = TemplateVersion.objects.none()  # for the schema; get() reads through the selector

    @extend_schema(operation_id="workflow_templates_versions_list", responses=VersionOutputSerializer(many=True))
    def get(self, request, pk: int):
        template = selectors.template_get(pk=pk)
        versions = template.versions.select_related("created_by").order_by("-number")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionOutputSerializer(page, many=True).data)
