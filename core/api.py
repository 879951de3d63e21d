"""API plumbing shared by every app: pagination, the offset-aware time field and the one exception handler."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
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


def _error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": message}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    """Map application errors and DRF/Django errors onto the documented error contract."""
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
