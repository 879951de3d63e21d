"""The outbox API for HR: list scheduled actions (e.g. ?status=failed), see errors, retry."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.urls import path
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from core.api import EmptyBody
from workflows.outbox import selectors, services
from workflows.outbox.models import ActionKind, ActionStatus, Channel, ScheduledAction


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment a database can compare: years 1900 to 2999 and a real UTC offset (at most 14 h;
    PostgreSQL refuses "-21:08" with a server error)."""

    def clean(self, value):
        value = super().clean(value)
        offset = value.utcoffset() if value is not None else None
        if value is not None and (
            not 1900 <= value.year <= 2999 or (offset is not None and abs(offset) > datetime.timedelta(hours=14))
        ):
            raise forms.ValidationError("Give a moment between 1900 and 2999 with a UTC offset of at most 14 hours.")
        return value


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class ActionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=ActionKind.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    group = django_filters.CharFilter(help_text='e.g. "departure:12" or "interview:3"')
    recipient = django_filters.CharFilter(lookup_expr="iexact")
    due_after = MomentFilter(field_name="due_at", lookup_expr="gte")
    due_before = MomentFilter(field_name="due_at", lookup_expr="lte")

    class Meta:
        model = ScheduledAction
        fields: list = []


class AttemptOutputSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(
        choices=["sent", "retry", "failed", "cancelled", "unknown"],
        required=False,
        help_text='Absent while the attempt runs; "unknown" when its worker or connection was lost.',
    )
    error = serializers.CharField(required=False)


class ActionOutputSerializer(serializers.ModelSerializer):
    history = AttemptOutputSerializer(many=True, read_only=True)

    class Meta:
        model = ScheduledAction
        fields = [
            "id",
            "kind",
            "handler",
            "channel",
            "recipient",
            "due_at",
            "group",
            "payload",
            "status",
            "attempts",
            "max_attempts",
            "last_error",
            "history",
            "created_at",
            "updated_at",
            "sent_at",
            "claimed_at",
        ]
        read_only_fields = fields


class _ScopedActionsMixin:
    """The caller's scheduled actions (selectors.action_list), for every view of this API."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ScheduledAction.objects.none()
        return selectors.action_list(user=self.request.user)


class ActionListApi(_ScopedActionsMixin, ListAPIView):
    """HR: the outbox's scheduled actions, filterable by status, kind, channel, group, recipient and due time."""

    serializer_class = ActionOutputSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-due_at", "-id")


class ActionDetailApi(_ScopedActionsMixin, RetrieveAPIView):
    """HR: one scheduled action with its attempts and last error."""

    serializer_class = ActionOutputSerializer


class ActionRetryApi(_ScopedActionsMixin, GenericAPIView):
    """HR: send a failed action again now (409 unless it is failed)."""

    serializer_class = ActionOutputSerializer

    @extend_schema(request=EmptyBody, responses=ActionOutputSerializer)
    def post(self, request, pk: int):
        EmptyBody(data=request.data).is_valid(raise_exception=True)
        action = services.action_retry(action=self.get_object(), actor=request.user)
        return Response(ActionOutputSerializer(action).data)


urlpatterns = [
    path("outbox/actions/", ActionListApi.as_view(), name="outbox-actions"),
    path("outbox/actions/<int:pk>/", ActionDetailApi.as_view(), name="outbox-action"),
    path("outbox/actions/<int:pk>/retry/", ActionRetryApi.as_view(), name="outbox-action-retry"),
]
