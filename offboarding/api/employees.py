"""Employees: HR's register of people, as the HR system knows them."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import BodySerializer, RefuseUnknownFields
from offboarding import selectors
from offboarding.actions import employees as employee_actions
from offboarding.api.permissions import IsHR
from offboarding.models import Employee


class EmployeeOutputSerializer(serializers.ModelSerializer):
    manager = serializers.PrimaryKeyRelatedField(read_only=True)
    username = serializers.SerializerMethodField()

    class Meta:
        model = Employee
        fields = [
            "id",
            "external_id",
            "name",
            "email",
            "personal_email",
            "manager",
            "department",
            "country",
            "time_zone",
            "language",
            "work_starts",
            "work_ends",
            "username",
        ]
        read_only_fields = fields

    def get_username(self, obj) -> str | None:
        return obj.user.get_username() if obj.user_id else None


class EmployeeInputSerializer(RefuseUnknownFields, serializers.ModelSerializer):
    manager = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Employee
        fields = list(Employee.REGISTER_FIELDS)
        extra_kwargs = {"country": {"required": True}, "time_zone": {"required": True}}

    def validate(self, attrs):
        if "user" in self.initial_data:
            # A login makes its holder "the employee", who reads their own answers: never a field edit.
            raise serializers.ValidationError({"user": ["Link a login with POST employees/{id}/login/."]})
        starts = attrs.get("work_starts", getattr(self.instance, "work_starts", None))
        ends = attrs.get("work_ends", getattr(self.instance, "work_ends", None))
        if starts and ends and starts >= ends:
            raise serializers.ValidationError({"work_ends": ["Working hours must end after they start."]})
        return attrs


class EmployeeListApi(GenericAPIView):
    """HR: list employees (search with `?search=`) and register new ones."""

    permission_classes = [IsHR]
    serializer_class = EmployeeOutputSerializer

    def get_queryset(self):
        return selectors.employee_list(user=self.request.user, search=self.request.query_params.get("search", ""))

    @extend_schema(operation_id="employees_list", responses=EmployeeOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EmployeeOutputSerializer(page, many=True).data)

    @extend_schema(request=EmployeeInputSerializer, responses={201: EmployeeOutputSerializer})
    def post(self, request):
        data = EmployeeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employee = employee_actions.employee_create(actor=request.user, **data.validated_data)
        return Response(EmployeeOutputSerializer(employee).data, status=status.HTTP_201_CREATED)


class EmployeeDetailApi(GenericAPIView):
    """HR: read or correct one employee."""

    permission_classes = [IsHR]
    serializer_class = EmployeeOutputSerializer

    def get_queryset(self):
        return selectors.employee_list(user=self.request.user)

    def get(self, request, pk: int):
        return Response(EmployeeOutputSerializer(self.get_object()).data)

    @extend_schema(request=EmployeeInputSerializer, responses=EmployeeOutputSerializer)
    def patch(self, request, pk: int):
        employee = self.get_object()
        data = EmployeeInputSerializer(employee, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        employee = employee_actions.employee_update(employee=employee, actor=request.user, data=data.validated_data)
        return Response(EmployeeOutputSerializer(employee).data)


class EmployeeLoginApi(GenericAPIView):
    """HR with the link-login permission: link a login to this employee (`{"user": id}`) or unlink it
    (`{"user": null}`). Audited; never for one's own record."""

    permission_classes = [IsHR]
    serializer_class = EmployeeOutputSerializer

    class LinkInputSerializer(BodySerializer):
        user = serializers.PrimaryKeyRelatedField(
            queryset=get_user_model().objects.filter(is_active=True), allow_null=True
        )
        note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def get_queryset(self):
        return selectors.employee_list(user=self.request.user)

    @extend_schema(request=LinkInputSerializer, responses=EmployeeOutputSerializer)
    def post(self, request, pk: int):
        employee = self.get_object()
        data = self.LinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        employee = employee_actions.employee_link_user(
            employee=employee,
            user=data.validated_data["user"],
            actor=request.user,
            note=data.validated_data.get("note", ""),
        )
        return Response(EmployeeOutputSerializer(employee).data)
