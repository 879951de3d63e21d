"""HR's pages: pipeline, starting departures (form and CSV), scheduling in the employee's zone, overdue
steps, failed deliveries with retry, logins and invitations, and the reasons charts."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from offboarding.feedback.models import InterviewResponse
from offboarding.feedback.selectors import guide_current
from offboarding.interviews.models import ExitInterview
from offboarding.models import Departure, EmployeeChange
from tests.factories import DepartureFactory, EmployeeFactory
from tests.helpers import grant_permission
from workflows.outbox.models import ActionStatus, ScheduledAction


def test_only_hr_opens_hr_pages(org, client_for):
    for user in (org.manager, org.employee, org.interviewer):
        assert client_for(user).get("/hr/").status_code == 404


def test_pipeline_lists_departures_by_state_with_filters(org, started, approved, client_for):
    client = client_for(org.hr, language="en")
    body = client.get("/hr/").content.decode()
    assert "Erik Employee" in body and "Approved" in body
    assert "Erik Employee" not in client.get("/hr/?state=notice").content.decode()
    assert "Erik Employee" in client.get("/hr/?state=approved").content.decode()


def test_hr_starts_a_departure_by_form(org, clock, client_for):
    response = client_for(org.hr).post(
        "/hr/departures/new/",
        {
            "employee": org.employee_record.pk,
            "kind": "resignation",
            "notice_date": "2026-12-01",
            "last_working_day": "2027-01-29",
            "reason": "career",
        },
    )
    departure = Departure.objects.get()
    assert response["Location"] == f"/departures/{departure.pk}/"
    assert departure.state == "notice" and departure.created_by == org.hr


def test_a_bad_form_shows_field_errors_and_starts_nothing(org, clock, client_for):
    response = client_for(org.hr).post(
        "/hr/departures/new/",
        {
            "employee": org.employee_record.pk,
            "kind": "resignation",
            "notice_date": "2026-12-01",
            "last_working_day": "2026-11-01",
        },
    )
    assert response.status_code == 200
    assert Departure.objects.count() == 0
    assert "errorlist" in response.content.decode()


def test_csv_upload_reports_per_row(org, clock, client_for):
    EmployeeFactory(external_id="E-9", name="Nils Nine", manager=org.manager_record)
    csv = (
        "employee_external_id,kind,notice_date,last_working_day,reason\n"
        "E-9,resignation,2026-12-01,2027-01-29,career\n"
        "NOPE,resignation,2026-12-01,2027-01-29,career\n"
    )
    response = client_for(org.hr, language="en").post(
        "/hr/departures/import/", {"file": SimpleUploadedFile("d.csv", csv.encode(), content_type="text/csv")}
    )
    body = response.content.decode()
    assert "2 rows: 1 started, 1 not started." in body
    assert "NOPE" in body and "Nils Nine" in body
    assert Departure.objects.get().employee.external_id == "E-9"


def test_hr_schedules_in_the_employees_zone(org, approved, client_for):
    client = client_for(org.hr, language="en")
    page = client.get(f"/hr/departures/{approved.pk}/interview/").content.decode()
    assert "Europe/Stockholm" in page
    client.post(
        f"/hr/departures/{approved.pk}/interview/",
        {"start": "2026-12-09T14:00", "interviewer": org.interviewer.pk, "location": "Room 3"},
    )
    interview = ExitInterview.objects.get()
    assert interview.start == datetime.datetime(2026, 12, 9, 13, 0, tzinfo=datetime.UTC)  # 14:00 CET
    detail = client.get(f"/departures/{approved.pk}/").content.decode()
    assert "2026-12-09 14:00 Europe/Stockholm" in detail


def test_overdue_steps_are_listed(org, approved, client_for, clock):
    clock.move_to(datetime.datetime(2027, 1, 15, 9, 0, tzinfo=datetime.UTC))
    body = client_for(org.hr).get("/hr/overdue/").content.decode()
    assert "Erik Employee" in body


def test_failed_delivery_is_retried(org, client_for, clock):
    action = ScheduledAction.objects.create(
        kind="reminder",
        handler="test",
        recipient="x@example.com",
        due_at=datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
        idempotency_key="failed-1",
        status=ActionStatus.FAILED,
        attempts=6,
        last_error="SMTP 451 try later",
    )
    client = client_for(org.hr)
    assert "SMTP 451 try later" in client.get("/hr/deliveries/").content.decode()
    client.post(f"/hr/deliveries/{action.pk}/retry/")
    action.refresh_from_db()
    assert action.status == ActionStatus.PENDING


def test_creating_a_login_is_audited_and_the_invitation_signs_in_once(org, client_for, clock):
    person = EmployeeFactory(name="Nora New", email="nora@example.com", manager=org.manager_record, language="sv")
    grant_permission(org.hr, "offboarding.link_employee_login")
    client = client_for(org.hr)
    client.post(f"/hr/people/{person.pk}/login/", {"do": "create"})
    person.refresh_from_db()
    assert person.user is not None and not person.user.has_usable_password()
    entry = EmployeeChange.objects.get(employee=person)
    assert (entry.field, entry.new_value, entry.actor) == (EmployeeChange.Field.LOGIN, person.user.username, org.hr)
    client.post(f"/hr/people/{person.pk}/login/", {"do": "invite"})
    (message,) = mail.outbox
    assert message.to == ["nora@example.com"] and "Logga in" in message.subject
    link = message.body.split("Logga in: ")[1].split()[0].replace("http://testserver", "")
    visitor = client_for()
    assert "Nora" in visitor.get(link).content.decode()  # GET only asks to confirm
    assert "_auth_user_id" not in visitor.session
    assert visitor.post(link)["Location"] == "/"
    assert int(visitor.session["_auth_user_id"]) == person.user.pk
    assert client_for().post(link).status_code == 400  # used once


def test_hr_cannot_create_a_login_twice(org, client_for):
    grant_permission(org.hr, "offboarding.link_employee_login")
    client = client_for(org.hr)
    client.post(f"/hr/people/{org.employee_record.pk}/login/", {"do": "create"})
    assert EmployeeChange.objects.count() == 0


def test_hr_without_the_link_login_permission_cannot_create_a_login(org, client_for):
    person = EmployeeFactory(name="Nora New", email="nora@example.com", manager=org.manager_record)
    client_for(org.hr).post(f"/hr/people/{person.pk}/login/", {"do": "create"})
    person.refresh_from_db()
    assert person.user is None and EmployeeChange.objects.count() == 0


def _answered(org, last_day: datetime.date, reason: str, would_return: bool) -> None:
    departure = DepartureFactory(
        employee=EmployeeFactory(manager=org.manager_record),
        state="completed",
        notice_date=last_day - datetime.timedelta(days=30),
        last_working_day=last_day,
    )
    start = datetime.datetime.combine(last_day, datetime.time(9), tzinfo=datetime.UTC)
    interview = ExitInterview.objects.create(
        departure=departure,
        interviewer=org.interviewer,
        state="closed",
        start=start,
        end=start + datetime.timedelta(hours=1),
    )
    InterviewResponse.objects.create(
        interview=interview, guide=guide_current(), primary_reason=reason, would_return=would_return
    )


@pytest.mark.parametrize("language", ["en", "sv"])
def test_reasons_chart_draws_hidden_groups_as_hidden_never_as_zero(org, client_for, language, settings, clock):
    settings.REPORT_MIN_GROUP_SIZE = 3
    for day in (datetime.date(2026, 2, 10 + n) for n in range(4)):
        _answered(org, day, "career", True)
    for day in (datetime.date(2026, 5, 10 + n) for n in range(4)):
        _answered(org, day, "compensation", False)
    _answered(org, datetime.date(2026, 8, 10), "workload", False)  # alone in its quarter
    body = client_for(org.hr, language=language).get("/hr/reports/").content.decode()
    shown, hidden = body.count('<span class="bar" role="img"'), body.count('class="hidden-group"')
    # The lone quarter is withheld; the total adds up only the quarters shown, so it reveals nobody.
    assert hidden == 1
    assert shown > 0
    assert "Workload" not in body and "Arbetsbelastning" not in body
