"""The confidential answers API, the shared-with-manager view, guides, follow-up survey links and
the reasons report. Views validate and delegate; who may see what lives in the selectors."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors, roles
from core.api import BodySerializer
from core.drf import JSONParser
from offboarding.actions import answers
from offboarding.actions import reports as report_actions
from offboarding.feedback import reports, selectors
from offboarding.feedback.models import RATING_NAMES
from offboarding.models import ReasonCategory

LANGUAGE_PARAM = OpenApiParameter("language", str, enum=["en", "sv"], description="Language of the guide texts.")


def _language(request) -> str | None:
    value = request.query_params.get("language")
    return value if value in ("en", "sv") else None


class ReasonsSerializer(serializers.Serializer):
    primary = serializers.ChoiceField(choices=ReasonCategory.choices, allow_blank=True, required=False)
    secondary = serializers.ChoiceField(choices=ReasonCategory.choices, allow_blank=True, required=False)


RatingsSerializer = inline_serializer(
    "Ratings", {name: serializers.IntegerField(min_value=1, max_value=5, allow_null=True) for name in RATING_NAMES}
)


class AnswerOutputSerializer(serializers.Serializer):
    question = serializers.CharField()
    text = serializers.CharField()
    share_with_manager = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    guidance = serializers.CharField()
    questions = QuestionSerializer(many=True)


class ResponsesApi(APIView):
    """The confidential answers of one exit interview.

    Readable and writable by the assigned interviewer, HR holding `feedback.view_confidential_answers`
    and the employee (their own: before the interview as a questionnaire, or in writing after declining
    it). HR without the permission get 403; everyone else 404. `notes` are shown to the interviewer and
    HR only. Every read is logged (who, when, which interview), never what was read."""

    @extend_schema_serializer(component_name="InterviewResponsesInput")
    class InputSerializer(BodySerializer):
        class AnswerInput(BodySerializer):
            question = serializers.CharField(max_length=80)
            text = serializers.CharField(allow_blank=True, max_length=20000, trim_whitespace=False)
            share_with_manager = serializers.BooleanField(default=False)

        answers = AnswerInput(many=True, required=False)
        reasons = serializers.DictField(required=False, help_text="{primary, secondary}: ReasonCategory values")
        ratings = serializers.DictField(required=False, help_text=f"1..5 for any of: {', '.join(RATING_NAMES)}")
        would_recommend = serializers.BooleanField(required=False, allow_null=True)
        would_return = serializers.BooleanField(required=False, allow_null=True)
        notes = serializers.CharField(required=False, allow_blank=True, max_length=20000, trim_whitespace=False)

    @extend_schema_serializer(component_name="InterviewResponsesOutput")
    class OutputSerializer(serializers.Serializer):
        interview = serializers.IntegerField()
        interview_state = serializers.CharField()
        role = serializers.ChoiceField(choices=["employee", "interviewer", "hr"])
        guide = inline_serializer("GuideRef", {"version": serializers.IntegerField(), "name": serializers.CharField()})
        language = serializers.CharField()
        sections = SectionSerializer(many=True)
        answers = AnswerOutputSerializer(many=True)
        reasons = ReasonsSerializer()
        ratings = RatingsSerializer
        would_recommend = serializers.BooleanField(allow_null=True)
        would_return = serializers.BooleanField(allow_null=True)
        text_purged = serializers.BooleanField()
        employee_submitted_at = serializers.DateTimeField(allow_null=True)
        notes = serializers.CharField(required=False, help_text="Interviewer and HR only.")
        follow_ups = inline_serializer(
            "FollowUpAnswers",
            {
                "offset_days": serializers.IntegerField(),
                "state": serializers.CharField(),
                "answered_at": serializers.DateTimeField(allow_null=True),
                "reasons": ReasonsSerializer(),
                "ratings": RatingsSerializer,
                "would_recommend": serializers.BooleanField(allow_null=True),
                "would_return": serializers.BooleanField(allow_null=True),
                "addition": serializers.CharField(),
            },
            many=True,
        )

    @extend_schema(operation_id="interview_responses_get", parameters=[LANGUAGE_PARAM], responses=OutputSerializer)
    def get(self, request, pk: int):
        interview = selectors.interview_for_answers(pk=pk)
        data = selectors.interview_response_read(
            interview=interview, user=request.user, purpose="api.responses.get", language=_language(request)
        )
        return Response(data)

    @extend_schema(
        operation_id="interview_responses_put",
        parameters=[LANGUAGE_PARAM],
        request=InputSerializer,
        responses=OutputSerializer,
    )
    def put(self, request, pk: int):
        interview = selectors.interview_for_answers(pk=pk)
        selectors.answers_role(interview=interview, user=request.user)  # 403/404 before any validation
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers.interview_response_write(
            interview=interview, actor=request.user, provided=frozenset(request.data), **data.validated_data
        )
        result = selectors.interview_response_read(
            interview=interview, user=request.user, purpose="api.responses.put", language=_language(request)
        )
        return Response(result)


class SharedApi(APIView):
    """The answers the employee chose to share with their manager, attributed to them.

    For the employee's managers (and those who may read all answers); everyone else 404, HR without
    the confidential-answers permission 403."""

    @extend_schema_serializer(component_name="InterviewSharedOutput")
    class OutputSerializer(serializers.Serializer):
        interview = serializers.IntegerField()
        interview_state = serializers.CharField()
        employee = inline_serializer(
            "SharedEmployee", {"id": serializers.IntegerField(), "name": serializers.CharField()}
        )
        answers = inline_serializer(
            "SharedAnswer",
            {
                "question": serializers.CharField(),
                "question_text": serializers.CharField(),
                "text": serializers.CharField(),
            },
            many=True,
        )

    @extend_schema(operation_id="interview_shared_get", parameters=[LANGUAGE_PARAM], responses=OutputSerializer)
    def get(self, request, pk: int):
        interview = selectors.interview_for_answers(pk=pk)
        return Response(
            selectors.interview_shared_read(interview=interview, user=request.user, language=_language(request))
        )


class GuideListApi(APIView):
    """The interview guide's versions (newest first); HR publishes a new version with POST."""

    @extend_schema_serializer(component_name="GuideInput")
    class InputSerializer(BodySerializer):
        content = serializers.JSONField(
            help_text='{"name", "sections": [{"key", "title": {"en","sv"}, "guidance": {"en","sv"}, '
            '"questions": [{"key", "text": {"en","sv"}}]}]}'
        )
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    @extend_schema_serializer(component_name="GuideOutput")
    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        content = serializers.JSONField()
        note = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(operation_id="guides_list", responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(selectors.guide_list(), many=True).data)

    @extend_schema(operation_id="guides_create", request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        if not roles.is_hr_user(request.user):
            raise errors.PermissionDenied("Only HR may publish a guide version.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guide = answers.guide_create_version(actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(guide).data, status=status.HTTP_201_CREATED)


class SurveyApi(APIView):
    """A follow-up survey behind a signed, expiring link: no login. GET says what is asked; POST answers
    once. A tampered link is 404, an expired one 410, an answered or withdrawn one 409; none changes anything.

    Browsers (Accept: text/html) get a plain form page posting the same fields form-encoded."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    template_name = "feedback/survey.html"

    @extend_schema_serializer(component_name="SurveyInput")
    class InputSerializer(BodySerializer):
        reasons = serializers.DictField(required=False)
        ratings = serializers.DictField(required=False)
        would_recommend = serializers.BooleanField(required=False, allow_null=True, default=None)
        would_return = serializers.BooleanField(required=False, allow_null=True, default=None)
        addition = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=20000, help_text="Anything you would add now."
        )

    @extend_schema_serializer(component_name="SurveyOutput")
    class OutputSerializer(serializers.Serializer):
        state = serializers.CharField()
        offset_days = serializers.IntegerField()
        reasons = serializers.ListField(child=serializers.DictField())
        ratings = serializers.ListField(child=serializers.CharField())

    def _describe(self, survey) -> dict:
        return {
            "state": survey.state,
            "offset_days": survey.offset_days,
            "reasons": [{"value": value, "label": str(label)} for value, label in ReasonCategory.choices],
            "ratings": list(RATING_NAMES),
        }

    def _page(self, request, *, survey=None, error=None, status_code=200, done=False) -> Response:
        language = survey.departure.employee.language if survey is not None else translation.get_language() or "en"
        with translation.override(language):
            reasons = [(value, str(label)) for value, label in ReasonCategory.choices]
        context = {
            "language": language,
            "survey": survey,
            "error": error,
            "done": done or (survey is not None and survey.state == "answered"),
            "reasons": reasons,
            "ratings": [(name, RATING_LABELS[name][language == "sv"]) for name in RATING_NAMES],
        }
        return Response(context, status=status_code, template_name=self.template_name)

    def _is_html(self, request) -> bool:
        return request.accepted_renderer.format == "html"

    @extend_schema(operation_id="survey_get", responses=OutputSerializer)
    def get(self, request, token: str):
        try:
            survey = selectors.survey_from_token(token)
        except errors.ApplicationError as exc:
            if self._is_html(request):
                return self._page(request, error=exc.message, status_code=exc.status)
            raise
        return self._page(request, survey=survey) if self._is_html(request) else Response(self._describe(survey))

    @extend_schema(operation_id="survey_answer", request=InputSerializer, responses=OutputSerializer)
    def post(self, request, token: str):
        survey = None
        try:
            survey = selectors.survey_from_token(token)
            payload = (
                request.data if request.content_type.startswith("application/json") else _survey_form(request.data)
            )
            data = self.InputSerializer(data=payload)
            data.is_valid(raise_exception=True)
            survey = answers.follow_up_survey_answer(survey=survey, **data.validated_data)
        except (errors.ApplicationError, serializers.ValidationError) as exc:
            if self._is_html(request):
                message = getattr(exc, "message", None) or "Please check your answers."
                return self._page(request, survey=survey, error=message, status_code=getattr(exc, "status", 400))
            raise
        return (
            self._page(request, survey=survey, done=True)
            if self._is_html(request)
            else Response(self._describe(survey))
        )


RATING_LABELS = {
    "role": ("Your role", "Din roll"),
    "work_environment": ("Work environment", "Arbetsmiljön"),
    "colleagues": ("Colleagues", "Kollegorna"),
    "manager": ("Your manager", "Din chef"),
    "development": ("Development", "Utvecklingsmöjligheter"),
    "culture": ("Culture", "Kulturen"),
    "communication": ("Communication", "Kommunikationen"),
    "leadership": ("Leadership", "Ledningen"),
}


def _survey_form(form) -> dict:
    """Turn the page's form fields into the JSON shape; blanks mean "no answer"."""
    ratings, problems = {}, {}
    for name in RATING_NAMES:
        value = (form.get(f"rating_{name}") or "").strip()
        if value:
            if not value.isdigit():
                problems[name] = ["A rating is a whole number from 1 to 5."]
            else:
                ratings[name] = int(value)
    if problems:
        raise errors.InvalidInput(fields={"ratings": problems})

    def yes_no(value):
        return {"yes": True, "no": False}.get((value or "").strip())

    return {
        "reasons": {"primary": form.get("primary_reason", ""), "secondary": form.get("secondary_reason", "")},
        "ratings": ratings,
        "would_recommend": yes_no(form.get("would_recommend")),
        "would_return": yes_no(form.get("would_return")),
        "addition": form.get("addition", ""),
    }


class ShareSerializer(serializers.Serializer):
    yes = serializers.IntegerField()
    answered = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class ReportGroupSerializer(serializers.Serializer):
    """One group; when `suppressed` is true only `key` is given (too few responses to show)."""

    key = serializers.CharField(allow_null=True)
    suppressed = serializers.BooleanField()
    responses = serializers.IntegerField(allow_null=True)
    reasons = inline_serializer(
        "ReportReasons",
        {"primary": serializers.DictField(child=serializers.IntegerField()), "secondary": serializers.DictField()},
        required=False,
    )
    ratings = serializers.DictField(child=serializers.FloatField(allow_null=True), required=False)
    would_recommend = ShareSerializer(required=False)
    would_return = ShareSerializer(required=False)
    follow_up = inline_serializer(
        "ReportFollowUp",
        {
            "due": serializers.IntegerField(),
            "answered": serializers.IntegerField(),
            "response_rate": serializers.FloatField(allow_null=True),
        },
        required=False,
    )


class ReportReleaseSerializer(serializers.Serializer):
    """One released quarter: its total and its breakdowns, as released and never revised."""

    key = serializers.CharField()
    released_at = serializers.DateTimeField()
    suppressed = serializers.BooleanField()
    total = ReportGroupSerializer()
    by_department = ReportGroupSerializer(many=True)
    by_kind = ReportGroupSerializer(many=True)


class ReasonsReportSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=reports.PERIODS)
    min_group_size = serializers.IntegerField()
    release_delay_days = serializers.IntegerField()
    total = ReportGroupSerializer()
    by_period = ReportGroupSerializer(many=True)
    releases = ReportReleaseSerializer(many=True)


class ReasonsReportApi(APIView):
    """Why people leave: k-anonymous aggregates by closed quarter, and within each by department and kind.

    HR see everyone, managers their own organisation, others 403. A quarter is released once it has
    ended and the release delay has passed, and is never revised afterwards; groups under the minimum
    size are hidden with complementary suppression, and a quarter under it is withheld. Never any free text."""

    @extend_schema(
        operation_id="reports_reasons",
        parameters=[OpenApiParameter("period", str, enum=list(reports.PERIODS), default="quarter")],
        responses=ReasonsReportSerializer,
    )
    def get(self, request):
        period = request.query_params.get("period", "quarter")
        reports.period_check(period)
        report_actions.reasons_report_release(user=request.user)
        return Response(reports.reasons_report(user=request.user, period=period))
