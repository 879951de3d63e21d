"""Authentication endpoints: token for API clients, and who am I."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core import errors, roles
from core.api import BodySerializer
from offboarding import access


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenApi(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenThrottle]

    class InputSerializer(BodySerializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("TokenOutput", {"token": serializers.CharField()}),
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            raise errors.InvalidInput(
                "Unable to log in with these credentials.",
                code=errors.ErrorCode.INVALID_CREDENTIALS,
                fields={"non_field_errors": ["Unable to log in with these credentials."]},
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeApi(APIView):
    """The caller: username, roles and employee id."""

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
                "employee": serializers.IntegerField(allow_null=True),
            },
        )
    )
    def get(self, request):
        user = request.user
        me = roles.employee_of(user)
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "name": me.name if me else (user.get_full_name() or user.get_username()),
                "roles": access.role_names(user),
                "employee": me.pk if me else None,
            }
        )
