"""Exit interview scheduling API: schedule, read, slots, actions, the current invite, attendee replies and
the interviewer's calendar feed. The confidential answers are served by offboarding.feedback."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors, roles
from core.api import BodySerializer, EmptyBody, OffsetDateTimeField, Pagination
from core.drf import JSONParser
from integrations.calendar import build_feed
from offboarding import people
from offboarding import selectors as departure_selectors
from offboarding.actions import interviews as interview_actions
from offboarding.feedback import crypto
from offboarding.feedback import selectors as feedback_selectors
from offboarding.interviews import selectors
from offboarding.interviews import slots as slot_finder
from offboarding.interviews.models import AttendeeReply, ExitInterview
from offboarding.notifications import interviews as interview_renderers

User = get_user_model()


class CalendarParser(BaseParser):
    """A raw text/calendar body, as an inbound mail webhook posts an iTIP part."""

    media_type = "text/calendar"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read()


class CalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data  # views return finished .ics bodies; errors are rendered as JSON (core.api)


def _ics_response(body: bytes, *, method: str | None, filename: str) -> HttpResponse:
    content_type = "text/calendar; charset=utf-8" + (f"; method={method}" if method else "")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- shapes


class InterviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return people.display_name(user)


class ProposalSerializer(serializers.ModelSerializer):
    """An open request for another time, or an attendee's answer; `note` and `comment` are the attendee's
    own words (stored encrypted), for HR and the interviewer."""

    note = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()

    class Meta:
        model = AttendeeReply
        fields = [
            "id",
            "method",
            "attendee_email",
            "partstat",
            "proposed_start",
            "proposed_end",
            "note",
            "comment",
            "received_at",
        ]
        read_only_fields = fields

    def get_note(self, obj) -> str:
        return crypto.unseal(obj, "note")

    def get_comment(self, obj) -> str:
        return crypto.unseal(obj, "comment")


def _attendee_texts(replies, interview, user) -> list[dict]:
    """Replies with the attendee's own words decrypted; a read of such words is logged like answers are."""
    if any(reply.note or reply.comment for reply in replies):
        feedback_selectors.access_record(user=user, purpose="attendee reply notes", interview=interview)
    return ProposalSerializer(replies, many=True).data


class InterviewOutputSerializer(serializers.ModelSerializer):
    """What HR, the assigned interviewer and the employee see. Times are UTC."""

    interviewer = InterviewerSerializer(read_only=True)
    employee_partstat = serializers.CharField(read_only=True, help_text="NEEDS-ACTION, ACCEPTED, DECLINED, TENTATIVE")
    interviewer_partstat = serializers.CharField(read_only=True, help_text="As employee_partstat.")
    available_actions = serializers.SerializerMethodField()
    proposals = serializers.SerializerMethodField()
    declines = serializers.SerializerMethodField()

    class Meta:
        model = ExitInterview
        fields = [
            "id",
            "departure",
            "state",
            "start",
            "end",
            "interviewer",
            "uid",
            "sequence",
            "location",
            "video_link",
            "employee_partstat",
            "interviewer_partstat",
            "available_actions",
            "proposals",
            "declines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_available_actions(self, obj) -> list[str]:
        return interview_actions.available_actions(interview=obj, user=self.context["request"].user)

    def get_proposals(self, obj) -> list[dict]:
        """Requests for another time (COUNTERs and the employee's own), for HR and the interviewer."""
        found = selectors.caller_roles(interview=obj, user=self.context["request"].user)
        if not found & {"hr", "interviewer"}:
            return []
        return _attendee_texts(selectors.counter_proposals(interview=obj), obj, self.context["request"].user)

    def get_declines(self, obj) -> list[dict]:
        """Attendees' declines of the current invite (from their calendar, with any comment) and a decline
        recorded in the app (with its note), for HR and the interviewer."""
        found = selectors.caller_roles(interview=obj, user=self.context["request"].user)
        if not found & {"hr", "interviewer"}:
            return []
        return _attendee_texts(selectors.attendee_declines(interview=obj), obj, self.context["request"].user)


class InterviewStateSerializer(serializers.ModelSerializer):
    """What the employee's managers see: that the interview exists and its state, nothing more."""

    class Meta:
        model = ExitInterview
        fields = ["id", "state"]
        read_only_fields = fields


def interview_data(interview: ExitInterview, level: str, request) -> dict:
    if level == selectors.FULL:
        return InterviewOutputSerializer(interview, context={"request": request}).data
    return InterviewStateSerializer(interview).data


def _require_participant(interview: ExitInterview, user, what: str) -> None:
    if not selectors.caller_roles(interview=interview, user=user) & {"hr", "interviewer", "employee"}:
        raise errors.PermissionDenied(f"Only the participants and HR may see {what}.")


# --- scheduling


class ScheduleInputSerializer(BodySerializer):
    interviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A user in the interviewer or HR group. Left out: the interviewer group first, the least "
        "loaded (fewest active interviews) who is free; HR only when no dedicated interviewer is eligible and free.",
    )
    start = OffsetDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="With its UTC offset (a time without one is refused); the first free slot when left out.",
    )
    force = serializers.BooleanField(
        required=False, default=False, help_text="HR: accept a time at night or after the last working day."
    )
    force_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Why, when forcing (recorded)."
    )
    duration_minutes = serializers.IntegerField(
        required=False,
        min_value=15,
        max_value=240,
        default=None,
        help_text="Length of the meeting (default INTERVIEW_DURATION_MINUTES, 60).",
    )
    location = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=255,
        help_text="Where to meet (a private room); LOCATION of the invite.",
    )
    video_link = serializers.URLField(
        required=False, allow_blank=True, default="", help_text="A private video call's URL; in the invite."
    )
    offer_reference = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="HR's override of the reference policy for this case (null: the default policy).",
    )


class DepartureInterviewApi(APIView):
    """The departure's exit interview: GET the latest one; POST (HR) schedules it."""

    @extend_schema(responses=InterviewOutputSerializer)
    def get(self, request, pk: int):
        departure = departure_selectors.departure_get(user=request.user, pk=pk)
        interview = selectors.exit_interview_latest_for(departure=departure)
        level = selectors.exit_interview_visibility(interview=interview, user=request.user) if interview else None
        if level is None:
            raise errors.NotFound("This departure has no interview you can see.")
        return Response(interview_data(interview, level, request))

    @extend_schema(request=ScheduleInputSerializer, responses={201: InterviewOutputSerializer})
    def post(self, request, pk: int):
        """Schedule the exit interview (HR): `{interviewer?, start?, duration_minutes?, location?, video_link?,
        offer_reference?}`; without `start`, the first free slot in the window. 400 for an unknown field or
        an interviewer in the employee's management chain; 409 when the departure is not approved or
        already has an active interview; 422 when no slot is free."""
        departure = departure_selectors.departure_get(user=request.user, pk=pk)
        data = ScheduleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        minutes = values.pop("duration_minutes")
        interview = interview_actions.exit_interview_schedule(
            departure=departure,
            actor=request.user,
            duration=datetime.timedelta(minutes=minutes) if minutes else None,
            **values,
        )
        interview, level = selectors.exit_interview_get(user=request.user, pk=interview.pk)
        return Response(interview_data(interview, level, request), status=status.HTTP_201_CREATED)


class InterviewListApi(APIView):
    """The interviews you take part in (HR: all), soonest first; `?state=scheduled` filters."""

    @extend_schema(
        parameters=[OpenApiParameter("state", str, many=True, description="One or more interview states.")],
        responses=InterviewOutputSerializer(many=True),
    )
    def get(self, request):
        states = request.query_params.getlist("state")
        qs = selectors.exit_interview_list(user=request.user, state=states or None)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = InterviewOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class InterviewDetailApi(APIView):
    """One interview. HR, the interviewer and the employee see its time, people, UID and SEQUENCE (UTC);
    the employee's managers see its state only; anyone else gets 404."""

    @extend_schema(responses=InterviewOutputSerializer)
    def get(self, request, pk: int):
        interview, level = selectors.exit_interview_get(user=request.user, pk=pk)
        return Response(interview_data(interview, level, request))


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    employee_local = serializers.CharField()
    interviewer_local = serializers.CharField()


CALENDAR_NOTES_HEADER = "X-Calendar-Notes"


class InterviewSlotsApi(APIView):
    """Free slots inside both people's working hours and time zones, on business days, in the window
    (default: the last two weeks of notice, never the last day), avoiding the interviewer's other interviews
    and busy time in the interviewer's and the leaver's connected calendars. Every slot of the window,
    paginated like every list (`count`, `next`, `page`, `page_size`). When a connected calendar does not
    answer, the slots follow working hours for its owner and `notes` (and the `X-Calendar-Notes` header)
    says so."""

    pagination_class = Pagination  # read by the schema, which then shows the paginated shape

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (employee's local date)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive."),
            OpenApiParameter("duration", OpenApiTypes.INT, description="Minutes (default 60)."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 200 (default 50)."),
        ],
        responses=SlotSerializer(many=True),
    )
    def get(self, request, pk: int):
        interview, _ = selectors.exit_interview_get(user=request.user, pk=pk)
        _require_participant(interview, request.user, "the free slots")
        params = SlotQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        minutes = params.validated_data.get("duration")
        found, notes = interview_actions.exit_interview_slots_offered(
            interview=interview,
            first=params.validated_data.get("from"),
            last=params.validated_data.get("to"),
            duration=datetime.timedelta(minutes=minutes) if minutes else None,
            limit=None,
        )
        paginator = self.pagination_class()
        found = paginator.paginate_queryset(found, request, view=self)
        employee_hours = slot_finder.hours_of_employee(interview.departure.employee)
        interviewer_hours = slot_finder.hours_of_user(interview.interviewer)
        rows = [
            {
                "start": start,
                "end": end,
                "employee_local": start.astimezone(employee_hours.tzinfo).isoformat(),
                "interviewer_local": start.astimezone(interviewer_hours.tzinfo).isoformat(),
            }
            for start, end in found
        ]
        response = paginator.get_paginated_response(SlotSerializer(rows, many=True).data)
        # A connected calendar that did not answer: these slots follow working hours for its owner.
        response.data["notes"] = notes
        if notes:
            response[CALENDAR_NOTES_HEADER] = " | ".join(notes)
        return response


class SlotQuerySerializer(serializers.Serializer):
    MAX_DAYS = 62

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the fields are added by name.
        self.fields["from"] = serializers.DateField(required=False)
        self.fields["to"] = serializers.DateField(required=False)
        self.fields["duration"] = serializers.IntegerField(required=False, min_value=15, max_value=240)

    def _within_reason(self, value):
        # Slots lie ahead; dates far out (0001-01-01, 9999-12-31) would overflow time-zone arithmetic.
        today = timezone.localdate()
        if not today - datetime.timedelta(days=self.MAX_DAYS) <= value <= today + datetime.timedelta(days=730):
            raise serializers.ValidationError("Ask for dates from two months ago to two years ahead.")
        return value

    def validate_from(self, value):
        return self._within_reason(value)

    def validate_to(self, value):
        return self._within_reason(value)

    def validate(self, attrs):
        first, last = attrs.get("from"), attrs.get("to")
        if first and last and (last - first).days > self.MAX_DAYS:
            raise serializers.ValidationError({"to": [f"Ask for at most {self.MAX_DAYS} days at a time."]})
        return attrs


class ActionInputSerializer(BodySerializer):
    start = OffsetDateTimeField(
        required=False, help_text="reschedule: the new start, with its UTC offset (a time without one is refused)."
    )
    force = serializers.BooleanField(
        required=False, default=False, help_text="reschedule, HR: accept a time at night or after the last day."
    )
    force_note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Why, when forcing (recorded)."
    )
    duration_minutes = serializers.IntegerField(required=False, min_value=15, max_value=240)
    interviewer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="reassign: the new interviewer."
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="request_other_time and decline: the employee's note to HR and the interviewer (stored "
        "encrypted, kept in the app, never emailed, never on the departure's history).",
    )


ACTIONS = list(interview_actions.ACTION_ROLES)


class InterviewActionApi(APIView):
    """Run an action: `reschedule` {start} (HR, interviewer; the employee picks from the slots),
    `request_other_time` {note} (the employee), `reassign` {interviewer} (HR), `cancel` (HR, interviewer),
    `decline` {note?} (the employee or HR; the note is kept encrypted for HR and the interviewer), `hold`,
    `close`, `no_show` (interviewer or HR). 409 when not allowed now."""

    action_name = ""

    @extend_schema(request=ActionInputSerializer, responses=InterviewOutputSerializer)
    def post(self, request, pk: int):
        interview, level = selectors.exit_interview_get(user=request.user, pk=pk)
        # 403 for who may never run this action comes before any complaint about the input.
        interview_actions.exit_interview_action_require(
            interview=interview, actor=request.user, action=self.action_name
        )
        data = ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if self.action_name == "reschedule" and "start" not in values:
            raise errors.InvalidInput(fields={"start": ["A start time is required."]})
        if self.action_name == "reassign" and "interviewer" not in values:
            raise errors.InvalidInput(fields={"interviewer": ["Say who interviews instead."]})
        if values.get("duration_minutes"):
            values["duration"] = datetime.timedelta(minutes=values.pop("duration_minutes"))
        interview_actions.exit_interview_run_action(
            interview=interview, action=self.action_name, actor=request.user, data=values
        )
        interview, level = selectors.exit_interview_get(user=request.user, pk=pk)
        return Response(interview_data(interview, level, request))


class InterviewInviteApi(APIView):
    """The current invite as text/calendar: METHOD:REQUEST while the interview stands, METHOD:CANCEL
    once it is cancelled or declined. For the participants and HR."""

    renderer_classes = [CalendarRenderer, JSONRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        interview, _ = selectors.exit_interview_get(user=request.user, pk=pk)
        _require_participant(interview, request.user, "the invite")
        if interview.start is None:
            raise errors.NotFound("This interview has no time yet.")
        language = people.user_language(request.user)
        body, method = interview_renderers.interview_ics(interview, language=language)
        return _ics_response(body, method=method, filename="invite.ics")


class ProposalDecisionApi(APIView):
    """Answer an attendee's proposed time (an iTIP COUNTER listed in the interview's `proposals`), as HR or
    the interviewer: `accept` moves the interview there (same UID, SEQUENCE+1, a new REQUEST to both);
    `refuse` keeps it and sends the attendee METHOD:DECLINECOUNTER. 409 once answered or overtaken."""

    decision = ""

    @extend_schema(request=EmptyBody, responses=InterviewOutputSerializer)
    def post(self, request, pk: int, reply_id: int):
        interview, _ = selectors.exit_interview_get(user=request.user, pk=pk)
        EmptyBody(data=request.data).is_valid(raise_exception=True)
        if self.decision == "accept":
            interview_actions.exit_interview_counter_accept(interview=interview, actor=request.user, reply_id=reply_id)
        else:
            interview_actions.exit_interview_counter_refuse(interview=interview, actor=request.user, reply_id=reply_id)
        interview, level = selectors.exit_interview_get(user=request.user, pk=pk)
        return Response(interview_data(interview, level, request))


# --- attendee replies


class ReplyOutputSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = AttendeeReply
        fields = [
            "id",
            "interview",
            "method",
            "attendee_email",
            "sequence",
            "partstat",
            "proposed_start",
            "proposed_end",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return "recorded" if obj.applied else "ignored"


class ReplyInputSerializer(BodySerializer):
    calendar = serializers.CharField(help_text="The text/calendar part, when it is posted as JSON.")


class InterviewRepliesApi(APIView):
    """Inbound iTIP REPLY or COUNTER (`Content-Type: text/calendar`), as the organizer mailbox's inbound
    mail webhook posts it. Authenticate as a service user in the HR group (`Authorization: Token ...`).
    Matched on UID and attendee address; a reply to an older SEQUENCE is kept but ignored (`status`)."""

    parser_classes = [CalendarParser, JSONParser]

    @extend_schema(
        request={"text/calendar": OpenApiTypes.BINARY, "application/json": ReplyInputSerializer},
        responses={200: ReplyOutputSerializer, 400: OpenApiResponse(description="Not an iTIP REPLY or COUNTER.")},
    )
    def post(self, request):
        if not roles.is_hr_user(request.user):
            raise errors.PermissionDenied("Only the HR mail integration may post replies.")
        body = request.data
        if isinstance(body, dict):
            data = ReplyInputSerializer(data=body)
            data.is_valid(raise_exception=True)
            body = data.validated_data["calendar"]
        if not body:
            raise errors.InvalidInput(fields={"calendar": ["Send the text/calendar part as the body."]})
        record = interview_actions.exit_interview_record_reply(data=body)
        return Response(ReplyOutputSerializer(record).data)


# --- the interviewer's calendar feed


class FeedUrlApi(APIView):
    """Your interview calendar feed. GET says whether one is active; POST issues a new secret URL
    (shown once; any earlier URL stops working); DELETE revokes it."""

    @extend_schema(responses=inline_serializer("FeedStatus", {"active": serializers.BooleanField()}))
    def get(self, request):
        return Response({"active": selectors.calendar_feed_active(user=request.user)})

    @extend_schema(request=EmptyBody, responses=inline_serializer("FeedUrl", {"url": serializers.URLField()}))
    def post(self, request):
        EmptyBody(data=request.data).is_valid(raise_exception=True)
        token = interview_actions.calendar_feed_rotate(user=request.user)
        return Response({"url": f"{settings.SITE_URL}/api/v1/calendar/feeds/{token}.ics"})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        interview_actions.calendar_feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedApi(APIView):
    """An interviewer's interviews as a subscribable .ics feed; the secret URL is the credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [CalendarRenderer, JSONRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    def get(self, request, token: str):
        owner = interview_actions.calendar_feed_owner(token=token)
        if owner is None:
            raise errors.NotFound("No such feed.")
        language = people.user_language(owner)
        meetings = [
            interview_renderers.interview_meeting(
                interview, language=language, attendees=(), cancelled=interview.state in ("cancelled", "declined")
            )
            for interview in selectors.interviews_for_feed(user=owner)
        ]
        body = build_feed(meetings, name=interview_renderers.SUMMARY.get(language, "Exit interviews"))
        return _ics_response(body, method=None, filename="interviews.ics")
