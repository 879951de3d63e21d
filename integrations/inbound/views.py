"""Inbound HTTP endpoints of the edges: signed HRIS events, IT receipts, inbound calendar-reply mail, and HR's
CSV bulk start."""

from __future__ import annotations

import json

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors, roles
from integrations import signing
from integrations.inbound.csv_import import csv_text_decode, departures_import_csv
from integrations.inbound.hris.mappers import MAPPERS
from integrations.inbound.hris.processor import hris_payload_process
from integrations.inbound.mail import inbound_mail_process
from integrations.inbound.receipts import access_revocation_receipt


class SignatureInvalid(exceptions.APIException):
    """401: DRF turns AuthenticationFailed into 403 on views without an authentication scheme."""

    status_code = 401
    default_code = "invalid_signature"
    default_detail = "The request signature is missing, wrong or stale."


def _verify(request, secret: str) -> bytes:
    body = request.body
    try:
        signing.signature_verify(
            secret=secret,
            timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
            signature=request.headers.get(signing.SIGNATURE_HEADER),
            body=body,
        )
    except signing.SignatureError as exc:
        raise SignatureInvalid(str(exc)) from None
    return body


def _json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise errors.InvalidInput(fields={"body": ["The body is not JSON."]}) from None


SIGNATURE_PARAMETERS = [
    OpenApiParameter(signing.TIMESTAMP_HEADER, OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
                     description="Unix seconds when the request was signed; more than 5 minutes off is refused."),
    OpenApiParameter(signing.SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                     description="sha256=<hex>: HMAC-SHA256 with the shared secret of '<timestamp>.' + the raw body."),
]  # fmt: skip

EventResult = inline_serializer(
    "HrisEventResult",
    {
        "status": serializers.ChoiceField(["processed", "duplicate"]),
        "events": serializers.ListField(child=serializers.DictField()),
    },
)


class HrisEventApi(APIView):
    """Receive one signed event from an HR system (`generic`, `bamboohr` or `personio`).

    Resignations and terminations start a departure (creating an unknown employee when the
    payload carries external id, name and email); a last-day change moves the departure's dates;
    a withdrawal cancels it. The same event id twice is processed once: the second answer has
    status "duplicate". Bad or stale signatures get 401 and change nothing. See docs/integrations.md.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=SIGNATURE_PARAMETERS,
        responses={200: EventResult},
        auth=[],
    )
    def post(self, request, source: str):
        if source not in MAPPERS:
            raise errors.NotFound(f"There is no HRIS source called {source!r}.")
        secret = settings.HRIS_SECRETS.get(source, "")
        if not secret:
            raise errors.ConfigurationError(f"No shared secret is configured for the {source} source.")
        body = _verify(request, secret)
        return Response(hris_payload_process(source=source, payload=_json(body)))


class AccessRevocationReceiptApi(APIView):
    """The IT system confirms that a departure's access is revoked (signed like our outbound webhooks,
    with OUTBOUND_WEBHOOK_SECRET): body `{"id", "type": "access.revoked", "departure_id"}`. Completes the
    checklist's access-revocation step; the same receipt id twice is processed once."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        id = serializers.CharField(max_length=200)
        type = serializers.CharField(max_length=80)
        departure_id = serializers.IntegerField(min_value=1)

    @extend_schema(
        request=inline_serializer(
            "AccessRevocationReceipt",
            {
                "id": serializers.CharField(),
                "type": serializers.CharField(),
                "departure_id": serializers.IntegerField(),
            },
        ),
        parameters=SIGNATURE_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        auth=[],
    )
    def post(self, request):
        secret = settings.OUTBOUND_WEBHOOK_SECRET
        if not secret:
            raise errors.ConfigurationError("OUTBOUND_WEBHOOK_SECRET is not set.")
        body = _verify(request, secret)
        serializer = self.InputSerializer(data=_json(body))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response(
            access_revocation_receipt(event_id=data["id"], event_type=data["type"], departure_id=data["departure_id"])
        )


class InboundMailApi(APIView):
    """A mail provider forwards one message sent to the organizer mailbox: the raw MIME (RFC 5322) as the
    body, signed with INBOUND_MAIL_SECRET like HRIS events. An iTIP REPLY or COUNTER inside runs the same
    action as POST /interviews/replies/, once per Message-ID (`duplicate` on a redelivery). Other mail is
    answered `not_a_reply` and dropped. Replies to an unknown UID or an older SEQUENCE are `ignored`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY},
        parameters=SIGNATURE_PARAMETERS,
        responses={
            200: inline_serializer(
                "InboundMailResult",
                {
                    "status": serializers.ChoiceField(["recorded", "ignored", "rejected", "duplicate", "not_a_reply"]),
                    "reason": serializers.CharField(),
                },
            )
        },
        auth=[],
    )
    def post(self, request):
        secret = settings.INBOUND_MAIL_SECRET
        if not secret:
            raise errors.ConfigurationError("INBOUND_MAIL_SECRET is not set.")
        body = _verify(request, secret)
        result = inbound_mail_process(raw=body, source="webhook")
        if result is None:
            return Response({"status": "not_a_reply", "reason": "No iTIP REPLY or COUNTER in the message."})
        status = "duplicate" if result.duplicate else result.message.outcome
        return Response({"status": status, "reason": result.message.reason})


class CsvTextParser(BaseParser):
    """A text/csv request body, as a string."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return csv_text_decode(stream.read() if stream is not None else b"")


def upload_size_check(request, *, limit: int) -> None:
    """Refuse a body over `limit` bytes from its Content-Length, before a byte of it is read (413). A body
    without a length (chunked) is refused too (411 would be the textbook answer; 413 says what to fix)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length < 0 or length > limit:
        raise errors.TooLarge(f"Send the file with a Content-Length of at most {limit} bytes.")


class DepartureImportApi(APIView):
    """HR starts many departures from a CSV (multipart field `file`, or a `text/csv` body) with the
    header `employee_external_id,kind,notice_date,last_working_day,reason`, of at most
    CSV_IMPORT_MAX_BYTES (5 MB by default; 413 above it, checked before the body is read). Valid rows
    start their departures; invalid ones are reported with their line number and reason. 400 for a
    wrong header."""

    parser_classes = [MultiPartParser, FormParser, CsvTextParser]

    class OutputSerializer(serializers.Serializer):
        rows = serializers.IntegerField()
        created = serializers.IntegerField()
        failed = serializers.IntegerField()
        departures = serializers.ListField(child=serializers.IntegerField())
        errors = inline_serializer(
            "DepartureImportError",
            {
                "line": serializers.IntegerField(),
                "employee_external_id": serializers.CharField(),
                "reason": serializers.CharField(),
            },
            many=True,
        )

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("DepartureImportFile", {"file": serializers.FileField()}),
            "text/csv": OpenApiTypes.STR,
        },
        responses={200: OutputSerializer},
    )
    def post(self, request):
        if not roles.is_hr_user(request.user):
            raise errors.PermissionDenied("Only HR can import departures.")
        upload_size_check(request, limit=settings.CSV_IMPORT_MAX_BYTES)
        data = request.data
        if isinstance(data, str):
            text = data
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise errors.InvalidInput(
                    fields={"file": ["Send the CSV as the multipart field 'file' or as a text/csv body."]}
                )
            text = csv_text_decode(upload.read())
        report = departures_import_csv(text=text, actor=request.user)
        return Response(self.OutputSerializer(report.as_dict()).data)
