"""Shared input and output shapes: employees, and the terms of a departure as every entry point takes them."""

from rest_framework import serializers

from core.api import BodySerializer
from offboarding.models import DepartureKind, Employee, ReasonCategory


class EmployeeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employee
        fields = ["id", "external_id", "name", "department"]
        read_only_fields = fields


class DepartureTermsSerializer(BodySerializer):
    """A departure's kind, dates and reason: validated the same for the API, a CSV row and an HRIS event."""

    kind = serializers.ChoiceField(choices=DepartureKind.choices)
    notice_date = serializers.DateField()
    last_working_day = serializers.DateField()
    reason = serializers.ChoiceField(choices=ReasonCategory.choices, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["last_working_day"] < attrs["notice_date"]:
            raise serializers.ValidationError(
                {"last_working_day": ["The last working day cannot be before the notice date."]}
            )
        return attrs


def terms_problems(errors: dict) -> list[str]:
    """A serializer's field errors as 'field: message' lines, for per-row reports."""
    return [f"{field}: {message}" for field, messages in errors.items() for message in messages]
