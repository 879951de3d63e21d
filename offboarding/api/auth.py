"""Authentication endpoints: token for API clients, and who am I."""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core import errors, roles
from core.api import BodySerializer
from core.client_ip import client_ip
from offboarding import access


class TokenThrottle(AnonRateThrottle):
    """A ceiling on all requests from one address, in the shared cache; failed guesses are counted and
    locked out separately by django-axes (settings.AXES_*)."""

    rate = "30/min"

    def get_ident(self, request):
        return client_ip(request)


class TokenApi(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`). The token
    expires after API_TOKEN_TTL_HOURS and only its hash is stored. After LOGIN_FAILURE_LIMIT failed
    attempts from one address, logins from it are refused (429) for LOGIN_COOLOFF_MINUTES."""

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
        try:
            # The Django request: django-axes counts failures against it and reads the client address.
            user = authenticate(request._request, **data.validated_data)
        except AxesBackendPermissionDenied:
            raise exceptions.Throttled(detail="Too many failed logins from this address; try again later.") from None
        if getattr(request._request, "axes_locked_out", False):
            raise exceptions.Throttled(detail="Too many failed logins from this address; try again later.")
        if user is None or not user.is_active:
            raise errors.InvalidInput(
                "Unable to log in with these credentials.",
                code=errors.ErrorCode.INVALID_CREDENTIALS,
                fields={"non_field_errors": ["Unable to log in with these credentials."]},
            )
        _, token = AuthToken.objects.create(user=user)
        return Response({"token": token})


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
