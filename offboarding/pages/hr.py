"""HR's pages: the pipeline, starting departures (form and CSV), scheduling interviews, overdue steps,
failed deliveries, the people register's logins, and the reasons report drawn as charts."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import errors, roles
from integrations.inbound.csv_import import csv_text_decode, departures_import_csv
from offboarding import people as person_names
from offboarding import selectors
from offboarding.actions import departures as departure_actions
from offboarding.actions import employees as employee_actions
from offboarding.actions import interviews as interview_actions
from offboarding.actions import reports as report_actions
from offboarding.api.departures import DepartureFilter
from offboarding.feedback import reports
from offboarding.feedback.models import RATING_NAMES
from offboarding.interviews import selectors as interview_selectors
from offboarding.models import DepartureKind, DepartureState, Employee, ReasonCategory
from offboarding.pages.views import _flash, back, not_found_as_404
from workflows.models import Step
from workflows.outbox.models import ActionStatus, ScheduledAction
from workflows.outbox.services import action_retry

User = get_user_model()


def hr_required(view):
    """HR pages: signed in and in the HR group; anyone else finds nothing here (404)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_hr_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@hr_required
def pipeline(request):
    """Every departure by state, filtered by state, kind, department or a name."""
    filters = {
        "state": [s for s in request.GET.getlist("state") if s],
        "kind": [k for k in request.GET.getlist("kind") if k],
        "department": request.GET.get("department", ""),
    }
    # The API's own filter set over the caller's scope: one way to filter departures.
    rows = DepartureFilter(request.GET, queryset=selectors.departure_list(user=request.user)).qs
    search = request.GET.get("q", "").strip()
    if search:
        rows = rows.filter(employee__name__icontains=search)
    counts = dict(selectors.departure_list(user=request.user).order_by().values_list("state").annotate(n=Count("id")))
    departments = Employee.objects.exclude(department="").values_list("department", flat=True).distinct()
    return render(
        request,
        "pages/pipeline.html",
        {
            "rows": rows[:300],
            "columns": [{"state": s, "label": label, "count": counts.get(s, 0)} for s, label in DepartureState.choices],
            "kinds": DepartureKind.choices,
            "states": DepartureState.choices,
            "departments": sorted(departments),
            "filters": filters,
            "q": search,
            "today": timezone.localdate(),
        },
    )


class DepartureStartForm(forms.Form):
    employee = forms.ModelChoiceField(queryset=Employee.objects.order_by("name"), label=gettext_lazy("Employee"))
    kind = forms.ChoiceField(choices=DepartureKind.choices, label=gettext_lazy("Kind"))
    notice_date = forms.DateField(label=gettext_lazy("Notice date"), widget=forms.DateInput(attrs={"type": "date"}))
    last_working_day = forms.DateField(
        label=gettext_lazy("Last working day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ChoiceField(
        choices=[("", "—"), *ReasonCategory.choices], required=False, label=gettext_lazy("Reason")
    )


@hr_required
def departure_new(request):
    """Start one departure by form."""
    form = DepartureStartForm(request.POST or None, initial={"notice_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            departure = departure_actions.departure_start(actor=request.user, **form.cleaned_data)
        except errors.ApplicationError as exc:
            for field, problems in (getattr(exc, "fields", None) or {}).items():
                form.add_error(field if field in form.fields else None, problems)
            if not getattr(exc, "fields", None):
                _flash(request, exc)
        else:
            messages.success(request, _("The departure is started and the manager asked to approve it."))
            return redirect("pages:departure", pk=departure.pk)
    return render(request, "pages/departure_new.html", {"form": form})


@hr_required
def departure_import(request):
    """Start many departures from a CSV file; the per-row report says what was created and what not."""
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV file."))
        else:
            try:
                report = departures_import_csv(text=csv_text_decode(upload.read()), actor=request.user)
            except errors.ApplicationError as exc:
                _flash(request, exc)
    return render(request, "pages/departure_import.html", {"report": report})


class ScheduleForm(forms.Form):
    start = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    interviewer = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Interviewer")
    )
    location = forms.CharField(required=False, max_length=255, label=gettext_lazy("Place"))


@hr_required
@not_found_as_404
def interview_schedule(request, pk: int):
    """Schedule the exit interview: the time is entered and shown in the employee's own zone."""
    departure = selectors.departure_get(user=request.user, pk=pk)
    zone_name = departure.employee.time_zone
    zone = zoneinfo.ZoneInfo(zone_name)
    form = ScheduleForm(request.POST or None)
    form.fields["interviewer"].queryset = interview_selectors.interviewer_candidates()
    form.fields["interviewer"].label_from_instance = person_names.display_name
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        if start is not None:
            # The browser sends a wall-clock time; it is the employee's, whatever the server's zone.
            start = timezone.make_naive(start) if timezone.is_aware(start) else start
            start = start.replace(tzinfo=zone)
        try:
            interview_actions.exit_interview_schedule(
                departure=departure,
                actor=request.user,
                start=start,
                interviewer=form.cleaned_data["interviewer"],
                location=form.cleaned_data["location"],
            )
        except errors.ApplicationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("The interview is scheduled and the invites are on their way."))
            return redirect("pages:departure", pk=pk)
    # Formatted here: a template's date filter would show it in the server's zone.
    now_there = timezone.now().astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return render(
        request,
        "pages/interview_schedule.html",
        {"departure": departure, "form": form, "zone": zone_name, "now_there": now_there},
    )


@hr_required
def overdue(request):
    """Open checklist steps past their due time, oldest first."""
    rows = (
        Step.objects.filter(state__in=["pending", "ready"], due_at__lt=timezone.now())
        .select_related("workflow__departure__employee")
        .order_by("due_at")[:300]
    )
    return render(request, "pages/overdue.html", {"rows": rows})


@hr_required
def deliveries(request):
    """Outbox deliveries that failed after their last try, with the error kept, and a retry button."""
    rows = ScheduledAction.objects.filter(status=ActionStatus.FAILED).order_by("-updated_at")[:300]
    return render(request, "pages/deliveries.html", {"rows": rows})


@hr_required
@require_POST
def delivery_retry(request, pk: int):
    action = ScheduledAction.objects.filter(pk=pk).first()
    if action is None:
        raise Http404
    try:
        action_retry(action=action, actor=request.user)
        messages.success(request, _("Queued again."))
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return redirect("pages:deliveries")


RATING_LABELS = {
    "role": gettext_lazy("The role"),
    "work_environment": gettext_lazy("Work environment"),
    "colleagues": gettext_lazy("Colleagues"),
    "manager": gettext_lazy("Manager"),
    "development": gettext_lazy("Development"),
    "culture": gettext_lazy("Culture"),
    "communication": gettext_lazy("Communication"),
    "leadership": gettext_lazy("Leadership"),
}


@hr_required
def report(request):
    """Reasons, ratings and would-return over released periods, from the k-anonymous report."""
    period = request.GET.get("period", "quarter")
    report_actions.reasons_report_release(user=request.user)  # closed quarters due, stored once, never revised
    try:
        data = reports.reasons_report(user=request.user, period=period)
    except errors.ApplicationError as exc:
        _flash(request, exc)
        data = reports.reasons_report(user=request.user)
    reason_labels = dict(ReasonCategory.choices)
    groups = data["by_period"]
    biggest = max([n for g in groups if not g["suppressed"] for n in g["reasons"]["primary"].values()] or [1])
    charts = []
    for group in groups:
        if group["suppressed"]:
            charts.append({"key": group["key"], "hidden": True})
            continue
        charts.append(
            {
                "key": group["key"],
                "hidden": False,
                "responses": group["responses"],
                "reasons": [
                    {"label": reason_labels.get(k, k), "n": n, "width": round(100 * n / biggest)}
                    for k, n in sorted(group["reasons"]["primary"].items(), key=lambda kv: -kv[1])
                ],
                "ratings": [
                    {
                        "name": RATING_LABELS.get(name, name),
                        "value": v,
                        "width": round(100 * v / 5) if v is not None else 0,
                    }
                    for name, v in group["ratings"].items()
                ],
                "would_return": group["would_return"],
                "return_width": round(100 * (group["would_return"]["share"] or 0)),
            }
        )
    return render(
        request,
        "pages/report.html",
        {"data": data, "charts": charts, "period": data["period"], "rating_names": RATING_NAMES},
    )


@hr_required
def people(request):
    """The people register's logins: create one for an employee, or email them a sign-in invitation."""
    search = request.GET.get("q", "").strip()
    rows = selectors.employee_list(user=request.user, search=search).select_related("user")[:300]
    return render(request, "pages/people.html", {"rows": rows, "q": search})


@hr_required
@require_POST
def person_login(request, pk: int):
    employee = Employee.objects.filter(pk=pk).first()
    if employee is None:
        raise Http404
    try:
        if request.POST.get("do") == "invite":
            employee_actions.employee_login_invite(employee=employee, actor=request.user)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": employee.email})
        else:
            employee_actions.employee_login_create(employee=employee, actor=request.user)
            messages.success(request, _("Login created for %(name)s.") % {"name": employee.name})
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return back(request, "pages:people")
