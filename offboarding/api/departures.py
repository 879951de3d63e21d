"""Departures: HR starts them, each role sees its scope, transitions by permission."""

from __future__ import annotations

import datetime

import django_filters
from django.core.paginator import Page, Paginator
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import ISO_8601, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import errors, roles
from core.api import BodySerializer, Pagination
from core.rows import compiled_rows_sql, sql_rows, values_rows
from offboarding import access, selectors, steps, transitions
from offboarding.actions import departures as departure_actions
from offboarding.api.permissions import IsHR
from offboarding.api.serializers import DepartureTermsSerializer, EmployeeBriefSerializer, dates_within_reason
from offboarding.models import Departure, DepartureKind, DepartureState, Employee, ReasonCategory


class DepartureFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=DepartureState.choices)
    kind = django_filters.MultipleChoiceFilter(choices=DepartureKind.choices)
    employee = django_filters.NumberFilter(field_name="employee_id")
    department = django_filters.CharFilter(field_name="employee__department")
    last_working_day_after = django_filters.DateFilter(field_name="last_working_day", lookup_expr="gte")
    last_working_day_before = django_filters.DateFilter(field_name="last_working_day", lookup_expr="lte")

    class Meta:
        model = Departure
        fields: list = []


class DepartureOutputSerializer(serializers.ModelSerializer):
    """What a caller sees of a departure; HR-only and role-specific fields are dropped per caller."""

    employee = EmployeeBriefSerializer(read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Departure
        fields = [
            "id",
            "employee",
            "kind",
            "notice_date",
            "last_working_day",
            "reason",
            "rehire_eligible",
            "state",
            "interview_outcome",
            "available_transitions",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_available_transitions(self, obj) -> list[str]:
        return transitions.available_transitions(departure=obj, user=self.context["request"].user)

    def to_representation(self, instance):
        return hr_only_fields_dropped(super().to_representation(instance), instance, self.context["request"].user)


def hr_only_fields_dropped(data: dict, departure, user) -> dict:
    """Rehire eligibility is HR's judgement; the reason per person is what the k-anonymous report exists
    to hide. Neither is shown to managers, other assignees or the leaver (every departure shape)."""
    if _hides_hr_only_fields(user, is_subject=access.is_subject(departure, user)):
        data.pop("rehire_eligible", None)
        data.pop("reason", None)
    return data


def _hides_hr_only_fields(user, *, is_subject: bool) -> bool:
    return not roles.is_hr_user(user) or is_subject


class DepartureListSerializer(DepartureOutputSerializer):
    """The list's rows: the same fields and values as DepartureOutputSerializer (checked equal in the tests).

    Describes the rows for the schema; DepartureListApi builds them from the page's columns
    (departure_rows), since walking DRF's fields for up to 200 rows costs more than the query."""


# The columns a list row is built from, in departure_rows' order; the first six are what
# transitions.available_transitions_on_page reads (its PAGE_FIELDS and the leaver's time zone).
ROW_COLUMNS = (
    *transitions.PAGE_FIELDS,
    "employee__time_zone",
    "employee__external_id",
    "employee__name",
    "employee__department",
    "kind",
    "notice_date",
    "reason",
    "rehire_eligible",
    "interview_outcome",
    "created_at",
    "updated_at",
    "completed_at",
)


def _date_format():
    """DRF's DateField.to_representation, without its per-value checks when the format is ISO 8601."""
    if api_settings.DATE_FORMAT is None or api_settings.DATE_FORMAT.lower() != ISO_8601:
        return serializers.DateField().to_representation
    return datetime.date.isoformat


def _moment_format():
    """DRF's DateTimeField.to_representation (ISO 8601 in the current time zone, UTC as "Z"), the time
    zone looked up once per page instead of for every value."""
    field = serializers.DateTimeField()
    zone = field.default_timezone()
    if api_settings.DATETIME_FORMAT is None or api_settings.DATETIME_FORMAT.lower() != ISO_8601 or zone is None:
        return field.to_representation

    def moment(value):
        if value is None:
            return None
        if value.tzinfo is None:  # never read so from the database (USE_TZ): DRF's way, whatever it is
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def utc_moment(value):
        # In UTC every moment ends "+00:00": no need to look up or search for it.
        if value is None or value.tzinfo is None:
            return moment(value)
        if value.tzinfo is not datetime.UTC:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()[:-6] + "Z"

    return utc_moment if _is_utc(zone) else moment


def _is_utc(zone) -> bool:
    return zone is datetime.UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")


def _native_moments() -> bool:
    """Whether dates and moments may stay objects for the renderer to write (core.drf.JSONRenderer,
    native_moments): when DRF would write them in ISO 8601 and the current time zone is UTC."""
    iso = all(f is not None and f.lower() == ISO_8601 for f in (api_settings.DATE_FORMAT, api_settings.DATETIME_FORMAT))
    return iso and _is_utc(serializers.DateTimeField().default_timezone())


def _as_is(value):
    return value


def _utc_object(value):
    # An aware moment in UTC, left for the renderer; read from PostgreSQL it already is one.
    if value is None or value.tzinfo is datetime.UTC:
        return value
    if value.tzinfo is None:  # never read so from the database (USE_TZ): DRF's way, whatever it is
        return serializers.DateTimeField().to_representation(value)
    return value.astimezone(datetime.UTC)


def departure_rows(rows: list[tuple], *, user, using: str = "default", native: bool = False) -> list[dict]:
    """The list's rows from the ROW_COLUMNS of a page, equal to DepartureOutputSerializer's for this user.

    With `native` (see _native_moments) dates and moments stay objects for the JSON renderer."""
    date, moment = (_as_is, _utc_object) if native else (_date_format(), _moment_format())
    me = roles.employee_of(user)
    my_id = me.pk if me is not None else None
    hidden = {subject: _hides_hr_only_fields(user, is_subject=subject) for subject in (False, True)}
    available = transitions.available_transitions_on_page(rows=rows, user=user, using=using)
    result = []
    for row, names in zip(rows, available, strict=True):
        (
            pk,
            employee_id,
            last_working_day,
            state,
            _workflow,
            _time_zone,
            external_id,
            name,
            department,
            kind,
            notice_date,
            reason,
            rehire_eligible,
            interview_outcome,
            created_at,
            updated_at,
            completed_at,
        ) = row
        data = {
            "id": pk,
            "employee": {"id": employee_id, "external_id": external_id, "name": name, "department": department},
            "kind": kind,
            "notice_date": date(notice_date),
            "last_working_day": date(last_working_day),
            "reason": reason,
            "rehire_eligible": rehire_eligible,
            "state": state,
            "interview_outcome": interview_outcome,
            "available_transitions": names,
            "created_at": moment(created_at),
            "updated_at": moment(updated_at),
            "completed_at": moment(completed_at),
        }
        if hidden[employee_id == my_id]:
            del data["rehire_eligible"], data["reason"]
        result.append(data)
    return result


class HistorySerializer(serializers.Serializer):
    subject = serializers.CharField()
    transition = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    note = serializers.CharField()
    at = serializers.DateTimeField()


class DepartureDetailSerializer(DepartureOutputSerializer):
    history = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta(DepartureOutputSerializer.Meta):
        fields = [*DepartureOutputSerializer.Meta.fields, "history", "steps"]
        read_only_fields = fields

    def get_history(self, obj) -> list[dict]:
        return HistorySerializer(obj.history.all(), many=True).data

    def get_steps(self, obj) -> list[dict]:
        return steps.departure_steps_summary(departure=obj, user=self.context["request"].user)


class DepartureInputSerializer(DepartureTermsSerializer):
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all())
    rehire_eligible = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DepartureUpdateSerializer(BodySerializer):
    unknown_field_message = "This field cannot be changed."

    kind = serializers.ChoiceField(choices=DepartureKind.choices, required=False)
    notice_date = serializers.DateField(required=False)
    last_working_day = serializers.DateField(required=False)
    reason = serializers.ChoiceField(choices=ReasonCategory.choices, required=False, allow_blank=True)
    rehire_eligible = serializers.BooleanField(required=False, allow_null=True)
    backdated = serializers.BooleanField(required=False, help_text="Allow a last working day in the past.")

    def validate_notice_date(self, value):
        return dates_within_reason(value)

    def validate_last_working_day(self, value):
        return dates_within_reason(value)

    def validate(self, attrs):
        backdated = attrs.pop("backdated", False)
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Nothing to change."]})
        if "last_working_day" in attrs and attrs["last_working_day"] < timezone.localdate() and not backdated:
            raise serializers.ValidationError(
                {"last_working_day": ["The last working day has passed: set backdated to move it there."]}
            )
        return attrs


class TransitionInputSerializer(BodySerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    override = serializers.BooleanField(
        required=False, default=False, help_text="complete only: HR overrides unmet conditions (a note is required)."
    )


_EVERY_DEPARTURE_PAGE_SQL: dict[tuple, str | None] = {}


def _every_departure_page_sql(queryset) -> str | None:
    """The SQL of a page of every departure with the tally's total, compiled once per process.

    Such a queryset filters nothing (is_tallied), so its SQL is the same text for every request
    with the same columns and order, but for LIMIT and OFFSET, which are parameters here: building
    and compiling it each time cost a tenth of the request."""
    query = queryset.query
    key = (queryset.db, query.values_select, query.order_by, repr(query.select_related), query.default_ordering)
    if key not in _EVERY_DEPARTURE_PAGE_SQL:
        _EVERY_DEPARTURE_PAGE_SQL[key] = compiled_rows_sql(queryset.with_total())
    return _EVERY_DEPARTURE_PAGE_SQL[key]


class _RowsPaginator(Paginator):
    """Pages of values_list() rows, read by core.rows.values_rows. A page of every departure reads
    the tally's total with its rows, in one query and one snapshot, before the page number is checked
    against it (an empty page counts on its own, as Django's paginator does)."""

    def page(self, number):
        try:
            first = (int(number) - 1) * self.per_page
        except (TypeError, ValueError):
            first = -1
        if first < 0 or self.orphans or not self.object_list.is_tallied():
            return super().page(number)
        sql = _every_departure_page_sql(self.object_list)
        if sql is None:
            rows = values_rows(self.object_list.with_total()[first : first + self.per_page])
        else:
            rows = sql_rows(sql, limit=self.per_page, offset=first, using=self.object_list.db)
        if rows:
            self.__dict__["count"] = rows[0][-1]  # the cached_property Paginator.count
        return Page([row[:-1] for row in rows], self.validate_number(number), self)

    def _get_page(self, object_list, number, paginator):
        return super()._get_page(values_rows(object_list), number, paginator)


class _RowsPagination(Pagination):
    django_paginator_class = _RowsPaginator


class DepartureListApi(GenericAPIView):
    """List the departures in your scope, or (HR) start a new one."""

    serializer_class = DepartureListSerializer
    pagination_class = _RowsPagination
    filterset_class = DepartureFilter

    def get_queryset(self):
        return selectors.departure_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # Asked for no filter, DepartureFilter (each of its filters read from the parameter of its
        # name) would return the queryset as it is, after building its form: skip that.
        if not self.request.query_params.keys() & DepartureFilter.base_filters.keys():
            return queryset
        return super().filter_queryset(queryset)

    @extend_schema(operation_id="departures_list", responses=DepartureOutputSerializer(many=True))
    def get(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs.values_list(*ROW_COLUMNS))
        native = _native_moments()
        response = self.get_paginated_response(departure_rows(page, user=request.user, using=qs.db, native=native))
        response.native_moments = native
        return response

    @extend_schema(request=DepartureInputSerializer, responses={201: DepartureDetailSerializer})
    def post(self, request):
        if not IsHR().has_permission(request, self):
            raise errors.PermissionDenied("Only HR may start a departure.")
        data = DepartureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        departure = departure_actions.departure_start(actor=request.user, **data.validated_data)
        departure = selectors.departure_get(user=request.user, pk=departure.pk)
        return Response(
            DepartureDetailSerializer(departure, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class DepartureDetailApi(GenericAPIView):
    """One departure: its state, what you may do next, its history and checklist."""

    serializer_class = DepartureDetailSerializer

    def get(self, request, pk: int):
        departure = selectors.departure_get(user=request.user, pk=pk)
        return Response(DepartureDetailSerializer(departure, context={"request": request}).data)

    @extend_schema(request=DepartureUpdateSerializer, responses=DepartureDetailSerializer)
    def patch(self, request, pk: int):
        departure = selectors.departure_get(user=request.user, pk=pk)
        if not access.is_hr(departure, request.user):
            raise errors.PermissionDenied("Only HR may change a departure.")
        data = DepartureUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        departure_actions.departure_update(departure=departure, actor=request.user, data=data.validated_data)
        departure = selectors.departure_get(user=request.user, pk=pk)
        return Response(DepartureDetailSerializer(departure, context={"request": request}).data)


class DepartureTransitionApi(GenericAPIView):
    """Run a transition: `approve`, `cancel`, `complete` (HR; `override` with a note), `waive_interview`.

    409 when the transition is not allowed in the current state or was lost to a concurrent one."""

    serializer_class = DepartureDetailSerializer

    @extend_schema(
        operation_id="departures_transition",
        request=TransitionInputSerializer,
        responses=DepartureDetailSerializer,
        parameters=[
            OpenApiParameter("transition", str, OpenApiParameter.PATH, enum=list(transitions.PUBLIC_TRANSITIONS))
        ],
    )
    def post(self, request, pk: int, transition: str):
        if transition not in transitions.PUBLIC_TRANSITIONS:
            raise errors.NotFound(f"There is no transition called {transition!r}.")
        departure = selectors.departure_get(user=request.user, pk=pk)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        departure_actions.departure_run_transition(
            departure=departure, name=transition, actor=request.user, **data.validated_data
        )
        departure = selectors.departure_get(user=request.user, pk=pk)
        return Response(DepartureDetailSerializer(departure, context={"request": request}).data)
