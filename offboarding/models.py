"""Employees, departures and the departure state machine with its audit trail."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from offboarding import access


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def validate_country(value: str) -> None:
    import holidays

    if len(value) != 2 or not value.isupper() or value not in holidays.list_supported_countries():
        raise ValidationError(
            _("%(value)s is not a supported ISO 3166-1 alpha-2 country code."), params={"value": value}
        )


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SWEDISH = "sv", "Svenska"


class Employee(models.Model):
    """A person in the organisation, as the HR system knows them."""

    # What HR edits in the people register (the API and the admin); the login is linked by its own
    # audited action, never edited as a field.
    REGISTER_FIELDS = (
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
    )

    external_id = models.CharField(_("HRIS id"), max_length=64, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(_("work email"), unique=True)
    personal_email = models.EmailField(blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    department = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, default="SE", validators=[validate_country])
    time_zone = models.CharField(max_length=64, default="Europe/Stockholm", validators=[validate_time_zone])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    # Working hours in the employee's own time zone: reminders and meetings stay inside them.
    work_starts = models.TimeField(default=datetime.time(9, 0))
    work_ends = models.TimeField(default=datetime.time(17, 0))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The people register's order (offboarding.selectors.employee_list).
            models.Index(fields=["name", "id"], name="employee_list_idx"),
            # The departures list's department filter starts from the department's people.
            models.Index(fields=["department"], name="employee_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(manager=models.F("id")), name="employee_not_own_manager"),
        ]
        # Linking a login makes that login "the employee" (who reads their own answers): a right of its own.
        permissions = [("link_employee_login", "Can link a login to an employee record")]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    @property
    def first_name(self) -> str:
        """How emails greet the person; HR systems give one display name, so its first word."""
        return self.name.split(" ")[0]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def management_chain(self) -> list[Employee]:
        """The manager, their manager, and so on up; cycles in bad HR data stop the walk."""
        chain, seen, current = [], {self.pk}, self.manager
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.manager
        return chain


class DepartureKind(models.TextChoices):
    RESIGNATION = "resignation", _("Resignation")
    TERMINATION = "termination", _("Termination")
    RETIREMENT = "retirement", _("Retirement")
    END_OF_CONTRACT = "end_of_contract", _("End of contract")


class ReasonCategory(models.TextChoices):
    """The managed list of reasons for leaving, shared by departures, interviews and reports."""

    CAREER = "career", _("Career progression")
    COMPENSATION = "compensation", _("Pay and benefits")
    MANAGER = "manager", _("Relationship with manager")
    WORKLOAD = "workload", _("Workload and stress")
    CULTURE = "culture", _("Culture and values")
    WORK_LIFE = "work_life", _("Work-life balance")
    RELOCATION = "relocation", _("Relocation")
    PERSONAL = "personal", _("Personal or family reasons")
    STUDIES = "studies", _("Studies")
    RETIREMENT = "retirement", _("Retirement")
    PERFORMANCE = "performance", _("Performance")
    RESTRUCTURING = "restructuring", _("Restructuring or redundancy")
    CONTRACT_END = "contract_end", _("Contract ended")
    OTHER = "other", _("Other")


class DepartureState(models.TextChoices):
    NOTICE = "notice", _("Notice received")
    APPROVED = "approved", _("Approved")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Exit interview scheduled")
    INTERVIEW_DONE = "interview_done", _("Exit interview done")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class InterviewOutcome(models.TextChoices):
    NONE = "", _("Not yet")
    HELD = "held", _("Held")
    DECLINED = "declined", _("Declined by the employee")
    WAIVED = "waived", _("Waived by HR")
    NO_SHOW = "no_show", _("Employee did not attend")


OPEN_STATES = [
    DepartureState.NOTICE,
    DepartureState.APPROVED,
    DepartureState.INTERVIEW_SCHEDULED,
    DepartureState.INTERVIEW_DONE,
]


class DepartureTally(models.Model):
    """How many departures there are, kept by PostgreSQL itself so the departures list's total is a sum
    over a handful of rows instead of a count over every departure.

    Triggers on the departures table (migration 0004) add one row per statement with the number of
    departures it inserted or deleted, folding the rows no other transaction is busy with into it, and
    empty this table when the departures table is truncated. The rows change in the same transaction
    as the departures, so every snapshot sees a sum equal to its own COUNT(*). Never written by Django."""

    change = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.change:+d} departures"

    TOTAL_SQL = "SELECT COALESCE(SUM(change), 0)::bigint FROM offboarding_departuretally"

    @classmethod
    def total(cls, using: str) -> int:
        with connections[using].cursor() as cursor:
            cursor.execute(cls.TOTAL_SQL)
            return cursor.fetchone()[0]


def _counts_every_row(query) -> bool:
    """Whether a query counts the whole table: nothing filters, groups, limits or combines its rows."""
    return not (
        query.where
        or query.distinct
        or query.is_sliced
        or query.combinator
        or query.group_by is not None
        or query.annotations
        or query.extra
        or query.extra_tables
    )


class DepartureQuerySet(models.QuerySet):
    def is_tallied(self) -> bool:
        """Whether this queryset holds every departure, so that the tally counts it (PostgreSQL)."""
        return connections[self.db].vendor == "postgresql" and _counts_every_row(self.query)

    def count(self) -> int:
        # HR's unfiltered list counts every departure on each page: at 100,000 that COUNT(*) would
        # cost more than the rest of the request, so the database's own tally answers it instead.
        if self._result_cache is None and self.is_tallied():
            return DepartureTally.total(using=self.db)
        return super().count()

    def with_total(self) -> DepartureQuerySet:
        """A tallied queryset with the tally's total as the last column of every row (one query for
        a page and the number of pages)."""
        assert self.is_tallied()
        return self.annotate(total=RawSQL(DepartureTally.TOTAL_SQL, ()))


class Departure(models.Model):
    """One person leaving: from notice, through the exit interview, to completion."""

    S = DepartureState

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="departures")
    kind = models.CharField(max_length=20, choices=DepartureKind.choices)
    notice_date = models.DateField()
    last_working_day = models.DateField()
    reason = models.CharField(max_length=20, choices=ReasonCategory.choices, blank=True)
    # HR's judgement; never shown to the manager, the employee or other assignees.
    rehire_eligible = models.BooleanField(null=True, blank=True)
    state = FSMField(default=S.NOTICE, choices=S.choices, protected=False)
    interview_outcome = models.CharField(
        max_length=10, choices=InterviewOutcome.choices, blank=True, default=InterviewOutcome.NONE
    )
    workflow = models.OneToOneField(
        "workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL, related_name="departure"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = DepartureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["last_working_day"]),
            models.Index(fields=["state"], name="departure_state_idx"),
            # The departures list's order (offboarding.selectors.departure_list): newest first, paged.
            models.Index(fields=["-created_at", "-id"], name="departure_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_working_day__gte=models.F("notice_date")),
                name="departure_last_day_not_before_notice",
            ),
            # One open departure per person: a second resignation is a data error, not a new case.
            models.UniqueConstraint(
                fields=["employee"],
                condition=models.Q(state__in=OPEN_STATES),
                name="one_open_departure_per_employee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee.name}: {self.get_kind_display()} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- conditions (pure: they read state, they write nothing)

    def last_day_reached(self) -> bool:
        today = timezone.now().astimezone(self.employee.tzinfo).date()
        return today >= self.last_working_day

    def required_steps_done(self) -> bool:
        if self.workflow_id is None:
            return True
        # A list page reads the answer for all its departures in one query (transitions.available_transitions_on_page).
        known = self.__dict__.get("_open_required_steps")
        if known is not None:
            return not known
        return not self.workflow.open_required_steps().exists()

    def completion_blockers(self) -> list[str]:
        blockers = []
        if not self.last_day_reached():
            blockers.append("The last working day has not been reached.")
        if not self.required_steps_done():
            blockers.append("Required steps are not done.")
        return blockers

    # --- transitions; permissions come from offboarding.access, side effects from actions

    @transition(field=state, source=S.NOTICE, target=S.APPROVED, permission=access.can_approve_departure)
    def approve(self) -> None:
        pass

    @transition(field=state, source=S.APPROVED, target=S.INTERVIEW_SCHEDULED, permission=access.can_manage_interview)
    def schedule_interview(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.APPROVED, S.INTERVIEW_SCHEDULED],
        target=S.INTERVIEW_DONE,
        permission=access.can_manage_interview,
    )
    def finish_interview(self, outcome: str = InterviewOutcome.HELD) -> None:
        self.interview_outcome = outcome

    @transition(field=state, source=S.INTERVIEW_SCHEDULED, target=S.APPROVED, permission=access.can_manage_interview)
    def unschedule_interview(self) -> None:
        """The scheduled interview was cancelled; another may be scheduled."""

    @transition(field=state, source=S.APPROVED, target=S.INTERVIEW_DONE, permission=access.is_hr)
    def waive_interview(self) -> None:
        self.interview_outcome = InterviewOutcome.WAIVED

    @transition(
        field=state,
        source=S.INTERVIEW_DONE,
        target=S.COMPLETED,
        permission=access.is_hr,
        conditions=[last_day_reached, required_steps_done],
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=S.INTERVIEW_DONE, target=S.COMPLETED, permission=access.can_override_completion)
    def complete_with_override(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=S.CANCELLED, permission=access.is_hr)
    def cancel(self) -> None:
        pass


class DepartureHistory(models.Model):
    """The audit trail: one row per transition of the departure or of its exit interview."""

    departure = models.ForeignKey(Departure, on_delete=models.CASCADE, related_name="history")
    subject = models.CharField(max_length=20, default="departure")  # departure | interview | ...
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)  # kept when the user is deleted
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "departure history"

    def __str__(self) -> str:
        return f"{self.subject} {self.transition}: {self.from_state} → {self.to_state}"


class EmployeeChange(models.Model):
    """The audit trail of changes to who a person is to the system: their login and reporting line."""

    class Field(models.TextChoices):
        LOGIN = "user", _("Login")
        MANAGER = "manager", _("Manager")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20, choices=Field.choices)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.employee}: {self.field} {self.old_value or '-'} → {self.new_value or '-'}"
