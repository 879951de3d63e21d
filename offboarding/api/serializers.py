"""Shared input and output shapes: employees, and the terms of a departure as every entry point takes them."""

import datetime

from django.utils import timezone
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
    backdated = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Set to start a departure whose last working day has already passed; no messages about "
        "the last day are then sent.",
    )

    def validate_notice_date(self, value):
        return dates_within_reason(value)

    def validate_last_working_day(self, value):
        return dates_within_reason(value)

    def validate(self, attrs):
        if attrs["last_working_day"] < attrs["notice_date"]:
            raise serializers.ValidationError(
                {"last_working_day": ["The last working day cannot be before the notice date."]}
            )
        if attrs["last_working_day"] < timezone.localdate() and not attrs.get("backdated"):
            raise serializers.ValidationError(
                {"last_working_day": ["The last working day has passed: set backdated to start it anyway."]}
            )
        return attrs


# Dates outside this range are typing errors (0001-01-01, 9999-12-31), not departures.
EARLIEST_DATE = datetime.date(1900, 1, 1)
MAX_YEARS_AHEAD = 5


def dates_within_reason(value: datetime.date) -> datetime.date:
    latest = timezone.localdate().replace(month=1, day=1)
    latest = latest.replace(year=latest.year + MAX_YEARS_AHEAD + 1) - datetime.timedelta(days=1)
    if value < EARLIEST_DATE or value > latest:
        raise serializers.ValidationError(f"Give a date between {EARLIEST_DATE} and {latest}.")
    return value


def terms_problems(errors: dict) -> list[str]:
    """A serializer's field errors as 'field: message' lines, for per-row reports."""
    return [f"{field}: {message}" for field, messages in errors.items() for message in messages]
