"""Django admin for HR: employees, departures (through the same actions as the API) and the audit trail."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect

from core import errors
from offboarding.actions import departures as departure_actions
from offboarding.actions import employees as employee_actions
from offboarding.models import OPEN_STATES, Departure, DepartureHistory, Employee, EmployeeChange


class AdminActionRefused(Exception):
    """An action refused an admin save; the admin shows the message and the form again."""


class ActionAdmin(admin.ModelAdmin):
    """An admin whose saves run actions: a refusal (lost to a concurrent change after the form was checked)
    is shown as a message, nothing is written, and the form opens again."""

    def refuse(self, request, exc: errors.ApplicationError):
        self.message_user(request, f"Not saved: {exc.message}", level=messages.ERROR)
        raise AdminActionRefused from exc

    def add_view(self, request, form_url="", extra_context=None):
        return self._refusable(super().add_view, request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._refusable(super().change_view, request, object_id, form_url, extra_context)

    def _refusable(self, view, request, *args):
        try:
            return view(request, *args)
        except AdminActionRefused:
            return HttpResponseRedirect(request.get_full_path())


class EmployeeAdminForm(forms.ModelForm):
    """The login is not a field here: `link_login` is offered to HR with the link-login permission and
    applied through the audited action, like every other path."""

    link_login = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text="Link this login to the employee (audited; needs the link-login permission).",
    )

    class Meta:
        model = Employee
        fields = list(Employee.REGISTER_FIELDS)


class EmployeeChangeInline(admin.TabularInline):
    model = EmployeeChange
    fk_name = "employee"
    extra = 0
    can_delete = False
    fields = ["at", "field", "old_value", "new_value", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Employee)
class EmployeeAdmin(ActionAdmin):
    """Edits go through the employee actions: a new manager re-checks open interviews, a login is linked
    only by the audited action, and nobody edits their own reporting line or login."""

    form = EmployeeAdminForm
    list_display = ["name", "external_id", "email", "department", "manager", "country", "time_zone"]
    list_filter = ["department", "country", "language"]
    search_fields = ["name", "external_id", "email"]
    autocomplete_fields = ["manager"]
    readonly_fields = ["user"]
    list_select_related = ["manager"]
    inlines = [EmployeeChangeInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.has_perm(employee_actions.LINK_LOGIN_PERMISSION) and "link_login" in form.base_fields:
            del form.base_fields["link_login"]
        return form

    def get_fields(self, request, obj=None):
        fields = [name for name in super().get_fields(request, obj) if name != "link_login"]
        if request.user.has_perm(employee_actions.LINK_LOGIN_PERMISSION):
            fields.append("link_login")
        return fields

    def save_model(self, request, obj, form, change):
        login = form.cleaned_data.get("link_login")
        try:
            if change:
                data = {name: form.cleaned_data[name] for name in form.changed_data if name != "link_login"}
                if data:
                    employee_actions.employee_update(employee=obj, actor=request.user, data=data)
            else:
                fields = {name: value for name, value in form.cleaned_data.items() if name != "link_login"}
                obj.pk = employee_actions.employee_create(actor=request.user, **fields).pk
            if login is not None:
                employee_actions.employee_link_user(
                    employee=obj, user=login, actor=request.user, note="Linked in the admin"
                )
        except errors.ApplicationError as exc:
            self.refuse(request, exc)


class DepartureHistoryInline(admin.TabularInline):
    model = DepartureHistory
    extra = 0
    can_delete = False
    fields = ["at", "subject", "transition", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class DepartureAdminForm(forms.ModelForm):
    class Meta:
        model = Departure
        fields = ["employee", "kind", "notice_date", "last_working_day", "reason", "rehire_eligible"]

    def clean(self):
        data = super().clean()
        employee = data.get("employee")
        if self.instance.pk is None and employee is not None:
            if Departure.objects.filter(employee=employee, state__in=OPEN_STATES).exists():
                raise forms.ValidationError("This employee already has an open departure.")
        return data

    def validate_constraints(self):
        pass  # the one-open-departure rule is checked above with a clear message, and again by the action


@admin.register(Departure)
class DepartureAdmin(ActionAdmin):
    """Adding and editing run the same actions as the API (checklist, history, emails); states change
    only through transitions (the API and the pages), and a departure is cancelled, never deleted."""

    form = DepartureAdminForm
    list_display = ["employee", "kind", "notice_date", "last_working_day", "state", "interview_outcome"]
    list_filter = ["state", "kind", "employee__department"]
    search_fields = ["employee__name", "employee__external_id"]
    readonly_fields = ["state", "interview_outcome", "workflow", "created_by", "created_at", "completed_at"]
    list_select_related = ["employee"]
    autocomplete_fields = ["employee"]
    inlines = [DepartureHistoryInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # who leaves is fixed once started; a mistake is cancelled, not re-pointed
            return [*self.readonly_fields, "employee"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        try:
            if change:
                data = {name: form.cleaned_data[name] for name in form.changed_data}
                if data:
                    departure_actions.departure_update(departure=obj, actor=request.user, data=data)
            else:
                started = departure_actions.departure_start(
                    actor=request.user, note="Started in the admin", **form.cleaned_data
                )
                obj.pk = started.pk
        except errors.ApplicationError as exc:
            self.refuse(request, exc)


@admin.register(DepartureHistory)
class DepartureHistoryAdmin(admin.ModelAdmin):
    list_display = ["at", "departure", "subject", "transition", "from_state", "to_state", "actor_label"]
    list_filter = ["subject", "transition"]
    list_select_related = ["departure__employee"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
