"""The checklist steps API: each assignee's steps with due dates, and the step actions."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import BodySerializer
from offboarding import steps
from offboarding.actions import steps as step_actions
from workflows.models import AssigneeRole, Step, StepState


class StepFilter(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(method="noop", help_text="Only the steps assigned to you.")
    state = django_filters.MultipleChoiceFilter(choices=StepState.choices)
    assignee_role = django_filters.MultipleChoiceFilter(choices=AssigneeRole.choices)
    departure = django_filters.NumberFilter(field_name="workflow__departure__id")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Step
        fields: list = []

    def noop(self, queryset, name, value):
        return queryset  # applied by the selector, which scopes by assignment


class StepDepartureSerializer(serializers.Serializer):
    """Only what any assignee needs: never the reason, rehire eligibility or interview state."""

    id = serializers.IntegerField()
    employee_name = serializers.CharField(source="employee.name")
    department = serializers.CharField(source="employee.department")
    last_working_day = serializers.DateField()


class StepOutputSerializer(serializers.ModelSerializer):
    departure = StepDepartureSerializer(source="workflow.departure", read_only=True)
    available_actions = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "id",
            "key",
            "title",
            "description",
            "kind",
            "assignee_role",
            "required",
            "state",
            "due_date",
            "due_at",
            "is_overdue",
            "depends_on",
            "finished_at",
            "available_actions",
            "departure",
        ]
        read_only_fields = fields

    def get_available_actions(self, obj) -> list[str]:
        return steps.step_available_actions(step=obj, user=self.context["request"].user)

    def get_is_overdue(self, obj) -> bool:
        from django.utils import timezone

        return bool(obj.is_open and obj.due_at and obj.due_at < timezone.now())


class StepHistorySerializer(serializers.Serializer):
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    note = serializers.CharField()
    at = serializers.DateTimeField()


class StepDetailSerializer(StepOutputSerializer):
    """One step with its audit trail: transitions and due-date moves."""

    history = StepHistorySerializer(many=True, read_only=True)

    class Meta(StepOutputSerializer.Meta):
        fields = [*StepOutputSerializer.Meta.fields, "history"]
        read_only_fields = fields


class StepActionInputSerializer(BodySerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class StepListApi(GenericAPIView):
    """The steps you can see: with `mine=true`, the steps assigned to you, soonest due first."""

    serializer_class = StepOutputSerializer
    filterset_class = StepFilter

    def get_queryset(self):
        mine = str(self.request.query_params.get("mine", "")).lower() in ("1", "true", "yes")
        return steps.step_list(user=self.request.user, mine=mine)

    @extend_schema(operation_id="steps_list", responses=StepOutputSerializer(many=True))
    def get(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class StepDetailApi(GenericAPIView):
    """One step in your scope, with its history."""

    serializer_class = StepDetailSerializer

    def get(self, request, pk: int):
        step = steps.step_get(user=request.user, pk=pk)
        return Response(StepDetailSerializer(step, context={"request": request}).data)


class StepActionApi(GenericAPIView):
    """Act on a step: `complete`, `skip`, `approve` or `reject` (a rejection needs a `note`).

    Approving the manager's approval step approves the departure too. 404 outside your scope, 403
    when the step is not yours (only HR skips a required step), 409 when the step is not ready."""

    serializer_class = StepDetailSerializer

    @extend_schema(
        operation_id="steps_action",
        request=StepActionInputSerializer,
        responses=StepDetailSerializer,
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(steps.STEP_ACTIONS))],
    )
    def post(self, request, pk: int, action: str):
        step = steps.step_get(user=request.user, pk=pk)
        data = StepActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step_actions.step_act(step=step, action=action, actor=request.user, note=data.validated_data["note"])
        step = steps.step_get(user=request.user, pk=pk)
        return Response(StepDetailSerializer(step, context={"request": request}).data)
