"""API plumbing shared by every app: pagination, the offset-aware time field and the one exception handler."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import errors


class OffsetDateTimeField(serializers.DateTimeField):
    """A moment with its UTC offset ("2027-01-18T10:00:00+01:00" or "...Z"). A time without one is
    refused rather than guessed: read as UTC, "10:00" in Stockholm would become 11:00."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is None or timezone.is_naive(parsed):
                raise serializers.ValidationError(
                    "Give a date and time with its UTC offset, e.g. 2027-01-18T10:00:00+01:00 or 2027-01-18T09:00:00Z."
                )
        return super().to_internal_value(value)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class RefuseUnknownFields:
    """Input serializers: a key the serializer does not take is a 400 field error, never dropped.

    A client that misspells `last_working_day` or sends a field this endpoint ignores learns so at once,
    next to any other field errors, instead of seeing its value silently thrown away."""

    unknown_field_message = "Unknown field."

    def to_internal_value(self, data):
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(set(data) - writable) if isinstance(data, Mapping) else []
        problems = {name: [self.unknown_field_message] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            raise serializers.ValidationError({**detail, **problems}) from exc
        if problems:
            raise serializers.ValidationError(problems)
        return value


class BodySerializer(RefuseUnknownFields, serializers.Serializer):
    """The base of every API input serializer (request bodies); ModelSerializers take the mixin."""


class EmptyBody(BodySerializer):
    """The body of an action that takes no fields: `{}` or nothing; any key is refused."""


def _error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": message}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    """Map application errors and DRF/Django errors onto the documented error contract, always as JSON."""
    response = _error_response(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        # An endpoint that answers text/calendar or HTML on success still answers its errors as
        # application/json: the renderer DRF negotiated for success must not dress up an error body.
        if not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer | BrowsableAPIRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
    return response


def _error_response(exc, context):
    if isinstance(exc, errors.ApplicationError):
        return Response(_error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_error_body("invalid", "The input is not valid.", fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(_error_body("invalid", "The input is not valid.", detail), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = _error_body(code, str(exc.detail))
    return response


def api_not_found(request, path: str = ""):
    """The last route under /api/v1/: an unknown API path is a JSON 404 like every other API error, not
    Django's HTML page. A GET missing only its trailing slash is redirected, as APPEND_SLASH would."""
    if request.method in ("GET", "HEAD") and not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    body = _error_body("not_found", f"There is no API endpoint at {request.path}; see /api/v1/docs/.")
    return JsonResponse(body, status=404)
