"""Your own calendar, for slot proposals: connect a CalDAV or published iCalendar URL, disconnect it, and
set your default meeting place (interviewers). The URL and password are write-only: stored encrypted, never
shown back."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import BodySerializer
from offboarding.actions import calendars as calendar_actions
from offboarding.interviews.models import CalendarKind


class CalendarStatusSerializer(serializers.Serializer):
    connected = serializers.BooleanField()
    kind = serializers.CharField(help_text="caldav or ics; empty when none is connected.")
    username = serializers.CharField()
    default_location = serializers.CharField(help_text="A room or video link used when an interview names none.")
    connected_at = serializers.DateTimeField(allow_null=True)


def _status(calendar) -> dict:
    if calendar is None:
        return {"connected": False, "kind": "", "username": "", "default_location": "", "connected_at": None}
    return {
        "connected": calendar.is_connected,
        "kind": calendar.kind,
        "username": calendar.username,
        "default_location": calendar.default_location,
        "connected_at": calendar.connected_at,
    }


class PersonalCalendarApi(APIView):
    """GET your calendar connection; PUT `{kind, url, username?, password?}` connects one (caldav: a CalDAV
    calendar collection, read with a free-busy query; ics: a published iCalendar URL, events and their
    recurrences read), and/or `{default_location}`; DELETE disconnects. Proposed interview slots avoid busy
    time in it; when it does not answer, slots follow working hours and say so."""

    class CalendarConnectSerializer(BodySerializer):
        kind = serializers.ChoiceField(choices=CalendarKind.choices, required=False)
        url = serializers.CharField(required=False, max_length=2000, write_only=True)
        username = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
        password = serializers.CharField(required=False, allow_blank=True, default="", max_length=500, write_only=True)
        default_location = serializers.CharField(required=False, allow_blank=True, max_length=255)

        def validate(self, attrs):
            if ("kind" in attrs) != ("url" in attrs):
                raise serializers.ValidationError({"url": ["Give both kind and url to connect a calendar."]})
            if "kind" not in attrs and "default_location" not in attrs:
                raise serializers.ValidationError({"kind": ["Give kind and url, or default_location."]})
            return attrs

    @extend_schema(responses=CalendarStatusSerializer)
    def get(self, request):
        return Response(_status(calendar_actions.personal_calendar_of(user=request.user)))

    @extend_schema(request=CalendarConnectSerializer, responses=CalendarStatusSerializer)
    def put(self, request):
        data = self.CalendarConnectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "kind" in values:
            calendar_actions.personal_calendar_connect(
                user=request.user,
                kind=values["kind"],
                url=values["url"],
                username=values["username"],
                password=values["password"],
            )
        if "default_location" in values:
            calendar_actions.personal_calendar_set_place(user=request.user, default_location=values["default_location"])
        return Response(_status(calendar_actions.personal_calendar_of(user=request.user)))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        calendar_actions.personal_calendar_disconnect(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
