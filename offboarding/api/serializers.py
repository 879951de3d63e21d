"""Shared output shapes for employees and departures."""

from rest_framework import serializers

from offboarding.models import Employee


class EmployeeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Employee
        fields = ["id", "external_id", "name", "department"]
        read_only_fields = fields
